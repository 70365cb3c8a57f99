"""The public lookup's guard on each dossier's second factor (docs/lookup-and-kiosk.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base, UTCDateTime


class LookupFactorGuard(Base):
    """Wrong last-four-digits guesses at one dossier code, from any address, in a window.

    Keyed by the code rather than the dossier, so a hub's read model is guarded the same.
    """

    __tablename__ = "lookup_factor_guards"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                          server_default="0")
    window_ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
