"""The audit trail: who logged in (or failed to), who saw personal data, who changed what.

Tamper-evident: each entry stores the SHA-256 of its own content and of the entry before
it (``prev_hash``), a hash chain; the one row of :class:`AuditHead` holds the last
sequence and hash. Appending locks that row, so concurrent writers cannot fork the chain;
``motcua audit verify`` recomputes every hash (see :mod:`motcua.core.audit.chain`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from motcua.core.models.base import Base, JSONType, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One audited act. ``actor_id`` is a plain number, not a foreign key: the trail must
    outlive the accounts it names."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str | None] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str | None] = mapped_column(String(160), index=True)
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's end: one row (id 1), locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


@event.listens_for(Session, "before_flush")
def _audit_changes(session: Session, _flush_context, _instances) -> None:  # noqa: ANN001
    """Chain an entry for every audited change about to be written, in the same flush and
    transaction as the change: whatever code path makes it, its entry cannot be lost."""
    from motcua.core.audit.changes import audit_changes

    audit_changes(session)
