"""Recording dossier events: every change appends an event and an outbox row together.

Both rows are added to the caller's session, so they commit (or roll back) in the same
transaction as the change itself; nothing can be recorded without being queued for sync.
The report figures the event changes are updated there too (motcua.core.reports.tally).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from motcua.core.db import begin_write
from motcua.core.errors import Conflict
from motcua.core.messages import _
from motcua.core.models import (
    Account,
    Dossier,
    DossierEvent,
    DossierWorkflow,
    OutboxEntry,
    SyncOwnership,
)
from motcua.core.plugin_manager.signals import send_event_signal
from motcua.core.reports.tally import count_event
from motcua.core.timeutil import now

_LOOK_UP = object()


def dossier_snapshot(dossier: Dossier, original_due_at: Any = _LOOK_UP) -> dict[str, Any]:
    """The dossier's state as it travels to the hub (no citizen ID: see the lookup rules).

    ``original_due_at``, the deadline before an apology (read from the dossier's
    workflow unless given), travels only when there is one: the hub's reports judge
    the dossier against it."""
    if original_due_at is _LOOK_UP:
        original_due_at = _original_due_at(dossier)
    snapshot = {
        "code": dossier.code,
        "procedure_code": dossier.procedure.code if dossier.procedure else None,
        "unit_code": dossier.unit.code if dossier.unit else None,
        "channel": dossier.channel,
        "status": dossier.status,
        "applicant_name": dossier.applicant_name,
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "finished_at": _iso(dossier.finished_at),
        "returned_at": _iso(dossier.returned_at),
        "holder_unit_code": dossier.holder_unit.code if dossier.holder_unit else None,
        "holder_account": dossier.holder_account.full_name if dossier.holder_account else None,
        "back_entered": dossier.back_entered,
        "version": dossier.version,
    }
    if original_due_at is not None:
        snapshot["original_due_at"] = _iso(original_due_at)
    return snapshot


def _original_due_at(dossier: Dossier) -> datetime | None:
    session = object_session(dossier)
    if session is None or dossier.id is None:
        return None
    workflow = session.get(DossierWorkflow, dossier.id)
    return workflow.original_due_at if workflow is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _refuse_if_handed_over(session: Session, dossier: Dossier) -> None:
    """A dossier this server handed over to another node's unit (liên thông) is that
    server's now: a change made here (a screen opened before, a job) would never reach
    the hub, so the record would split in two. The caller's whole change is refused."""
    mark = session.get(SyncOwnership, dossier.code)
    if mark is not None and not mark.owned:
        raise Conflict(_("Dossier %(code)s was transferred to a unit on another server "
                         "(%(node)s); it can no longer be changed here.",
                         code=dossier.code, node=mark.peer_node or "?"))


def record_event(
    session: Session,
    dossier: Dossier,
    kind: str,
    *,
    actor: Account | None,
    from_status: str | None = None,
    from_unit_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
    data: dict | None = None,
) -> DossierEvent:
    """Append event ``kind`` for ``dossier`` and its outbox row; flushes both."""
    session.flush()  # the dossier needs its id, and its relationships their rows
    # Lock the dossier row (PostgreSQL) or take the write lock (SQLite) and re-read it,
    # so concurrent events on one dossier get consecutive numbers and a current snapshot.
    begin_write(session)
    session.refresh(dossier, with_for_update=True)
    _refuse_if_handed_over(session, dossier)
    sequence = (
        session.scalar(
            select(func.max(DossierEvent.sequence)).where(DossierEvent.dossier_id == dossier.id)
        )
        or 0
    ) + 1
    event = DossierEvent(
        dossier_id=dossier.id,
        sequence=sequence,
        kind=kind,
        at=at or now(),
        recorded_at=now(),
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else None,
        from_status=from_status,
        to_status=dossier.status,
        from_unit_id=from_unit_id,
        to_unit_id=dossier.holder_unit_id,
        note=note,
        data=data or {},
    )
    session.add(event)
    session.flush()
    # The report figures move with the event, in the same transaction.
    count_event(session, dossier, event)
    session.add(
        OutboxEntry(
            topic="dossier.event",
            unit_id=dossier.unit_id,
            dossier_id=dossier.id,
            event_id=event.id,
            payload={
                "event": {
                    "sequence": event.sequence,
                    "kind": kind,
                    "at": _iso(event.at),
                    "actor": event.actor_name,
                    "from_status": from_status,
                    "to_status": dossier.status,
                    "note": note,
                },
                "dossier": dossier_snapshot(dossier),
            },
        )
    )
    # Plugins hear about the change in the same transaction (motcua_sdk.signals).
    send_event_signal(dossier, event, actor)
    return event
