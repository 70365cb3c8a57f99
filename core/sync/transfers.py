"""Node side of a transfer between nodes (liên thông): taking over a handed-over dossier.

The sending node's batch carries the ``transferred`` event and the dossier's full record;
the hub changes the dossier's owner once (unique per dossier and event) and keeps a
hand-over for the receiving node. That node pulls its inbox, writes the dossier and its
events locally in one transaction (no new event: the history is the sender's), marks it
owned, queues a ``dossier.resync`` so the hub sees exactly this node's copy, and then
acknowledges; a crash before the acknowledgement only repeats an import it recognises.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from motcua.core.errors import ValidationError
from motcua.core.models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    OutboxEntry,
    Procedure,
    SyncNodeState,
    SyncOwnership,
    Unit,
)
from motcua.core.models.dossiers import search_columns
from motcua.core.reports.tally import recount_dossier
from motcua.core.specialist_search import write_index
from motcua.core.sync.entries import resync_payload
from motcua.core.sync.node import ensure_state, plugin_context
from motcua.core.sync.protocol import TOPIC_RESYNC
from motcua.core.timeutil import now

log = logging.getLogger(__name__)


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def import_handoff(session: Session, handoff: dict) -> Dossier:
    """Write the handed-over dossier into this node's database; the caller commits."""
    package = handoff.get("package") or {}
    snapshot = package.get("dossier")
    if not snapshot:
        raise ValidationError(f"Hand-over {handoff.get('id')} carries no dossier record.")
    code = snapshot["code"]
    mark = session.get(SyncOwnership, code)
    existing = session.scalar(select(Dossier).where(Dossier.code == code))
    if mark is not None and mark.owned and mark.handoff_id == handoff["id"] and existing:
        return existing  # imported before the acknowledgement was lost
    units = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(
        {snapshot["unit_code"], snapshot.get("holder_unit_code") or snapshot["unit_code"],
         *(e.get("unit_code") for e in package.get("events", []) if e.get("unit_code"))})))}
    procedure = session.scalar(select(Procedure).where(
        Procedure.code == snapshot.get("procedure_code")))
    if procedure is None or snapshot["unit_code"] not in units:
        raise ValidationError(
            f"Cannot take over {code}: procedure {snapshot.get('procedure_code')} or unit "
            f"{snapshot['unit_code']} is not in this server's catalogue.")
    applicant = package.get("applicant") or {}
    holder = units.get(snapshot.get("holder_unit_code"))
    columns = {
        "procedure_id": procedure.id, "unit_id": units[snapshot["unit_code"]].id,
        "channel": snapshot.get("channel") or "in_person", "status": snapshot["status"],
        "applicant_name": snapshot["applicant_name"],
        "applicant_citizen_id": applicant.get("citizen_id"),
        "applicant_phone": applicant.get("phone"), "applicant_email": applicant.get("email"),
        "applicant_address": applicant.get("address"),
        "applicant_organization": applicant.get("organization"),
        "sms_consent": bool(applicant.get("sms_consent")),
        "received_at": _instant(snapshot["received_at"]),
        "due_at": _instant(snapshot.get("due_at")),
        "finished_at": _instant(snapshot.get("finished_at")),
        "returned_at": _instant(snapshot.get("returned_at")),
        "entered_at": _instant(package.get("entered_at")) or now(),
        "back_entered": bool(snapshot.get("back_entered")),
        "back_entry_reason": package.get("back_entry_reason"),
        "holder_unit_id": holder.id if holder else None, "holder_account_id": None,
        "note": package.get("note"), "refusal_reason": package.get("refusal_reason"),
        "specialist_data": package.get("specialist_data") or {},
        "result": package.get("result"), "fee": package.get("fee") or 0,
        "version": snapshot["version"],
        **search_columns(snapshot["applicant_name"], applicant.get("phone")),
    }
    if existing is not None:
        # Written below without events: its report figures come out now, back after.
        recount_dossier(session, existing.id, -1)
    # Core statements, not the ORM: the dossier keeps the sender's version number.
    if existing is None:
        session.execute(insert(Dossier).values(code=code, **columns))
    else:
        session.execute(update(Dossier).where(Dossier.id == existing.id).values(**columns))
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
    write_index(session, dossier_id, procedure.code, columns["specialist_data"])
    if existing is None:
        for position, line in enumerate(package.get("documents") or []):
            session.execute(insert(DossierDocument).values(
                dossier_id=dossier_id, position=position, name=line["name"],
                copy_kind=line.get("copy_kind") or "original",
                quantity=line.get("quantity") or 1, submitted=bool(line.get("submitted"))))
    have = set(session.scalars(select(DossierEvent.sequence).where(
        DossierEvent.dossier_id == dossier_id)))
    for event in package.get("events") or []:
        if event["sequence"] in have:
            continue
        unit = units.get(event.get("unit_code"))
        session.execute(insert(DossierEvent).values(
            dossier_id=dossier_id, sequence=event["sequence"], kind=event["kind"],
            at=_instant(event["at"]), recorded_at=now(), actor_name=event.get("actor"),
            from_status=event.get("from_status"), to_status=event.get("to_status"),
            to_unit_id=unit.id if unit else None, note=event.get("note"),
            data=event.get("data") or {}))
    if mark is None:
        mark = SyncOwnership(dossier_code=code)
        session.add(mark)
    mark.owned, mark.peer_node = True, handoff.get("from_node")
    mark.handoff_id, mark.changed_at = handoff["id"], now()
    session.flush()
    recount_dossier(session, dossier_id, 1)
    session.expire_all()
    dossier = session.get(Dossier, dossier_id)
    session.add(OutboxEntry(topic=TOPIC_RESYNC, unit_id=dossier.unit_id, dossier_id=dossier_id,
                            payload=resync_payload(session, dossier)))
    return dossier


def take_over(node, on_error=None) -> list[str]:  # noqa: ANN001 - a sync.node.Node
    """Pull this node's inbox, import each hand-over in its own transaction and
    acknowledge those imported; returns their codes.

    A hand-over that cannot be imported (say, a procedure missing from this server's
    catalogue) stays in the hub's inbox and is recorded in ``handoff_errors`` for the ICT
    page; the others go on. ``on_error(handoff, message)`` is told about each failure.
    """
    answer = node.transport.query("inbox")
    codes, done, failed = [], [], {}
    for handoff in answer.get("handoffs", []):
        try:
            # The queued resync carries the plugins' public fields and contributions.
            with plugin_context(node), node.database.write_session() as session:
                codes.append(import_handoff(session, handoff).code)
        except Exception as error:  # noqa: BLE001 - one bad hand-over must not block the rest
            message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            log.warning("hand-over %s not imported: %s", handoff.get("id"), message)
            failed[handoff.get("id")] = {"id": handoff.get("id"),
                                         "dossier": handoff.get("dossier"),
                                         "error": message[:500], "at": now().isoformat()}
            if on_error is not None:
                on_error(handoff, message)
            continue
        done.append(handoff["id"])
    _remember_errors(node, failed, done)
    if done:
        node.transport.query("inbox/ack", {"ids": done})
    return codes


def _remember_errors(node, failed: dict, done: list) -> None:  # noqa: ANN001
    """Keep the failed hand-overs for the ICT page; forget those imported now."""
    ensure_state(node.database, node.node_id)
    with node.database.write_session() as session:
        state = session.get(SyncNodeState, node.node_id, with_for_update=True)
        kept = [e for e in state.handoff_errors or []
                if e.get("id") not in failed and e.get("id") not in done]
        if kept or failed or state.handoff_errors:
            state.handoff_errors = sorted([*kept, *failed.values()],
                                          key=lambda e: e.get("id") or 0)
