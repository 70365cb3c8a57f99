"""Deadlines: working time, supplement pauses across weekends and holidays, apologies."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from motcua.core.calendar import WorkingCalendar
from motcua.core.errors import ValidationError
from motcua.core.models import CalendarOverride, DossierWorkflow, SupplementPause
from motcua.core.workflow import actions
from motcua.core.workflow.control import control_slip_rows, original_due_at
from motcua.core.workflow.deadlines import (
    MINUTES_PER_DAY,
    add_working_days,
    add_working_minutes,
    working_minutes_between,
)
from motcua.core.workflow.lateness import dossier_is_late
from tests.test_workflow_support import Clock, assert_history_consistent, receive, vn

CALENDAR = WorkingCalendar()


def test_a_working_day_is_office_hours():
    assert MINUTES_PER_DAY == 570
    monday = vn(2026, 12, 7, 9, 0)
    assert add_working_days(CALENDAR, monday, 1) == vn(2026, 12, 8, 9, 0)
    assert add_working_days(CALENDAR, monday, 0.5) == vn(2026, 12, 7, 13, 45)


def test_working_minutes_skip_nights_weekends_and_holidays():
    # Wednesday 29 April 2026 16:00 → Monday 4 May 08:30: Thursday 30/4 and Friday 1/5
    # are public holidays, then the weekend: one hour each side.
    start, end = vn(2026, 4, 29, 16, 0), vn(2026, 5, 4, 8, 30)
    assert working_minutes_between(CALENDAR, start, end) == 120
    assert add_working_minutes(CALENDAR, start, 120) == end
    assert add_working_minutes(CALENDAR, start, 60) == vn(2026, 4, 29, 17, 0)
    assert add_working_minutes(CALENDAR, vn(2026, 5, 2, 10, 0), 1) == vn(2026, 5, 4, 7, 31)
    assert working_minutes_between(CALENDAR, end, start) == 0
    with pytest.raises(ValueError):
        add_working_minutes(CALENDAR, start, -1)


def test_working_time_round_trips_for_any_start_and_length():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None)
    @given(day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
           minute=st.integers(0, 24 * 60 - 1), length=st.integers(0, 20 * MINUTES_PER_DAY))
    def check(day, minute, length):  # noqa: ANN001
        start = vn(day.year, day.month, day.day, minute // 60, minute % 60)
        end = add_working_minutes(CALENDAR, start, length)
        assert end >= start
        assert working_minutes_between(CALENDAR, start, end) == length

    check()


def test_supplement_pause_moves_every_deadline_by_the_paused_working_time(
        app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 4, 28, 9, 0))  # Tuesday after the Hùng Kings day
    with app.app_context():
        session = db.session
        # A province day off on Monday 4 May as well: the pause spans it too.
        session.add(CalendarOverride(day=date(2026, 5, 4), kind="day_off", note="test"))
        session.commit()
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        session.commit()
        due_before = dossier.due_at
        step_due_before = session.get(DossierWorkflow, dossier.id).step_due_at

        clock.set(vn(2026, 4, 29, 16, 0))
        actions.request_supplement(session, dossier, specialist,
                                   missing=["Bản sao hợp đồng thuê nhà", "Ảnh 3x4"],
                                   note="Thiếu giấy tờ")
        session.commit()
        assert dossier.status == "waiting_supplement"
        pause = session.scalar(select(SupplementPause))
        assert pause.missing == ["Bản sao hợp đồng thuê nhà", "Ảnh 3x4"]

        clock.set(vn(2026, 5, 5, 8, 30))  # Tuesday: 60 minutes Wednesday + 60 Tuesday
        reception = routing.account(session, "reception")
        actions.record_supplement(session, dossier, reception, note="Đã bổ sung")
        session.commit()
        assert dossier.status == "in_processing"
        event = dossier.events[-1]
        assert event.kind == "supplemented"
        assert event.data["paused_working_minutes"] == 120
        calendar = WorkingCalendar.from_overrides(session.scalars(select(CalendarOverride)))
        assert working_minutes_between(calendar, due_before, dossier.due_at) == 120
        assert dossier.due_at == add_working_minutes(calendar, due_before, 120)
        instance = session.get(DossierWorkflow, dossier.id)
        assert instance.step_due_at == add_working_minutes(calendar, step_due_before, 120)
        assert instance.paused_working_minutes == 120 and instance.paused_at is None
        assert control_slip_rows(session, dossier)[-1].due_at == instance.step_due_at
        assert pause.paused_working_minutes == 120 and pause.new_due_at == dossier.due_at
        assert_history_consistent(session, dossier)


def test_apology_sets_a_new_appointment_but_the_dossier_stays_late(
        app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 12, 7, 9, 0))
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        original = dossier.due_at
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        session.commit()
        for bad in (original, vn(2026, 12, 1, 9, 0)):
            with pytest.raises(ValidationError, match="later"):
                actions.apologize(session, dossier, specialist, new_due_at=bad, reason="x")
        with pytest.raises(ValidationError, match="(?i)reason"):
            actions.apologize(session, dossier, specialist, new_due_at=vn(2026, 12, 20, 9, 0),
                              reason=" ")
        session.rollback()
        with pytest.raises(ValidationError, match="new_due_at"):
            actions.apologize(session, dossier, specialist, new_due_at="2026-12-20",
                              reason="x")
        session.rollback()
        new_due = vn(2026, 12, 16, 9, 0)
        actions.apologize(session, dossier, specialist, new_due_at=new_due,
                          reason="Chờ xác minh của cơ quan thuế")
        session.commit()
        assert dossier.due_at == new_due
        event = dossier.events[-1]
        assert event.kind == "apology" and dossier.status == "in_processing"
        assert event.data == {"new_due_at": new_due.isoformat(),
                              "old_due_at": original.isoformat(),
                              "original_due_at": original.isoformat()}
        # A second apology keeps the first original deadline.
        actions.apologize(session, dossier, specialist, new_due_at=vn(2026, 12, 17, 9, 0),
                          reason="Thêm một ngày")
        session.commit()
        assert "original_due_at" not in dossier.events[-1].data
        assert original_due_at(session, dossier) == original
        # A wall-clock time typed at the office is Vietnam time.
        actions.apologize(session, dossier, specialist, new_due_at=datetime(2026, 12, 18, 9, 0),
                          reason="Thêm nữa")
        session.commit()
        assert dossier.due_at == vn(2026, 12, 18, 9, 0)

        clock.set(vn(2026, 12, 15, 9, 0))  # before the new appointment, after the original
        actions.submit_for_approval(session, dossier, specialist)
        actions.issue_result(session, dossier, routing.account(session, "leader"),
                             result={"number": "HKD-7"})
        session.commit()
        assert dossier.finished_at < dossier.due_at  # meets the new appointment ...
        assert dossier_is_late(dossier)  # ... and still counts late


def test_deadlines_never_move_earlier(app, db, routing, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 12, 7, 9, 0))
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        due = dossier.due_at
        actions.request_supplement(session, dossier, specialist, missing=["x"])
        session.commit()
        clock.set(vn(2026, 12, 7, 9, 0))  # resumed at once: nothing to add
        actions.record_supplement(session, dossier, routing.account(session, "reception"))
        session.commit()
        assert dossier.due_at == due and dossier.events[-1].data["paused_working_minutes"] == 0
