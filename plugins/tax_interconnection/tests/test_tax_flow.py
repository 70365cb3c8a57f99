"""The tax interconnection inside a real motcua application (SDK test kit): a household
business certificate sends its information to the tax office, the tax officer answers
on their screen, the tax code reaches the dossier and the business register; a land
transfer sends its cadastral slip, gets its tax notice, and its clock stands still while
the citizen pays."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from motcua_business_registration.models import Household
from motcua_tax_interconnection.models import Exchange
from motcua_tax_interconnection.reports import LOCAL, pending_report, turnaround_report
from sqlalchemy import select
from tax_land_plugin import LAND_TRANSFER

from motcua.core import timeutil
from motcua.core.calendar import WorkingCalendar
from motcua.core.models import Dossier, DossierEvent
from motcua.core.reports.figures import Scope, figures
from motcua.core.reports.periods import parse_period
from motcua.core.workflow.deadlines import working_minutes_between

REGISTRATION = "1.001612"


def _rows(app, model, *where):  # noqa: ANN001, ANN202
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            # Oldest first: PostgreSQL returns rows in no set order, an updated one often last.
            statement = select(model).where(*where).order_by(*model.__table__.primary_key)
            rows = list(database.session.scalars(statement))
            database.session.expunge_all()
            return rows
        finally:
            database.remove()


def _registered(motcua_flow, data) -> str:  # noqa: ANN001
    dossier = motcua_flow.take_in(REGISTRATION, specialist_data=data)
    motcua_flow.finish(dossier.code)
    return dossier.code


def test_a_registration_reaches_the_tax_office_and_its_tax_code_the_register(
        motcua_app, motcua_flow, motcua_clients, registration_data):
    code = _registered(motcua_flow, registration_data)
    [exchange] = _rows(motcua_app, Exchange, Exchange.dossier_code == code)
    assert (exchange.kind, exchange.channel, exchange.tax_office_code, exchange.status) == (
        "business", "internal", "T99.01", "waiting")
    assert exchange.payload["registration_number"] == "99A8000001"
    assert exchange.payload["owner"]["citizen_id"] == "001085012345"
    assert exchange.due_at > exchange.created_at

    officer = motcua_clients.tax_officer
    incoming = officer.get("/tax/").get_data(as_text=True)
    assert f'data-dossier="{code}"' in incoming
    # The business registration office's staff are not the tax office: not theirs.
    assert f'data-dossier="{code}"' not in motcua_clients.specialist.get("/tax/").get_data(
        as_text=True)
    assert motcua_clients.specialist.get(f"/tax/exchanges/{exchange.id}").status_code == 404

    # A malformed tax code is refused with a message; nothing changes.
    bad = officer.post(f"/tax/exchanges/{exchange.id}",
                       data={"outcome": "tax_code", "tax_code": "12AB"})
    assert bad.status_code == 422 and "tax code has 10 or 13 digits" in bad.get_data(
        as_text=True)
    assert _rows(motcua_app, Exchange, Exchange.id == exchange.id)[0].status == "waiting"

    answered = officer.post(f"/tax/exchanges/{exchange.id}",
                            data={"outcome": "tax_code", "tax_code": "001085012345"})
    assert answered.status_code == 302, answered.get_data(as_text=True)[:500]
    [exchange] = _rows(motcua_app, Exchange, Exchange.id == exchange.id)
    assert exchange.status == "answered" and exchange.answer["tax_code"] == "001085012345"
    assert "Vũ Thị Thuế" in exchange.answered_by

    # On the dossier (an event anyone following it sees) and in the register.
    events = motcua_clients.leader.get(f"/api/v1/dossiers/{code}/events").get_json()["items"]
    assert events[-1]["kind"] == "annotated" and "001085012345" in events[-1]["note"]
    [household] = _rows(motcua_app, Household)
    assert household.tax_code == "001085012345"
    register = motcua_clients.leader.get("/business-registration/register").get_data(
        as_text=True)
    assert 'data-tax-code="001085012345"' in register
    # Answered twice? The second answer is refused.
    again = officer.post(f"/tax/exchanges/{exchange.id}",
                         data={"outcome": "tax_code", "tax_code": "0312345678"})
    assert again.status_code == 409
    assert _rows(motcua_app, Household)[0].tax_code == "001085012345"


def test_a_query_back_is_attached_to_the_dossier(motcua_app, motcua_flow, motcua_clients,
                                                 registration_data):
    code = _registered(motcua_flow, registration_data)
    [exchange] = _rows(motcua_app, Exchange, Exchange.dossier_code == code)
    empty = motcua_clients.tax_officer.post(f"/tax/exchanges/{exchange.id}",
                                            data={"outcome": "query"})
    assert empty.status_code == 422
    asked = motcua_clients.tax_officer.post(f"/tax/exchanges/{exchange.id}", data={
        "outcome": "query", "question": "Đề nghị bổ sung số điện thoại của chủ hộ."})
    assert asked.status_code == 302
    assert _rows(motcua_app, Exchange, Exchange.id == exchange.id)[0].status == "query"
    events = motcua_clients.leader.get(f"/api/v1/dossiers/{code}/events").get_json()["items"]
    assert "Đề nghị bổ sung số điện thoại" in events[-1]["note"]
    assert _rows(motcua_app, Household)[0].tax_code is None

    # The registration office replies (someone who may see the finished dossier: the
    # leader here); the tax office gets it as a new request.
    office = motcua_clients.leader
    page = office.get(f"/tax/dossiers/{code}").get_data(as_text=True)
    assert 'id="reply-form"' in page and "số điện thoại của chủ hộ" in page
    short = office.post(f"/tax/dossiers/{code}", data={"reply": "ok"})
    assert short.status_code == 422
    replied = office.post(f"/tax/dossiers/{code}", data={
        "reply": "Số điện thoại của chủ hộ: 0912 345 678."})
    assert replied.status_code == 302
    first, second = _rows(motcua_app, Exchange, Exchange.dossier_code == code)
    assert (first.status, second.status) == ("replied", "waiting")
    assert second.payload["reply_to"] == first.message_id
    request_page = motcua_clients.tax_officer.get(f"/tax/exchanges/{second.id}")
    assert "0912 345 678" in request_page.get_data(as_text=True)
    again = office.post(f"/tax/dossiers/{code}", data={
        "reply": "Một lần nữa."})
    assert again.status_code == 409


def test_overdue_requests_and_the_figures(motcua_app, motcua_flow, motcua_clients,
                                          registration_data):
    code = _registered(motcua_flow, registration_data)
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.app_context():
        exchange = database.session.scalar(select(Exchange))
        exchange.due_at = datetime.now(UTC) - timedelta(days=1)
        exchange.created_at = datetime.now(UTC) - timedelta(days=15)
        database.session.commit()
        assert pending_report(database.session, None, None, None) == [
            {"tax_office": "T99.01", "kind": "business", "waiting": 1, "overdue": 1}]
        database.remove()
    overdue = motcua_clients.tax_officer.get("/tax/overdue").get_data(as_text=True)
    assert f'data-exchange="{exchange.id}"' in overdue and code in overdue
    motcua_clients.tax_officer.post(f"/tax/exchanges/{exchange.id}",
                                    data={"outcome": "tax_code", "tax_code": "0312345678"})
    with motcua_app.app_context():
        [row] = turnaround_report(database.session, None, None, None)
        # The core's report page and CLI give whole days, both included: an answer given
        # today is in a period ending today, not in one ending yesterday.
        today = datetime.now(LOCAL).date()
        [same] = turnaround_report(database.session, today - timedelta(days=30), today, None)
        assert turnaround_report(database.session, today - timedelta(days=30),
                                 today - timedelta(days=1), None) == []
        database.remove()
    assert same == row
    # Asked 15 days ago, answered now: late even across Tết (test_tax_figures
    # checks the working-day count itself on fixed dates).
    assert row["answered"] == 1 and row["on_time"] == 0
    figures = motcua_clients.leader.get("/tax/figures").get_data(as_text=True)
    assert "T99.01" in figures
    overdue = motcua_clients.tax_officer.get("/tax/overdue").get_data(as_text=True)
    assert f'data-exchange="{exchange.id}"' not in overdue


def _land_page(client, code: str) -> str:  # noqa: ANN001
    page = client.get(f"/tax/land/{code}")
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    return page.get_data(as_text=True)


def _report_row(app, code: str) -> dict:  # noqa: ANN001
    """The periodic report's row (this month, now) for the dossier's receiving unit."""
    database = app.extensions["motcua.db"]
    with app.app_context():
        try:
            unit = database.session.scalar(select(Dossier).where(Dossier.code == code)).unit
            moment = timeutil.now()
            (row,) = figures(database.session, Scope(root=unit),
                             parse_period(timeutil.local(moment).strftime("%Y-%m")), moment)
            return row
        finally:
            database.remove()


SLIP = {"parcel_number": "125", "map_sheet": "18", "address": "Số 5 đường Trần Phú, phường Một",
        "area_m2": "82,5", "land_use": "Đất ở tại đô thị", "price": "2.400.000.000",
        "transferor_name": "Trần Văn Bán", "transferor_id": "001070000111",
        "transferee_name": "Lê Thị Mua", "transferee_id": "001088000222"}


def test_a_land_transfer_pauses_while_the_citizen_pays(motcua_app, motcua_flow,
                                                       motcua_clients, monkeypatch):
    dossier = motcua_flow.take_in(LAND_TRANSFER)
    code = dossier.code
    motcua_flow.act(code, "claim", "specialist")
    specialist = motcua_clients.specialist
    assert 'id="slip-form"' in _land_page(specialist, code)
    # A slip with a bad citizen ID is refused, nothing sent.
    bad = specialist.post(f"/tax/land/{code}", data={**SLIP, "step": "send_slip",
                                                     "transferee_id": "123"})
    assert bad.status_code == 422 and "12 digits" in bad.get_data(as_text=True)
    # An area that reads two ways (1.200 m² or 1,2 m²) is refused, naming both readings.
    unclear = specialist.post(f"/tax/land/{code}", data={**SLIP, "step": "send_slip",
                                                         "area_m2": "1.200"})
    assert unclear.status_code == 422 and "1200" in unclear.get_data(as_text=True)
    assert _rows(motcua_app, Exchange) == []
    sent = specialist.post(f"/tax/land/{code}", data={**SLIP, "step": "send_slip"})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:400]
    [exchange] = _rows(motcua_app, Exchange)
    assert exchange.kind == "land" and exchange.payload["price"] == 2_400_000_000
    assert exchange.payload["area_m2"] == 82.5  # the decimal comma, read as Vietnamese write it

    answered = motcua_clients.tax_officer.post(f"/tax/exchanges/{exchange.id}", data={
        "notice_number": "1234/TB-CCT", "amount_0": "12.000.000", "amount_1": "48000000",
        "pay_by": "2026-12-31"})
    assert answered.status_code == 302, answered.get_data(as_text=True)[:400]
    page = _land_page(specialist, code)
    assert "1234/TB-CCT" in page and "48.000.000" in page and 'id="await-payment"' in page

    before = motcua_flow.view(code)
    paused = specialist.post(f"/tax/land/{code}", data={"step": "await_payment"})
    assert paused.status_code == 302, paused.get_data(as_text=True)[:400]
    # Its own pause, not a supplement: the citizen's channels say "waiting for payment of
    # financial obligations" and the periodic report counts it in processing, on time.
    assert motcua_flow.view(code).status == "waiting_payment"
    assert 'id="payment-confirmed"' in _land_page(specialist, code)
    row = _report_row(motcua_app, code)
    assert row["supplement_requested"] == 0
    assert (row["in_processing"], row["in_processing_overdue"]) == (1, 0)
    # The citizen pays two weeks later: the platform's clock (read by the routing engine;
    # the SDK test kit has no clock of its own) moves on, so the pause really lasts.
    later = datetime.now(UTC) + timedelta(days=14)
    monkeypatch.setattr("motcua.core.timeutil.now", lambda: later)
    resumed = specialist.post(f"/tax/land/{code}", data={"step": "payment_confirmed"})
    assert resumed.status_code == 302, resumed.get_data(as_text=True)[:400]
    after = motcua_flow.view(code)
    assert after.status == "in_processing"
    assert _rows(motcua_app, Exchange)[0].status == "settled"
    events = motcua_clients.leader.get(f"/api/v1/dossiers/{code}/events").get_json()["items"]
    kinds = [event["kind"] for event in events]
    assert kinds[-3:] == ["annotated", "paused_for_payment", "payment_recorded"]
    assert "supplement_requested" not in kinds and "supplemented" not in kinds
    assert re.search(r"Thông báo thuế số 1234/TB-CCT: 60\.000\.000 đồng", events[-3]["note"])
    stored = _rows(motcua_app, DossierEvent, DossierEvent.dossier_id.in_(
        select(Dossier.id).where(Dossier.code == code)))
    assert stored[-2].data == {"notice_number": "1234/TB-CCT", "amount": 60_000_000}
    # The time spent paying is not counted: the appointment moves later by exactly the
    # working time paused (two weeks: several working days).
    paused = stored[-1].data["paused_working_minutes"]
    assert paused >= 3 * 570
    assert after.due_at > before.due_at
    assert working_minutes_between(WorkingCalendar(), before.due_at, after.due_at) == paused
    assert datetime.fromisoformat(stored[-1].data["old_due_at"]) == before.due_at
    assert datetime.fromisoformat(stored[-1].data["new_due_at"]) == after.due_at


def test_a_land_dossier_sends_only_by_its_slip(motcua_app, motcua_flow):
    dossier = motcua_flow.take_in(LAND_TRANSFER)
    motcua_flow.finish(dossier.code, result={"number": "CS 123456"})
    assert _rows(motcua_app, Exchange) == []  # a land dossier sends only by its slip


def test_a_change_sends_the_whole_household_after_the_change(motcua_app, motcua_flow,
                                                              registration_data):
    _registered(motcua_flow, registration_data)
    change = motcua_flow.take_in("2.000720", specialist_data={
        "registration_number": "99A8000001", "address": "Số 40 đường Trần Phú, phường Một",
        "workers": 5, "reason": "Chuyển địa điểm"})
    motcua_flow.finish(change.code)
    [sent] = _rows(motcua_app, Exchange, Exchange.dossier_code == change.code)
    owner = registration_data["owner"]
    assert sent.payload == {
        "procedure_code": "2.000720", "purpose": "change",
        "registration_number": "99A8000001",
        "business_name": "Tạp hóa Bình An",
        "address": "Số 40 đường Trần Phú, phường Một",
        "business_lines": ["4711", "4723"], "capital": 150_000_000, "workers": 5,
        "owner": {key: owner[key] for key in ("full_name", "citizen_id", "birth_date",
                                              "address")},
        "changed": ["address", "workers"],
        "effective_on": sent.payload["effective_on"],
        "certificate_title": sent.payload["certificate_title"]}
    assert sent.payload["effective_on"] and sent.payload["certificate_title"]
    [registered] = _rows(motcua_app, Exchange, Exchange.procedure_code == REGISTRATION)
    assert (registered.payload["purpose"], registered.payload["changed"]) == (
        "registration", [])
