"""Node side: turning outbox rows into batch entries, and full records for hand-overs.

The outbox row holds the event and the dossier snapshot of its own transaction; at sealing
time the entry is completed with the event's data (e.g. ``to_unit`` of a transfer), the
details the hub's lookup shows (the handling plugin's public fields; after the second
factor, the checklist, result and refusal reason; the last four phone digits as that
factor), plugin contributions, and for a transfer the full record the receiving node needs.

Public fields need the node's plugin manager, i.e. its application context (see
:func:`motcua.core.sync.node.plugin_context`); without one they are left out.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from motcua.core.events import dossier_snapshot
from motcua.core.models import Dossier, DossierDocument, DossierEvent, Procedure, Unit
from motcua.core.plugin_manager.dossiers import current_manager, public_fields
from motcua.core.sync import contributions
from motcua.core.sync.protocol import TOPIC_EVENT

log = logging.getLogger(__name__)
TRANSFER_KIND = "transferred"
PUBLIC_FIELDS_HOOK = "motcua_public_fields"


def _iso(moment):  # noqa: ANN001, ANN202
    return moment.isoformat() if moment else None


def _details_dict(phone: str | None, documents: list[dict], result: dict | None,
                  refusal_reason: str | None) -> dict:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return {"phone_last4": digits[-4:] if len(digits) >= 4 else None,
            "documents": documents, "result": result, "refusal_reason": refusal_reason}


def _add_public_fields(details: dict, fields: dict[str, str]) -> dict:
    # Only when there are some: the hub's copies of other dossiers (and of dossiers pushed
    # before public fields travelled) keep the same details, hence the same fingerprints.
    # As [label, value] pairs: a JSON object's order does not survive the trip (batches
    # are signed with sorted keys, PostgreSQL's JSONB orders keys its own way), a list's
    # does, so the hub shows the fields in the plugin's order, as the node does.
    if fields:
        details["public_fields"] = [[label, value] for label, value in fields.items()]
    return details


def plugin_public_fields(dossier: Dossier) -> dict[str, str]:
    """The handling plugin's public fields of ``dossier`` (``{label: value}``, what the
    lookup shows without the second factor); ``{}`` for core procedures, outside an
    application, or when the plugin fails (logged: sync goes on without them)."""
    procedure = dossier.procedure
    if procedure is None or not procedure.handler_plugin:
        return {}
    try:
        return public_fields(dossier)
    except Exception:  # noqa: BLE001 - e.g. a value whose str() raises; hooks are isolated
        log.exception("public fields of %s left out of its sync entry", dossier.code)
        return {}


def details_of(dossier: Dossier) -> dict:
    """What the hub's lookup may show beyond the snapshot: the plugin's public fields,
    and after the second factor the checklist, result and refusal reason."""
    return _add_public_fields(_details_dict(
        dossier.applicant_phone,
        [{"name": d.name, "copy_kind": d.copy_kind, "quantity": d.quantity,
          "submitted": d.submitted} for d in dossier.documents],
        dossier.result, dossier.refusal_reason), plugin_public_fields(dossier))


def _details(session: Session, dossier_ids: set[int]) -> dict[int, dict]:
    """:func:`details_of` for many dossiers, from the needed columns only."""
    documents: dict[int, list[dict]] = {i: [] for i in dossier_ids}
    for line in session.execute(
            select(DossierDocument.dossier_id, DossierDocument.name, DossierDocument.copy_kind,
                   DossierDocument.quantity, DossierDocument.submitted)
            .where(DossierDocument.dossier_id.in_(dossier_ids))
            .order_by(DossierDocument.dossier_id, DossierDocument.position)):
        documents[line.dossier_id].append({"name": line.name, "copy_kind": line.copy_kind,
                                           "quantity": line.quantity,
                                           "submitted": line.submitted})
    return {row.id: _details_dict(row.applicant_phone, documents[row.id], row.result,
                                  row.refusal_reason)
            for row in session.execute(
                select(Dossier.id, Dossier.applicant_phone, Dossier.result,
                       Dossier.refusal_reason).where(Dossier.id.in_(dossier_ids)))}


def _with_public_fields(session: Session, dossier_ids: set[int]) -> set[int]:
    """Those of ``dossier_ids`` whose handling plugin answers ``motcua_public_fields``
    (found from their procedures: only these dossiers are loaded whole for the plugin)."""
    manager = current_manager()
    if manager is None:
        return set()
    names = {record.name for record in manager.enabled()
             if manager.implements(record.name, PUBLIC_FIELDS_HOOK)}
    if not names:
        return set()
    rows = session.execute(
        select(Dossier.id, Procedure.code, Procedure.handler_plugin)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.id.in_(dossier_ids), Procedure.handler_plugin.in_(names)))
    return {row.id for row in rows if manager.handler_of(row.code, row.handler_plugin)}


def event_dict(event: DossierEvent, unit_code: str | None) -> dict:
    """An event as it travels (with the unit holding the dossier after it)."""
    return {"sequence": event.sequence, "kind": event.kind, "at": _iso(event.at),
            "actor": event.actor_name, "from_status": event.from_status,
            "to_status": event.to_status, "note": event.note, "data": event.data or {},
            "unit_code": unit_code}


def all_events(session: Session, dossier: Dossier) -> list[dict]:
    """Every event of ``dossier`` in order, ready to travel."""
    rows = session.execute(
        select(DossierEvent, Unit.code).outerjoin(Unit, Unit.id == DossierEvent.to_unit_id)
        .where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.sequence)).all()
    return [event_dict(event, code) for event, code in rows]


def full_record(session: Session, dossier: Dossier) -> dict:
    """Everything a receiving node needs to continue a transferred dossier."""
    return {
        "dossier": dossier_snapshot(dossier),
        "applicant": {
            "citizen_id": dossier.applicant_citizen_id, "phone": dossier.applicant_phone,
            "email": dossier.applicant_email, "address": dossier.applicant_address,
            "organization": dossier.applicant_organization,
            "sms_consent": dossier.sms_consent,
        },
        "specialist_data": dossier.specialist_data or {},
        "result": dossier.result, "fee": dossier.fee, "note": dossier.note,
        "refusal_reason": dossier.refusal_reason,
        "back_entry_reason": dossier.back_entry_reason,
        "entered_at": _iso(dossier.entered_at),
        "documents": details_of(dossier)["documents"],
        "events": all_events(session, dossier),
    }


def resync_payload(session: Session, dossier: Dossier) -> dict:
    """The outbox payload that replaces the hub's copy of ``dossier`` (reconciliation)."""
    return {"dossier": dossier_snapshot(dossier), "events": all_events(session, dossier),
            "details": details_of(dossier), "plugins": contributions.collect(dossier)}


def build_entries(session: Session, rows: list) -> list[dict]:
    """Batch entries for outbox ``rows`` (in the rows' order); a row has the outbox's
    ``id, topic, created_at, payload, event_id, dossier_id``."""
    event_ids = [row.event_id for row in rows if row.event_id]
    events = {
        row.id: (row.data, row.code) for row in session.execute(
            select(DossierEvent.id, DossierEvent.data, Unit.code)
            .outerjoin(Unit, Unit.id == DossierEvent.to_unit_id)
            .where(DossierEvent.id.in_(event_ids)))
    } if event_ids else {}
    dossier_ids = {row.dossier_id for row in rows if row.dossier_id}
    details = _details(session, dossier_ids) if dossier_ids else {}
    public = _with_public_fields(session, dossier_ids) if dossier_ids else set()
    # Whole ORM dossiers only where needed (plugins see the dossier; transfers carry it
    # all): loading every column of every dossier would dominate sealing.
    wanted = dossier_ids if contributions.registered() else public | {
        row.dossier_id for row in rows if row.topic == TOPIC_EVENT and row.event_id
        and row.payload.get("event", {}).get("kind") == TRANSFER_KIND}
    dossiers = {
        d.id: d for d in session.scalars(
            select(Dossier).where(Dossier.id.in_(wanted))
            .options(selectinload(Dossier.documents)))
    } if wanted else {}
    for dossier_id in public & dossiers.keys():  # once per dossier, not per entry
        _add_public_fields(details[dossier_id], plugin_public_fields(dossiers[dossier_id]))
    entries = []
    for row in rows:
        entry = {"id": row.id, "topic": row.topic, "created_at": _iso(row.created_at),
                 **row.payload}
        if row.topic == TOPIC_EVENT:
            found = events.get(row.event_id)
            event = dict(entry["event"])
            if found is not None:
                event["data"] = found[0] or {}
                event["unit_code"] = found[1]
            entry["event"] = event
            if row.dossier_id in details:
                entry["details"] = details[row.dossier_id]
            dossier = dossiers.get(row.dossier_id)
            if dossier is not None:
                entry["plugins"] = contributions.collect(dossier)
                if event["kind"] == TRANSFER_KIND:
                    entry["package"] = full_record(session, dossier)
        entries.append(entry)
    return entries
