"""Province overrides of the working-day calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base

OVERRIDE_KINDS = ("day_off", "working_day")


class CalendarOverride(Base):
    """An extra day off, or a make-up working day (e.g. a Saturday), decided by the province."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(255), default="")
