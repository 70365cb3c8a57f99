"""Reporting periods: a month, a quarter, a half year, a year or any run of days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from motcua.core.errors import ValidationError
from motcua.core.messages import _
from motcua.core.timeutil import EARLIEST_DATE, LATEST_DATE, VIETNAM, parse_date

_PATTERNS = {
    "year": re.compile(r"^([0-9]{4})\Z"),
    "half": re.compile(r"^([0-9]{4})-H([12])\Z"),
    "quarter": re.compile(r"^([0-9]{4})-Q([1-4])\Z"),
    "month": re.compile(r"^([0-9]{4})-([0-9]{2})\Z"),
    "days": re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})\Z"),
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
        _("Period %(code)s: write a month (2026-11), a quarter (2026-Q4), a half year "
          "(2026-H2), a year (2026) or days (2026-11-01..2026-11-15).", code=repr(code[:40])),
        field="period")


def current_month(today: date) -> Period:
    return parse_period(f"{today:%Y-%m}")


# The parts of a year the period picker offers, as the code after the year ("" is the
# whole year): what leaders report on, a month, a quarter, a half or the year.
PARTS = {
    "": _l("Whole year"),
    "H1": _l("First half of the year"), "H2": _l("Second half of the year"),
    **{f"Q{n}": _l("Quarter %(n)s", n=n) for n in range(1, 5)},
    **{f"{n:02d}": _l("Month %(n)s", n=n) for n in range(1, 13)},
}
PICKER_YEARS = 6  # the years offered: this one and the five before


def picked_period(year: str | None, part: str | None) -> Period:
    """The period the picker's ``year`` and ``part`` fields name (a ``part`` that is a
    whole code, the run of days the picker keeps, stands alone); a
    :class:`ValidationError`, as for a typed code, when they name none."""
    year, part = (year or "").strip(), (part or "").strip().upper()
    if part not in PARTS:
        return parse_period(part)
    return parse_period(f"{year}-{part}" if part else year)


def picker_years(today: date, period: Period) -> list[int]:
    """The years the picker offers, newest first, and the shown period's year."""
    years = set(range(today.year - PICKER_YEARS + 1, today.year + 1)) | {period.first.year}
    return sorted(years, reverse=True)


def picker_part(period: Period) -> str | None:
    """The picker's part for ``period`` (None for a run of days, which it cannot show)."""
    _year, _sep, part = period.code.partition("-")
    return part if part in PARTS and ".." not in period.code else None
