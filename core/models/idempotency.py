"""The answers of REST API writes sent with an ``Idempotency-Key`` header.

A row is written in the same transaction as the write it answers, so a committed write
always has its answer stored and a write rolled back leaves no key behind. Rows older than
:data:`motcua.core.api.idempotency.KEEP` are ignored and purged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow


class IdempotencyKey(Base):
    """One account's key: a fingerprint of the request and the first answer to it."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
