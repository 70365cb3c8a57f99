"""Vietnam local time: offices, deadlines and dossier codes work in UTC+7."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_replayed_moment: ContextVar[datetime | None] = ContextVar("motcua_replayed_moment",
                                                           default=None)


# The dates a request may name (filters, periods): beyond them the conversions to and
# from Vietnam time and the day after the last one overflow Python's calendar.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def parse_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`;
    ValueError otherwise."""
    day = date.fromisoformat(text)
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"{text} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}")
    return day


def now() -> datetime:
    """The current moment in UTC, or the moment being replayed (see :func:`replaying_at`)."""
    return _replayed_moment.get() or datetime.now(UTC)


@contextmanager
def replaying_at(moment: datetime) -> Iterator[None]:
    """Make :func:`now` return ``moment`` inside the block (this thread/task only).

    The demo loader replays months of office work through the real intake and routing
    functions, so every timestamp and deadline comes out as if it happened then.
    """
    if moment.tzinfo is None:
        raise ValueError("replaying_at needs an aware datetime")
    token = _replayed_moment.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _replayed_moment.reset(token)


def local(moment: datetime) -> datetime:
    """``moment`` in Vietnam time."""
    return moment.astimezone(VIETNAM)


def local_date(moment: datetime) -> date:
    return local(moment).date()


def from_local(naive: datetime) -> datetime:
    """Interpret a wall-clock time read at an office as Vietnam time."""
    return naive.replace(tzinfo=VIETNAM)
