"""Whether a dossier is late: the one rule every channel (website, kiosk, SMS, JSON API,
hub lookup), report, officer page, queue and slip asks.

Decree 61/2018 as amended by Decree 107/2021 (carried into Decree 118/2025):

- A dossier is judged against its deadline (the appointment on its receipt), moved later
  by every finished wait for the applicant (a supplement, the payment of a financial
  obligation): the law leaves that time out, and the routing engine moves ``due_at``
  (and ``original_due_at``) back by it when the wait ends.
- An apology gives the citizen a new appointment (``due_at``, which every channel shows),
  but the dossier is still judged against the deadline it had before the first apology
  (``original_due_at``): once that has passed the dossier is late, on every channel.
- A finished dossier is judged at its finish; a dossier waiting for the applicant at the
  moment its wait began (its clock is stopped: it neither becomes late while it waits
  nor stops being late because it waits); any other dossier at the moment asked (now, or
  a report period's end).

:func:`is_late` is the rule on values; :func:`late_condition` the same rule in SQL for
the reports and the overdue check (which cannot read dossiers one by one); the other
functions feed them from a dossier row or a hub copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql.elements import ColumnElement

from motcua.core.models import (
    FINAL_STATUSES,
    PAUSED_STATUSES,
    Dossier,
    DossierEvent,
    DossierWorkflow,
)
from motcua.core.timeutil import now

# The events that stop a dossier's clock (until the supplement or the payment is recorded).
PAUSE_EVENTS = ("supplement_requested", "paused_for_payment")


def is_late(*, due_at: datetime | None, original_due_at: datetime | None,
            finished_at: datetime | None, status: str, paused_at: datetime | None,
            moment: datetime | None = None) -> bool:
    """The rule (see the module docstring). ``paused_at``: when the current wait for the
    applicant began (ignored unless ``status`` is a waiting one; a waiting dossier whose
    wait's start is unknown is not late). A dossier without a deadline is not late."""
    deadline = original_due_at or due_at
    if deadline is None:
        return False
    if finished_at is not None:
        judged_at = finished_at
    elif status in PAUSED_STATUSES:
        if paused_at is None:
            return False
        judged_at = min(paused_at, moment or now())
    else:
        judged_at = moment or now()
    return judged_at > deadline


def late_condition(deadline: ColumnElement, dossier, event,  # noqa: ANN001
                   moment: datetime) -> ColumnElement:
    """:func:`is_late` in SQL for an unfinished row of ``dossier`` (``Dossier`` or a hub's
    ``HubDossier``, with its ``event`` class) judged at ``moment``; ``deadline`` is the
    original deadline or the due time."""
    return and_(deadline < moment,
                or_(dossier.status.not_in(PAUSED_STATUSES),
                    deadline < paused_at_sql(dossier, event)))


def deadline_sql() -> ColumnElement:
    """The deadline a dossier of this server is judged against, in SQL: the original
    deadline of an apologised dossier, else its due time."""
    return func.coalesce(select(DossierWorkflow.original_due_at)
                         .where(DossierWorkflow.dossier_id == Dossier.id)
                         .correlate(Dossier).scalar_subquery(), Dossier.due_at)


def paused_at_sql(dossier, event) -> ColumnElement:  # noqa: ANN001
    """When a waiting dossier's current wait began: its last pausing event (a correlated
    subquery, which :func:`late_condition` reads only for waiting dossiers)."""
    return (select(func.max(event.at))
            .where(event.dossier_id == dossier.id, event.kind.in_(PAUSE_EVENTS))
            .scalar_subquery())


def _workflow(dossier: Dossier) -> DossierWorkflow | None:
    session = object_session(dossier)
    return session.get(DossierWorkflow, dossier.id) if session is not None else None


def dossier_is_late(dossier: Dossier, moment: datetime | None = None) -> bool:
    """:func:`is_late` for a dossier of this server (its workflow holds the original
    deadline; its events, when its wait began)."""
    instance = _workflow(dossier)
    paused_at = None
    session = object_session(dossier)
    if dossier.status in PAUSED_STATUSES and session is not None:
        paused_at = session.scalar(select(func.max(DossierEvent.at)).where(
            DossierEvent.dossier_id == dossier.id, DossierEvent.kind.in_(PAUSE_EVENTS)))
    return is_late(due_at=dossier.due_at, finished_at=dossier.finished_at,
                   status=dossier.status,
                   original_due_at=instance.original_due_at if instance else None,
                   paused_at=paused_at, moment=moment)


def is_overdue(dossier: Dossier, moment: datetime | None = None) -> bool:
    """Unfinished and late: what the queues flag and count as overdue."""
    return dossier.finished_at is None and dossier_is_late(dossier, moment)


def overdue_condition(moment: datetime | None = None) -> ColumnElement[bool]:
    """:func:`is_overdue` in SQL for this server's dossiers at ``moment`` (now by default):
    what lists, filters, searches and the periodic overdue check select."""
    return and_(Dossier.finished_at.is_(None), Dossier.status.not_in(FINAL_STATUSES),
                late_condition(deadline_sql(), Dossier, DossierEvent, moment or now()))


def is_due_soon(dossier: Dossier, horizon: datetime, moment: datetime | None = None) -> bool:
    """Running (unfinished, not waiting for the applicant), not yet late, and judged
    against a deadline at or before ``horizon``: what the queues count as due soon. A
    result ready at the desk is finished: it is neither due soon nor overdue."""
    if dossier.finished_at is not None or dossier.status in PAUSED_STATUSES:
        return False
    instance = _workflow(dossier)
    deadline = (instance.original_due_at if instance else None) or dossier.due_at
    return deadline <= horizon and not dossier_is_late(dossier, moment)


def pause_started(status: str, events: Iterable[tuple[str, datetime]]) -> datetime | None:
    """When the current wait began, from a dossier's events (kind, time) oldest first:
    the last that stopped its clock, if it is waiting (as :func:`paused_at_sql`; the
    event log, which a hub's copy has too, rather than the workflow's ``paused_at``)."""
    if status not in PAUSED_STATUSES:
        return None
    started = None
    for kind, at in events:
        if kind in PAUSE_EVENTS:
            started = at
    return started


def load_workflows(session: Session, dossiers: Iterable[Dossier]) -> None:
    """Read the workflows of ``dossiers`` in one query, so that asking each whether it is
    late reads none."""
    ids = [dossier.id for dossier in dossiers]
    if ids:
        session.scalars(select(DossierWorkflow).where(
            DossierWorkflow.dossier_id.in_(ids))).all()
