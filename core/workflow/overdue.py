"""The periodic overdue check: records ``overdue`` once per dossier past its deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.core.db import begin_write
from motcua.core.events import record_event
from motcua.core.models import (
    FINAL_STATUSES,
    Dossier,
    DossierWorkflow,
    SyncOwnership,
)
from motcua.core.timeutil import now
from motcua.core.workflow.lateness import is_overdue, overdue_condition

BATCH = 200


def overdue_candidates(session: Session, moment: datetime, limit: int = BATCH) -> list[int]:
    """Ids of unfinished dossiers late at ``moment`` (:mod:`.lateness`: against the
    original deadline; one waiting for a supplement or a payment only if it was late
    when its clock stopped) with no ``overdue`` event yet. A dossier handed over to
    another node (sync) is that node's to mark.
    """
    deadline = func.coalesce(DossierWorkflow.original_due_at, Dossier.due_at)
    return list(session.scalars(
        select(Dossier.id).join(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id)
        .where(overdue_condition(moment),
               DossierWorkflow.overdue_recorded_at.is_(None),
               Dossier.code.not_in(select(SyncOwnership.dossier_code)
                                   .where(SyncOwnership.owned.is_(False))))
        .order_by(deadline, Dossier.id).limit(limit)))


def check_overdue(session: Session, moment: datetime | None = None) -> int:
    """Record ``overdue`` for every dossier that just passed its deadline; commits per
    dossier so a long run holds no lock for long. Returns how many were recorded.

    Safe to run in several processes at once: each dossier is re-checked under its row
    lock, so the event is recorded once.
    """
    moment = moment or now()
    recorded = 0
    seen: set[int] = set()
    while True:
        ids = [i for i in overdue_candidates(session, moment) if i not in seen]
        session.rollback()  # end the read; each dossier gets its own write transaction
        if not ids:
            return recorded
        for dossier_id in ids:
            seen.add(dossier_id)
            if mark_overdue(session, dossier_id, moment):
                recorded += 1
            session.commit()


def mark_overdue(session: Session, dossier_id: int, moment: datetime) -> bool:
    """Record ``overdue`` for one dossier if it still qualifies (checked under its lock)."""
    begin_write(session)
    dossier = session.scalar(select(Dossier).where(Dossier.id == dossier_id)
                             .with_for_update().execution_options(populate_existing=True))
    instance = session.scalar(select(DossierWorkflow).where(
        DossierWorkflow.dossier_id == dossier_id).execution_options(populate_existing=True))
    if (dossier is None or instance is None or instance.overdue_recorded_at is not None
            or dossier.finished_at is not None or dossier.status in FINAL_STATUSES
            or not is_overdue(dossier, moment)):
        return False
    instance.overdue_recorded_at = moment
    record_event(session, dossier, "overdue", actor=None, from_status=dossier.status,
                 from_unit_id=dossier.holder_unit_id, at=moment,
                 data={"due_at": dossier.due_at.isoformat()})
    return True
