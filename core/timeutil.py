"""Vietnam local time: offices, deadlines and dossier codes work in UTC+7."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


def local(moment: datetime) -> datetime:
    """``moment`` in Vietnam time."""
    return moment.astimezone(VIETNAM)


def local_date(moment: datetime) -> date:
    return local(moment).date()


def from_local(naive: datetime) -> datetime:
    """Interpret a wall-clock time read at an office as Vietnam time."""
    return naive.replace(tzinfo=VIETNAM)
