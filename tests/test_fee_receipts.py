"""Fee receipts (biên lai): a plugin (motcua_sdk.services.record_fee_payment) or the desk
records a fee paid with the dossier; a receipt number is used once per series; bad values,
the wrong officer and a duplicate are refused with a message and write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Blueprint, jsonify, request
from sqlalchemy import func, select

from motcua.core import fees
from motcua.core.models import Dossier, DossierEvent, FeeReceipt
from motcua_sdk import ProcedureSpec, hookimpl, services

CODE = "9.000082"

bp = Blueprint("fees_test", __name__, url_prefix="/fees-test")


@bp.post("/<code>")
@services.staff_required()
def pay(code):
    body = request.get_json()
    if body.get("paid_at"):
        body["paid_at"] = datetime.fromisoformat(body["paid_at"])
    view = services.record_fee_payment(code, **body)
    return jsonify(id=view.id, series=view.series, number=view.number, amount=view.amount,
                   officer=view.officer, plugin=view.plugin,
                   listed=[(r.series, r.number) for r in services.fee_receipts(code)])


class FeesPlugin:
    MOTCUA_API = ">=0.1,<0.3"
    MOTCUA_DISPLAY_NAME = "Fees test"

    @hookimpl
    def motcua_procedures(self):
        return [ProcedureSpec(
            code=CODE, name="Thủ tục có lệ phí", field="Thử nghiệm", level="district",
            processing_days=4, result_type="Giấy phép", fee=50000,
            workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                       "unit": "function:finance"}])]

    @hookimpl
    def motcua_blueprints(self):
        return [bp]


@pytest.fixture
def motcua_extra_plugins():
    return [("fees_test", FeesPlugin())]


JSON = {"Accept": "application/json"}
PAYMENT = {"amount": 50000, "payer": "Nguyễn Văn An", "series": "BL/2026P",
           "number": "0000123"}


def _counts(app, code: str) -> tuple[int, int]:  # noqa: ANN001
    with app.app_context():
        session = app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        receipts = session.scalar(select(func.count()).select_from(FeeReceipt))
        events = session.scalar(select(func.count()).select_from(DossierEvent).where(
            DossierEvent.dossier_id == dossier.id))
        app.extensions["motcua.db"].remove()
        return receipts, events


def test_a_plugin_records_a_payment_shown_on_the_dossier_page(motcua_app, motcua_flow,
                                                              motcua_clients):
    code = motcua_flow.take_in(CODE).code
    paid_at = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    answer = motcua_clients.specialist.post(f"/fees-test/{code}", json={
        **PAYMENT, "series": "bl/2026p", "paid_at": paid_at.isoformat()})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert (body["series"], body["number"], body["amount"]) == ("BL/2026P", "0000123", 50000)
    assert (body["officer"], body["plugin"]) == ("Trần Văn Chuyên Viên", "fees_test")
    assert body["listed"] == [["BL/2026P", "0000123"]]

    with motcua_app.app_context():
        session = motcua_app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        event = dossier.events[-1]
        assert event.kind == "fee_paid" and event.at == paid_at
        assert event.data == {"receipt_id": body["id"], "amount": 50000,
                              "payer": "Nguyễn Văn An", "series": "BL/2026P",
                              "number": "0000123"}
        motcua_app.extensions["motcua.db"].remove()

    page = motcua_clients.reception.get(f"/dossiers/{code}?lang=en").get_data(as_text=True)
    assert 'data-fee-receipt="BL/2026P/0000123"' in page
    assert "50.000 đ" in page and "Fee paid" in page and "fee_paid" not in page
    vi = motcua_clients.reception.get(f"/dossiers/{code}?lang=vi").get_data(as_text=True)
    assert "Đã nộp phí, lệ phí" in vi


def test_a_duplicate_receipt_number_in_its_series_is_refused(motcua_app, motcua_flow,
                                                             motcua_clients):
    first = motcua_flow.take_in(CODE).code
    second = motcua_flow.take_in(CODE).code
    assert motcua_clients.specialist.post(f"/fees-test/{first}",
                                          json=PAYMENT).status_code == 200
    before = _counts(motcua_app, second)
    for code, payment in ((first, PAYMENT), (second, PAYMENT),
                          (second, {**PAYMENT, "series": "bl/2026p"})):
        refused = motcua_clients.specialist.post(f"/fees-test/{code}?lang=en", json=payment,
                                                 headers=JSON)
        assert refused.status_code == 409
        assert refused.get_json() == {
            "error": "Receipt 0000123 of series BL/2026P is already recorded; a receipt "
                     "number is used once in its series.", "field": "number"}
    assert _counts(motcua_app, second) == before
    # The same number in another series is another receipt.
    other = motcua_clients.specialist.post(f"/fees-test/{second}",
                                           json={**PAYMENT, "series": "BL/2026Q"})
    assert other.status_code == 200


def test_the_database_refuses_a_duplicate_recorded_meanwhile(motcua_app, motcua_flow,
                                                             monkeypatch):
    """Two officers recording the same receipt at once both pass the first check; the
    unique constraint refuses the second, with the same message, and nothing of it
    stays (the savepoint rolls back the receipt, no event is written)."""
    code = motcua_flow.take_in(CODE).code
    with motcua_app.test_request_context("/?lang=en"):
        session = motcua_app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        fees.record_fee_payment(session, dossier, None, **PAYMENT)
        session.commit()
        events = len(dossier.events)
        monkeypatch.setattr(fees, "_taken", lambda *_args: None)
        with pytest.raises(fees.Conflict, match="already recorded"):
            fees.record_fee_payment(session, dossier, None, **PAYMENT)
        session.commit()
        assert session.scalar(select(func.count()).select_from(FeeReceipt)) == 1
        session.refresh(dossier)
        assert len(dossier.events) == events
        motcua_app.extensions["motcua.db"].remove()


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": 0}, "amount"),
    ({"amount": -5000}, "amount"),
    ({"amount": "50000"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": 2**31}, "amount"),
    ({"payer": "   "}, "payer"),
    ({"payer": "A" * 161}, "payer"),
    ({"series": ""}, "series"),
    ({"series": "BL 2026"}, "series"),
    ({"series": "B" * 21}, "series"),
    ({"number": "12a"}, "number"),
    ({"number": ""}, "number"),
    ({"paid_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "paid_at"),
    ({"paid_at": "2026-01-05T09:00:00"}, "paid_at"),
])
def test_bad_values_are_refused_naming_the_field(motcua_app, motcua_flow, motcua_clients,
                                                 change, field):
    code = motcua_flow.take_in(CODE).code
    before = _counts(motcua_app, code)
    refused = motcua_clients.specialist.post(f"/fees-test/{code}", json={**PAYMENT, **change},
                                             headers=JSON)
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert refused.get_json()["field"] == field and refused.get_json()["error"]
    assert _counts(motcua_app, code) == before


def test_only_the_desk_and_the_officers_on_the_dossier_record_fees(motcua_app, motcua_flow,
                                                                   motcua_clients):
    code = motcua_flow.take_in(CODE).code
    before = _counts(motcua_app, code)
    # The tax officer cannot see the dossier; the city's unit administrator can, but
    # neither takes in nor works on dossiers.
    for role in ("tax_officer", "unit_admin"):
        refused = motcua_clients.__getattr__(role).post(f"/fees-test/{code}", json=PAYMENT,
                                                        headers=JSON)
        assert refused.status_code == 403, role
    assert _counts(motcua_app, code) == before
    assert motcua_clients.reception.post(f"/fees-test/{code}", json=PAYMENT).status_code == 200


def test_the_desk_records_a_fee_on_the_dossier_page(motcua_app, motcua_flow, motcua_clients):
    code = motcua_flow.take_in(CODE).code
    desk = motcua_clients.reception
    page = desk.get(f"/dossiers/{code}?lang=en").get_data(as_text=True)
    assert "data-fee-form" in page and "No fee recorded." in page
    sent = desk.post(f"/dossiers/{code}/fees", data={
        "amount": "50.000", "payer": "Nguyễn Văn An", "series": "BL/2026P",
        "number": "0000777"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(
        f"/dossiers/{code}#fees")
    page = desk.get(f"/dossiers/{code}?lang=en").get_data(as_text=True)
    assert 'data-fee-receipt="BL/2026P/0000777"' in page and "50.000 đ" in page
    before = _counts(motcua_app, code)
    again = desk.post(f"/dossiers/{code}/fees?lang=en", data={
        "amount": "20000", "payer": "Trần Thị Bình", "series": "BL/2026P",
        "number": "0000777"})
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "Receipt 0000777 of series BL/2026P is already recorded" in text
    assert 'value="Trần Thị Bình"' in text  # what was typed stays in the form
    bad = desk.post(f"/dossiers/{code}/fees?lang=en", data={
        "amount": "năm mươi", "payer": "An", "series": "BL/2026P", "number": "1"})
    assert bad.status_code == 400 and "whole number of đồng" in bad.get_data(as_text=True)
    assert _counts(motcua_app, code) == before
    # An officer who may not record fees sees the receipts but no form.
    admin_page = motcua_clients.unit_admin.get(f"/dossiers/{code}?lang=en")
    assert "data-fee-form" not in admin_page.get_data(as_text=True)
