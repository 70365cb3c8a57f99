"""The pause for the applicant's financial obligation (Decree 61: the time the applicant
takes to pay a tax notice is not counted): its own status, not a supplement (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from motcua.core.accounts import issue_api_token
from motcua.core.calendar import WorkingCalendar
from motcua.core.errors import Forbidden, ValidationError
from motcua.core.models import (
    CalendarOverride,
    DossierEvent,
    DossierWorkflow,
    SmsMessage,
    SupplementPause,
)
from motcua.core.workflow import actions
from motcua.core.workflow.control import control_slip_rows
from motcua.core.workflow.deadlines import add_working_minutes, working_minutes_between
from motcua.core.workflow.lateness import dossier_is_late, is_overdue
from motcua.core.workflow.overdue import check_overdue
from motcua.core.workflow.queues import unit_queue
from tests.test_department_web import act, client, counts, new_dossier, offered, state, text
from tests.test_workflow_api import _act as api_act
from tests.test_workflow_support import Clock, assert_history_consistent, receive, vn


def _claimed(session, app, routing, **overrides):  # noqa: ANN001, ANN202
    dossier = receive(session, app, routing, **overrides)
    actions.claim(session, dossier, routing.account(session, "specialist"))
    session.commit()
    return dossier


def _pause(session, routing, dossier, **values):  # noqa: ANN001, ANN003, ANN202
    arguments = {"note": "Nộp lệ phí trước bạ", "notice_number": "TB-2026/15",
                 "amount": 12_500_000} | values
    return actions.pause_for_payment(session, dossier, routing.account(session, "specialist"),
                                     **arguments)


def test_payment_pause_moves_every_deadline_by_the_paused_working_time(
        app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 4, 28, 9, 0))
    with app.app_context():
        session = db.session
        session.add(CalendarOverride(day=date(2026, 5, 4), kind="day_off", note="test"))
        session.commit()
        dossier = _claimed(session, app, routing)
        due_before = dossier.due_at
        step_due_before = session.get(DossierWorkflow, dossier.id).step_due_at

        clock.set(vn(2026, 4, 29, 16, 0))
        event = _pause(session, routing, dossier)
        session.commit()
        assert dossier.status == "waiting_payment"
        assert (event.kind, event.to_status) == ("paused_for_payment", "waiting_payment")
        assert event.data == {"notice_number": "TB-2026/15", "amount": 12_500_000}
        assert event.note == "Nộp lệ phí trước bạ"

        # Wednesday 16:00 -> Tuesday 08:30 across two holidays, a weekend and a day off.
        clock.set(vn(2026, 5, 5, 8, 30))
        event = actions.record_payment(session, dossier, routing.account(session, "reception"),
                                       note="Đã nộp")
        session.commit()
        assert dossier.status == "in_processing"
        assert event.kind == "payment_recorded"
        assert event.data["paused_working_minutes"] == 120
        calendar = WorkingCalendar.from_overrides(session.scalars(select(CalendarOverride)))
        assert working_minutes_between(calendar, due_before, dossier.due_at) == 120
        instance = session.get(DossierWorkflow, dossier.id)
        assert instance.step_due_at == add_working_minutes(calendar, step_due_before, 120)
        assert instance.paused_working_minutes == 120 and instance.paused_at is None
        assert control_slip_rows(session, dossier)[-1].due_at == instance.step_due_at
        assert_history_consistent(session, dossier)


def test_payment_pause_is_not_a_supplement(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = _claimed(session, app, routing)
        _pause(session, routing, dossier)
        session.commit()
        assert session.scalar(select(func.count(SupplementPause.id))) == 0
        kinds = session.scalars(select(DossierEvent.kind)
                                .where(DossierEvent.dossier_id == dossier.id)).all()
        assert "supplement_requested" not in kinds
        with pytest.raises(ValidationError, match="waiting payment"):
            actions.record_supplement(session, dossier, routing.account(session, "reception"))
        session.rollback()


def test_only_the_officer_working_the_step_may_pause_for_payment(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = _claimed(session, app, routing)
        version = dossier.version
        for name in ("reception", "specialist2", "other_specialist"):
            with pytest.raises(Forbidden):
                actions.pause_for_payment(session, dossier, routing.account(session, name),
                                          note="Nộp thuế")
            session.rollback()
        assert (dossier.status, dossier.version) == ("in_processing", version)


@pytest.mark.parametrize(("values", "field"), [
    ({"note": " "}, "note"), ({"amount": -5}, "amount"), ({"amount": "12.000"}, "amount"),
    ({"amount": True}, "amount"), ({"notice_number": "x" * 101}, "notice_number"),
])
def test_bad_payment_pause_input_is_refused_and_changes_nothing(app, db, routing, values,
                                                                field):
    with app.app_context():
        session = db.session
        dossier = _claimed(session, app, routing)
        version = dossier.version
        with pytest.raises(ValidationError) as caught:
            _pause(session, routing, dossier, **values)
        assert caught.value.field == field
        session.rollback()
        assert (dossier.status, dossier.version) == ("in_processing", version)
        assert session.get(DossierWorkflow, dossier.id).paused_at is None


def test_screens_offer_the_pause_to_the_holder_and_the_payment_to_the_desk(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = _claimed(session, app, routing)
        specialist, reception = (routing.account(session, name)
                                 for name in ("specialist", "reception"))
        assert "pause_for_payment" in actions.available_actions(session, dossier, specialist)
        assert "pause_for_payment" not in actions.available_actions(session, dossier, reception)
        _pause(session, routing, dossier)
        session.commit()
        assert "record_payment" in actions.available_actions(session, dossier, reception)
        assert "record_payment" in actions.available_actions(session, dossier, specialist)
        assert "pause_for_payment" not in actions.available_actions(session, dossier,
                                                                    specialist)
        assert dossier in unit_queue(session, reception)


def test_a_dossier_waiting_for_payment_is_not_overdue(app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 12, 7, 9, 0))
    with app.app_context():
        session = db.session
        dossier = _claimed(session, app, routing)
        _pause(session, routing, dossier)
        session.commit()
        clock.set(dossier.due_at.replace(year=2027))
        assert not is_overdue(dossier)
        assert not dossier_is_late(dossier)
        assert check_overdue(session) == 0
        assert "overdue" not in session.scalars(select(DossierEvent.kind).where(
            DossierEvent.dossier_id == dossier.id)).all()


def test_refusing_a_dossier_waiting_for_payment_closes_the_pause(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = _claimed(session, app, routing)
        due = dossier.due_at
        _pause(session, routing, dossier)
        session.commit()
        actions.refuse(session, dossier, routing.account(session, "specialist"),
                       reason="Không nộp nghĩa vụ tài chính")
        session.commit()
        assert dossier.status == "refused" and dossier.due_at == due
        assert session.get(DossierWorkflow, dossier.id).paused_at is None


def test_the_applicant_gets_an_sms_asking_to_pay_not_a_supplement_request(app, db, routing):
    with app.test_request_context("/"):
        session = db.session
        dossier = _claimed(session, app, routing, sms_consent=True)
        _pause(session, routing, dossier)
        session.commit()
        [message] = session.scalars(select(SmsMessage).where(
            SmsMessage.kind == "paused_for_payment")).all()
        assert dossier.code in message.body and "TB-2026/15" in message.body
        assert "supplement" not in message.body.lower() and message.body.isascii()
        assert session.scalar(select(func.count(SmsMessage.id)).where(
            SmsMessage.kind == "supplement_requested")) == 0


def test_the_work_page_pauses_for_payment_and_the_desk_records_it(app, db, routing):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, code, "claim").status_code == 302
    assert "pause_for_payment" in offered(specialist, code)
    before = counts(app, db, code)
    bad = act(specialist, code, "pause_for_payment", note="Nộp thuế", amount="mười triệu")
    assert bad.status_code == 400
    assert "amount: the amount due" in text(bad) and "mười triệu" in text(bad)
    # A decimal comma is not a thousands separator: "12,5" đồng is refused, not 125.
    fraction = act(specialist, code, "pause_for_payment", note="Nộp thuế", amount="12,5")
    assert fraction.status_code == 400 and "amount: the amount due" in text(fraction)
    assert counts(app, db, code) == before
    done = act(specialist, code, "pause_for_payment", note="Nộp lệ phí trước bạ",
               notice_number="15/TB-CCT", amount="12.500.000")
    assert done.status_code == 302
    assert state(app, db, code).status == "waiting_payment"
    page = text(specialist.get(f"/department/dossiers/{code}"))
    assert "15/TB-CCT: 12.500.000 đ" in page
    desk = client(app, routing, "reception")
    assert offered(desk, code) >= {"record_payment"}
    assert "record_supplement" not in offered(desk, code)
    assert act(desk, code, "record_payment", note="Đã nộp").status_code == 302
    assert state(app, db, code).status == "in_processing"


def test_the_api_pauses_for_payment_and_records_it(app, db, routing):
    tokens = {}
    with app.app_context():
        for name in ("specialist", "reception"):
            token = issue_api_token(db.session, routing.account(db.session, name), "t")
            tokens[name] = {"Authorization": f"Bearer {token}"}
        db.session.commit()
        db.remove()
    code = new_dossier(app, db, routing)
    http = app.test_client()
    assert api_act(http, code, "claim", tokens["specialist"]).status_code == 200
    bad = api_act(http, code, "pause_for_payment", tokens["specialist"], note="Nộp thuế",
                  amount="12.000")
    assert bad.status_code == 422 and bad.get_json()["field"] == "amount"
    missing = api_act(http, code, "pause_for_payment", tokens["specialist"], amount=5)
    assert missing.status_code == 422 and missing.get_json()["field"] == "note"
    paused = api_act(http, code, "pause_for_payment", tokens["specialist"],
                     note="Nộp thuế thu nhập cá nhân", notice_number="7/TB", amount=900_000)
    assert paused.status_code == 200, paused.get_json()
    body = paused.get_json()
    assert body["dossier"]["status"] == "waiting_payment"
    assert body["event"]["kind"] == "paused_for_payment"
    resumed = api_act(http, code, "record_payment", tokens["reception"])
    assert resumed.status_code == 200 and resumed.get_json()["dossier"]["status"] == (
        "in_processing")
