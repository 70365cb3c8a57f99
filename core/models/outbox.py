"""The outbox: one row per dossier event, written in the event's own transaction.

The sync worker drains it in ``id`` order; a row is never edited except to mark it sent,
or set aside as a dead letter when the hub refused it (``refused_at``, see
``core.sync.deadletters``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow


class OutboxEntry(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    topic: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_events.id"), unique=True)
    payload: Mapped[dict] = mapped_column(JSONType)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when the hub refused the row (a dead letter); cleared once it is re-sent.
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
