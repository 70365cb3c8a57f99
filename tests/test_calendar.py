"""The working-day calendar: weekends, Vietnamese public holidays (from ``holidays``), the
government's substituted days off and make-up Saturdays, and province overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from motcua.core.calendar import OFFICE_OPENS, WorkingCalendar
from motcua.core.intake import load_calendar
from motcua.core.models import CalendarOverride
from motcua.core.timeutil import VIETNAM


def vn(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def test_tet_2026_days_are_not_working_days(calendar):
    for day in range(16, 21):
        assert not calendar.is_working_day(date(2026, 2, day)), day
    assert calendar.is_working_day(date(2026, 2, 13))
    assert calendar.is_working_day(date(2026, 2, 23))


def test_friday_before_tet_with_three_days_is_due_wednesday_after(calendar):
    """Received Fri 13 Feb 2026 10:00; Tết is 16-20 Feb: Mon 23, Tue 24, Wed 25."""
    assert calendar.due_at(vn(2026, 2, 13, 10), 3) == vn(2026, 2, 25, 10)


def test_due_time_is_given_in_vietnam_time_for_a_utc_receipt(calendar):
    received = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    due = calendar.due_at(received, 3)
    assert due == vn(2026, 2, 25, 10)
    assert due.utcoffset().total_seconds() == 7 * 3600


def test_received_on_saturday_starts_at_monday_opening(calendar):
    due = calendar.due_at(vn(2026, 3, 7, 9), 3)  # Saturday
    assert due == datetime.combine(date(2026, 3, 12), OFFICE_OPENS, tzinfo=VIETNAM)


def test_received_on_a_holiday_starts_at_next_working_day_opening(calendar):
    due = calendar.due_at(vn(2026, 2, 17, 9), 1)  # Tết: clock starts Mon 23 Feb 07:30
    assert due == datetime.combine(date(2026, 2, 24), OFFICE_OPENS, tzinfo=VIETNAM)


def test_received_before_opening_starts_at_that_days_opening(calendar):
    assert calendar.clock_start(vn(2026, 3, 9, 6, 15)) == vn(2026, 3, 9, 7, 30)


def test_received_after_closing_starts_at_next_working_day_opening(calendar):
    assert calendar.clock_start(vn(2026, 3, 13, 21)) == vn(2026, 3, 16, 7, 30)  # Fri night


def test_zero_working_days_is_due_when_the_clock_starts(calendar):
    assert calendar.due_at(vn(2026, 3, 9, 14), 0) == vn(2026, 3, 9, 14)


def test_naive_receipt_time_is_refused(calendar):
    with pytest.raises(ValueError):
        calendar.due_at(datetime(2026, 3, 9, 10), 3)


def test_hung_kings_day_on_sunday_is_observed_on_monday(calendar):
    assert not calendar.is_working_day(date(2026, 4, 26))
    assert not calendar.is_working_day(date(2026, 4, 27))
    assert calendar.due_at(vn(2026, 4, 24, 9), 1) == vn(2026, 4, 28, 9)


def test_substituted_day_off_and_make_up_saturday_2026(calendar):
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert calendar.is_working_day(date(2026, 8, 22))  # Saturday, worked instead


def test_substituted_day_off_and_make_up_saturday_2025(calendar):
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2025, 4, 26))  # Saturday, worked instead


def test_make_up_saturday_counts_towards_the_deadline(calendar):
    # Fri 21 Aug 2026 + 1 working day is Sat 22 Aug, the make-up day.
    assert calendar.due_at(vn(2026, 8, 21, 10), 1) == vn(2026, 8, 22, 10)


def test_province_day_off_moves_the_deadline():
    plain = WorkingCalendar()
    province = WorkingCalendar(extra_days_off=[date(2026, 3, 10)])
    assert plain.due_at(vn(2026, 3, 9), 1) == vn(2026, 3, 10)
    assert province.due_at(vn(2026, 3, 9), 1) == vn(2026, 3, 11)


def test_province_working_saturday_counts():
    province = WorkingCalendar(extra_working_days=[date(2026, 3, 14)])
    assert province.is_working_day(date(2026, 3, 14))
    assert province.due_at(vn(2026, 3, 13), 1) == vn(2026, 3, 14)


def test_calendar_overrides_rows_are_loaded_from_the_database(app, db):
    with app.app_context():
        session = db.session
        assert load_calendar(session).due_at(vn(2026, 3, 9), 2) == vn(2026, 3, 11)
        session.add_all([
            CalendarOverride(day=date(2026, 3, 10), kind="day_off", note="Lễ hội tỉnh"),
            CalendarOverride(day=date(2026, 3, 14), kind="working_day", note="Làm bù"),
        ])
        session.commit()
        calendar = load_calendar(session)
        assert not calendar.is_working_day(date(2026, 3, 10))
        assert calendar.is_working_day(date(2026, 3, 14))
        # Mon 9 + 2 working days, Tue 10 off: Wed 11, Thu 12.
        assert calendar.due_at(vn(2026, 3, 9), 2) == vn(2026, 3, 12)


def test_working_days_between_skips_weekends_and_holidays(calendar):
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
    assert calendar.working_days_between(date(2026, 3, 9), date(2026, 3, 16)) == 5
    assert calendar.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0


def test_working_days_between_is_negative_backwards(calendar):
    assert calendar.working_days_between(date(2026, 3, 16), date(2026, 3, 9)) == -5


def test_negative_working_day_counts_are_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 3, 9), -1)
    with pytest.raises(ValueError):
        calendar.due_at(vn(2026, 3, 9), -2)


def test_holiday_name_is_given(calendar):
    assert "Hung Kings" in calendar.holiday_name(date(2026, 4, 26))
    assert calendar.holiday_name(date(2026, 3, 9)) is None
