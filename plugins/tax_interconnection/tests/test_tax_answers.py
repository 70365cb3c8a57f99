"""Every answer of the tax office is checked against its message's kind before it is
applied (the tax officer's form and an external tax system alike), and of two answers
given at once only one is applied."""

from __future__ import annotations

import threading
import time

import pytest
from marshmallow import ValidationError
from motcua_business_registration.models import Household
from motcua_tax_interconnection.models import Exchange
from motcua_tax_interconnection.schemas import load_answer
from sqlalchemy import select
from tax_land_plugin import LAND_TRANSFER
from test_tax_flow import SLIP, _registered, _rows

from motcua_sdk import services
from motcua_sdk.testing import Clients

NOTICE = {"outcome": "notice", "notice_number": "TB-7", "pay_by": "2026-12-31",
          "items": [{"name": "Lệ phí trước bạ", "amount": 1000},
                    {"name": "Thuế thu nhập cá nhân", "amount": 4000}]}


def test_a_tax_code_does_not_answer_a_land_slip():
    with pytest.raises(ValidationError, match="tax_code"):
        load_answer("land", {**NOTICE, "tax_code": "0312345678"})


def test_a_notice_does_not_answer_a_business_message():
    with pytest.raises(ValidationError, match="notice_number"):
        load_answer("business", {**NOTICE, "tax_code": "0312345678"})
    with pytest.raises(ValidationError, match="outcome"):
        load_answer("business", {"outcome": "notice"})


def test_an_answer_naming_another_kind_is_refused():
    with pytest.raises(ValidationError, match="land"):
        load_answer("business", {"kind": "land", "outcome": "tax_code",
                                 "tax_code": "0312345678"})


def test_a_notice_whose_total_is_not_its_items_sum_is_refused():
    with pytest.raises(ValidationError, match="sum"):
        load_answer("land", {**NOTICE, "total": 4000})
    assert load_answer("land", {**NOTICE, "total": 5000})["items"][1]["amount"] == 4000


def test_an_answer_is_reduced_to_its_content():
    answer = {"message_id": "m", "kind": "business", "tax_office": "T", "answered_at": "x",
              "outcome": "tax_code", "tax_code": "0312345678-001"}
    assert load_answer("business", answer) == {"outcome": "tax_code",
                                               "tax_code": "0312345678-001"}
    assert load_answer("land", {"outcome": "query", "question": "Thiếu giá chuyển nhượng."}) \
        == {"outcome": "query", "question": "Thiếu giá chuyển nhượng."}


def test_a_land_slip_can_be_queried_back_and_sent_again(motcua_app, motcua_flow,
                                                        motcua_clients):
    code = motcua_flow.take_in(LAND_TRANSFER).code
    motcua_flow.act(code, "claim", "specialist")
    specialist = motcua_clients.specialist
    assert specialist.post(f"/tax/land/{code}", data={**SLIP, "step": "send_slip"}
                           ).status_code == 302
    [exchange] = _rows(motcua_app, Exchange)
    officer = motcua_clients.tax_officer
    form = officer.get(f"/tax/exchanges/{exchange.id}").get_data(as_text=True)
    assert 'value="query"' in form and 'value="notice"' in form
    short = officer.post(f"/tax/exchanges/{exchange.id}", data={"outcome": "query",
                                                                "question": "?"})
    assert short.status_code == 422
    asked = officer.post(f"/tax/exchanges/{exchange.id}", data={
        "outcome": "query", "question": "Đề nghị ghi rõ giá chuyển nhượng trên hợp đồng."})
    assert asked.status_code == 302, asked.get_data(as_text=True)[:400]
    assert _rows(motcua_app, Exchange)[0].status == "query"
    page = specialist.get(f"/tax/land/{code}").get_data(as_text=True)
    assert "ghi rõ giá chuyển nhượng" in page and 'id="slip-form"' in page
    again = specialist.post(f"/tax/land/{code}", data={**SLIP, "step": "send_slip"})
    assert again.status_code == 302
    first, second = _rows(motcua_app, Exchange)
    assert (first.status, second.status) == ("replied", "waiting")


def test_two_tax_officers_answering_at_once_one_wins(motcua_app, motcua_flow, motcua_clients,
                                                     registration_data):
    code = _registered(motcua_flow, registration_data)
    [exchange] = _rows(motcua_app, Exchange, Exchange.dossier_code == code)
    officers = [motcua_clients.tax_officer, Clients(motcua_app).tax_officer]
    codes = ["001085012345", "0312345678"]
    responses: list = [None, None]

    def answer(index: int) -> None:
        responses[index] = officers[index].post(f"/tax/exchanges/{exchange.id}", data={
            "outcome": "tax_code", "tax_code": codes[index]})

    database = motcua_app.extensions["motcua.db"]
    threads = [threading.Thread(target=answer, args=(index,)) for index in (0, 1)]
    # Both requests read the exchange as waiting while another transaction holds its row
    # (the write lock on SQLite); when it lets go, they race for it.
    with database.write_session() as holder:
        holder.scalar(select(Exchange).where(Exchange.id == exchange.id).with_for_update())
        for thread in threads:
            thread.start()
        time.sleep(1.5)
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302, 409], [r.get_data(as_text=True)[:300] for r in responses]
    loser = next(response for response in responses if response.status_code == 409)
    assert "đã được trả lời" in loser.get_data(as_text=True)
    winner = codes[[response.status_code for response in responses].index(302)]
    [row] = _rows(motcua_app, Exchange, Exchange.id == exchange.id)
    assert row.answer == {"outcome": "tax_code", "tax_code": winner}
    assert _rows(motcua_app, Household)[0].tax_code == winner
    events = motcua_clients.leader.get(f"/api/v1/dossiers/{code}/events").get_json()["items"]
    assert sum("Mã số thuế" in (event["note"] or "") for event in events) == 1


def test_a_malformed_tax_code_annotated_by_anyone_stays_out_of_the_register(
        motcua_app, motcua_flow, registration_data):
    code = _registered(motcua_flow, registration_data)
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.test_request_context():
        try:
            # Another plugin (not this one's checked answers) annotating a bad tax code.
            services.annotate(code, source="another_plugin", key="tax_code", value="12AB",
                              label="Mã số thuế")
            database.session.commit()
        finally:
            database.remove()
    assert _rows(motcua_app, Household)[0].tax_code is None
