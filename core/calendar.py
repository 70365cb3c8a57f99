"""Working-day calendar: weekends, Vietnamese public holidays and province overrides.

Deadlines under Decree 61/2018 count working days. The ``holidays`` package knows the
Vietnamese public holidays (lunar Tết included) and the make-up working Saturdays the
government sets when it moves a day off; the province adds its own extra days off and
make-up days (:class:`~motcua.core.models.CalendarOverride`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import holidays

from motcua.core.timeutil import VIETNAM, local

# Office hours of a reception desk. A dossier taken in outside them (online at night, or
# back-entered with an evening time) starts its clock at the next opening, so nobody
# loses part of a working day to hours the office is closed.
OFFICE_OPENS = time(7, 30)
OFFICE_CLOSES = time(17, 0)


class WorkingCalendar:
    """Answers "is this a working day?" and counts working days."""

    def __init__(
        self,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self._holidays = holidays.country_holidays("VN")
        self._days_off = set(extra_days_off)
        self._working = set(extra_working_days)

    @classmethod
    def from_overrides(cls, overrides: Iterable) -> WorkingCalendar:
        """Build from ``CalendarOverride`` rows (objects with ``day`` and ``kind``)."""
        overrides = list(overrides)
        return cls(
            extra_days_off=[o.day for o in overrides if o.kind == "day_off"],
            extra_working_days=[o.day for o in overrides if o.kind == "working_day"],
        )

    def is_working_day(self, day: date) -> bool:
        """Province overrides first, then the government's make-up days, weekends, holidays."""
        if day in self._days_off:
            return False
        if day in self._working:
            return True
        self._holidays.get(day)  # loads that year, and with it its make-up working days
        if day in getattr(self._holidays, "weekend_workdays", ()):
            return True
        return day.weekday() < 5 and day not in self._holidays

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name (or the substituted day off), else None."""
        return self._holidays.get(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open range (start, end]; negative if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def clock_start(self, received_at: datetime) -> datetime:
        """When the time limit starts running for a dossier received at ``received_at``.

        During office hours of a working day: at receipt. Before opening: at that day's
        opening. After closing, or on a day off: at the next working day's opening.
        """
        if received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        start = local(received_at)
        day = start.date()
        if self.is_working_day(day) and start.time() < OFFICE_OPENS:
            return datetime.combine(day, OFFICE_OPENS, tzinfo=VIETNAM)
        if self.is_working_day(day) and start.time() <= OFFICE_CLOSES:
            return start
        return datetime.combine(self.next_working_day(day), OFFICE_OPENS, tzinfo=VIETNAM)

    def due_at(self, received_at: datetime, working_days: int) -> datetime:
        """Appointment time (Vietnam time) for a dossier received at ``received_at``.

        The rule: the clock starts at :meth:`clock_start`; the result is due at the same
        clock time on the ``working_days``-th working day after the start day (Decree 61:
        limits count from receipt, over working days only), so the applicant always gets
        ``working_days`` whole working days. Received Friday 10:00 with 3 working days:
        due Wednesday 10:00 (Monday, Tuesday, Wednesday).
        """
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        start = self.clock_start(received_at)
        due_day = self.add_working_days(start.date(), working_days)
        return datetime.combine(due_day, start.timetz())
