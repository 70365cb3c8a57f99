"""In-app notices to officers: a dossier arrived in their queue, or nears its deadline.

Notices about events are made by a ``before_flush`` listener on new
:class:`~motcua.core.models.DossierEvent` rows (see :mod:`motcua.core.notices`), so they
are written in the same flush, and the same transaction, as the event itself: whatever
code path records an event (web, API, CLI, sync), its notices cannot be lost or exist
without it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from motcua.core.models.accounts import Account
from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow
from motcua.core.models.dossiers import Dossier, DossierEvent

NOTICE_REASONS = ("arrived", "assigned", "returned_to_step", "supplemented",
                  "supplement_requested", "result_ready", "refused", "overdue", "due_soon",
                  "step_due_soon")


class Notice(Base):
    """One notice for one officer about one dossier.

    A notice about an event is unique per account and event; a near-deadline notice has
    no event but a ``dedupe_key`` (``due_soon:<dossier id>:<deadline>``) unique per
    account, so running the scan again (or in two processes at once) never makes a
    second one.
    """

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("account_id", "event_id"),
        UniqueConstraint("account_id", "dedupe_key"),
        Index("ix_notices_account_id_read_at", "account_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_events.id"))
    reason: Mapped[str] = mapped_column(String(30))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
    dossier: Mapped[Dossier] = relationship()
    event: Mapped[DossierEvent | None] = relationship()


@event.listens_for(Session, "before_flush")
def _notices_for_new_events(session: Session, _flush_context, _instances) -> None:  # noqa: ANN001
    """Add the notices of every event about to be inserted, to the same flush."""
    new_events = [item for item in session.new if isinstance(item, DossierEvent)]
    if new_events:
        from motcua.core.notices import notices_for_events

        notices_for_events(session, new_events)
