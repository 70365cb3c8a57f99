"""Reporting periods: a month, a quarter, a half year, a year or any run of days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from motcua.core.errors import ValidationError
from motcua.core.timeutil import EARLIEST_DATE, LATEST_DATE, VIETNAM, parse_date

_PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "half": re.compile(r"^(\d{4})-H([12])$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "days": re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$"),
}


@dataclass(frozen=True)
class Period:
    """Vietnam calendar days ``first`` to ``last`` (both included) and the code naming
    them (``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026``, ``2026-11-01..2026-11-15``)."""

    code: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=VIETNAM)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=VIETNAM)

    def months(self) -> list[Period]:
        """The calendar months the period covers (for charts by month)."""
        result, day = [], self.first.replace(day=1)
        while day <= self.last:
            result.append(parse_period(f"{day:%Y-%m}"))
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return result


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(code: str | None) -> Period:
    """The period named by ``code``; a :class:`ValidationError` says what is accepted."""
    code = (code or "").strip().upper()
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(code)
        if not match:
            continue
        if kind == "days":
            try:
                first, last = (parse_date(part) for part in match.groups())
            except ValueError:
                break
            if last < first:
                break
            return Period(code, first, last)
        year = int(match.group(1))
        if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
            break
        if kind == "year":
            return Period(code, date(year, 1, 1), date(year, 12, 31))
        if kind == "half":
            half = int(match.group(2))
            return Period(code, date(year, 6 * half - 5, 1), _month_end(year, 6 * half))
        if kind == "quarter":
            quarter = int(match.group(2))
            return Period(code, date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
        month = int(match.group(2))
        if 1 <= month <= 12:
            return Period(code, date(year, month, 1), _month_end(year, month))
    raise ValidationError(
        f"Period {code[:40]!r}: write a month (2026-11), a quarter (2026-Q4), a half year "
        f"(2026-H2), a year (2026) or days (2026-11-01..2026-11-15), from "
        f"{EARLIEST_DATE.year} to {LATEST_DATE.year}.", field="period")


def current_month(today: date) -> Period:
    return parse_period(f"{today:%Y-%m}")
