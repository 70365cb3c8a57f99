"""Working time: office hours on working days, for step deadlines and supplement pauses.

A dossier's own deadline counts whole working days (:meth:`WorkingCalendar.due_at`).
Steps get fractional shares ("1.5 days") and pauses last minutes, so both are counted
here in *working minutes*: the minutes of office hours (07:30-17:00, Vietnam time) on
working days. One working day is :data:`MINUTES_PER_DAY` working minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from motcua.core.calendar import OFFICE_CLOSES, OFFICE_OPENS, WorkingCalendar
from motcua.core.timeutil import VIETNAM, local

MINUTES_PER_DAY = (
    OFFICE_CLOSES.hour * 60 + OFFICE_CLOSES.minute - OFFICE_OPENS.hour * 60 - OFFICE_OPENS.minute
)


def _opening(day) -> datetime:  # noqa: ANN001
    return datetime.combine(day, OFFICE_OPENS, tzinfo=VIETNAM)


def _closing(day) -> datetime:  # noqa: ANN001
    return datetime.combine(day, OFFICE_CLOSES, tzinfo=VIETNAM)


def working_minutes_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Whole working minutes in ``[start, end)``; 0 if ``end`` is not after ``start``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    if end <= start:
        return 0
    start, end = local(start), local(end)
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            low = max(start, _opening(day))
            high = min(end, _closing(day))
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)


def add_working_minutes(calendar: WorkingCalendar, start: datetime, minutes: int) -> datetime:
    """The moment ``minutes`` working minutes after ``start`` (``start`` itself if 0).

    Time outside office hours does not count: from Friday 16:00, 120 working minutes
    end on Monday 08:30 (or later if Monday is a holiday). An end that falls exactly
    on closing time stays at closing time, not the next opening.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if minutes == 0:
        return start
    moment = local(start)
    remaining = timedelta(minutes=minutes)
    day = moment.date()
    while True:
        if calendar.is_working_day(day):
            low = max(moment, _opening(day))
            high = _closing(day)
            if high > low:
                if low + remaining <= high:
                    return low + remaining
                remaining -= high - low
        day += timedelta(days=1)
        moment = _opening(day)


def add_working_days(calendar: WorkingCalendar, start: datetime, days: float) -> datetime:
    """``days`` working days (fractions allowed) of office time after ``start``."""
    return add_working_minutes(calendar, start, round(days * MINUTES_PER_DAY))


def push_back(calendar: WorkingCalendar, deadline: datetime | None, minutes: int
              ) -> datetime | None:
    """A deadline moved later by ``minutes`` working minutes (a supplement pause)."""
    if deadline is None:
        return None
    return add_working_minutes(calendar, deadline, minutes)
