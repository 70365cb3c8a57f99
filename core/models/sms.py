"""The outbound SMS queue (see :mod:`motcua.sms.queue`).

Notifications are enqueued by a ``before_flush`` listener on new
:class:`~motcua.core.models.DossierEvent` rows, so a message is written in the same
transaction as the event it announces: it exists if and only if the event does, whatever
code path recorded it (web, API, CLI, sync, plugins).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow
from motcua.core.models.dossiers import DossierEvent

SMS_STATUSES = ("queued", "sending", "sent", "delivered", "failed")


class SmsMessage(Base):
    """One outbound SMS (all of its concatenated parts) and what became of it."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        # One notification per event and phone, even if the listener ran twice.
        UniqueConstraint("event_id", "phone"),
        Index("ix_sms_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    parts: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(40))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_events.id"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    gateway: Mapped[str | None] = mapped_column(String(20))
    gateway_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivery_reports: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Set in the event's own flush, before the event has an id.
    event: Mapped[DossierEvent | None] = relationship()


@event.listens_for(Session, "before_flush")
def _sms_for_new_events(session: Session, _flush_context, _instances) -> None:  # noqa: ANN001
    """Queue the SMS notifications of every event about to be inserted, in the same flush."""
    new_events = [item for item in session.new if isinstance(item, DossierEvent)]
    if new_events:
        from motcua.sms.notify import notifications_for_events

        notifications_for_events(session, new_events)
