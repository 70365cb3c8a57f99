"""Work queues: the dossiers an officer holds, and those waiting for their unit.

Both are ordered overdue first, then by the soonest deadline: ordering by the dossier's
deadline does exactly that, since an overdue dossier's deadline is already past.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from motcua.core.models import (
    FINAL_STATUSES,
    PAUSED_STATUSES,
    Account,
    Dossier,
    DossierWorkflow,
    Unit,
)

QUEUE_LIMIT = 500
_LOAD = (selectinload(Dossier.procedure), selectinload(Dossier.unit),
         selectinload(Dossier.holder_unit), selectinload(Dossier.holder_account))


def my_queue_statement(actor: Account) -> Select:
    """Unfinished dossiers ``actor`` holds in person (claimed or assigned), overdue first.
    The results this reception officer handed back and not yet returned are not included:
    those are the desk's, see :func:`unit_queue`."""
    return (select(Dossier).where(Dossier.holder_account_id == actor.id,
                                  Dossier.status.not_in(FINAL_STATUSES),
                                  Dossier.status != "result_ready")
            .order_by(Dossier.due_at, Dossier.id).options(*_LOAD))


def my_queue(session: Session, actor: Account, *, limit: int = QUEUE_LIMIT) -> list[Dossier]:
    """The dossiers of :func:`my_queue_statement`, the first ``limit`` of them."""
    return list(session.scalars(my_queue_statement(actor).limit(limit)))


def _within(column, root: Unit):  # noqa: ANN001, ANN202
    return column.startswith(root.path, autoescape=True)


def unit_queue_condition(actor: Account):  # noqa: ANN201
    """SQL condition: the dossier waits for someone with one of ``actor``'s roles in the
    role's scope (None if the actor has no working role)."""
    holder, receiving = aliased(Unit), aliased(Unit)
    parts = []
    for assignment in actor.roles:
        root, role = assignment.unit, assignment.role
        if role == "ict_admin":
            parts.append(or_(_within(holder.path, root), _within(receiving.path, root)))
        elif role == "specialist":
            parts.append(and_(_within(holder.path, root), or_(
                DossierWorkflow.holder_role == "specialist",
                DossierWorkflow.transferred.is_(True))))
        elif role == "leader":
            parts.append(and_(_within(holder.path, root), or_(
                DossierWorkflow.holder_role == "leader",
                DossierWorkflow.transferred.is_(True))))
        elif role == "reception":
            # The desk's own work: results to hand back, supplements and payments to
            # record.
            parts.append(and_(_within(receiving.path, root), or_(
                Dossier.status.in_(("result_ready", *PAUSED_STATUSES)),
                DossierWorkflow.holder_role == "reception")))
    if not parts:
        return None, holder, receiving
    return or_(*parts), holder, receiving


def unit_queue_statement(actor: Account) -> Select:
    """Unfinished dossiers waiting in the units where ``actor`` works, at a step that
    needs one of the actor's roles (claimed by a colleague or not), overdue first."""
    condition, holder, receiving = unit_queue_condition(actor)
    if condition is None:
        condition = false()
    return (
        select(Dossier)
        .join(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id)
        .join(holder, Dossier.holder_unit_id == holder.id)
        .join(receiving, Dossier.unit_id == receiving.id)
        .where(Dossier.status.not_in(FINAL_STATUSES), condition)
        .order_by(Dossier.due_at, Dossier.id).options(*_LOAD))


def unit_queue(session: Session, actor: Account, *, limit: int = QUEUE_LIMIT) -> list[Dossier]:
    """The dossiers of :func:`unit_queue_statement`, the first ``limit`` of them."""
    return list(session.scalars(unit_queue_statement(actor).limit(limit)))
