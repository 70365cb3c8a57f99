"""Dead letters: outbox rows the hub refused, set aside so the node's stream goes on.

Batches go in order, so one entry the hub refuses (403: a dossier held by another node,
a unit not registered to this one) would hold back every later change for good. When the
hub refuses a batch and names the entry (``entries[i]...``), every entry of that batch
about the same dossier is set aside (``refused_at``, the hub's message in ``last_error``)
and the batch is signed again without them under the same number; the worker sends it
on. Nothing is lost: the dossier stays whole on the node.

The ICT page and ``motcua sync dead-letters`` list them. Once the cause is fixed (the
unit registered to this node, the hub's copy repaired), resending queues the dossier's
whole current copy (a ``dossier.resync``, which carries every event); reconciliation does
the same for the dossiers it re-sends.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua.core.models import Dossier, OutboxEntry, SyncBatch
from motcua.core.sync import signing
from motcua.core.sync.entries import resync_payload
from motcua.core.sync.protocol import TOPIC_RESYNC
from motcua.core.timeutil import now

ENTRY_FIELD = re.compile(r"^entries\[(\d+)\]")
RESENT = "resent as outbox row"
SUPERSEDED = "superseded by a resync (reconciliation)"


def set_aside(node, batch: SyncBatch, field: str | None, message: str) -> bool:  # noqa: ANN001
    """Set aside the entries of ``batch`` about the dossier the refusal's ``field`` names
    and sign the batch again without them; False if the refusal names no entry (the
    batch then waits, as before)."""
    match = ENTRY_FIELD.match(field or "")
    body = json.loads(batch.body)
    entries = body["entries"]
    if match is None or int(match.group(1)) >= len(entries):
        return False
    code = entries[int(match.group(1))]["dossier"]["code"]
    refused = [entry["id"] for entry in entries if entry["dossier"]["code"] == code]
    body["entries"] = [entry for entry in entries if entry["dossier"]["code"] != code]
    raw = signing.canonical_json(body)
    with node.database.write_session() as session:
        row = session.get(SyncBatch, batch.id, with_for_update=True)
        if row is None or row.acked_at is not None or row.body != batch.body:
            return False  # another worker got there first
        row.body, row.entry_count = raw.decode("utf-8"), len(body["entries"])
        row.signature = signing.sign(node.key, raw) if node.key is not None else ""
        session.execute(update(OutboxEntry).where(OutboxEntry.id.in_(refused)).values(
            refused_at=now(), last_error=message[:2000]))
    return True


def listed(session: Session, ids: list[int] | None = None) -> list[OutboxEntry]:
    """The dead letters not yet resent (only ``ids``, if given), oldest first."""
    query = select(OutboxEntry).where(OutboxEntry.refused_at.is_not(None))
    if ids:
        query = query.where(OutboxEntry.id.in_(ids))
    return list(session.scalars(query.order_by(OutboxEntry.id)))


def described(session: Session) -> list[dict]:
    """The dead letters as the ICT page and the CLI show them."""
    return [{"id": row.id, "dossier": (row.payload.get("dossier") or {}).get("code", ""),
             "topic": row.topic, "at": row.refused_at, "error": row.last_error or ""}
            for row in listed(session)]


def resend(session: Session, ids: list[int] | None = None) -> int:
    """Queue each listed dossier's whole current copy again (one resync per dossier) and
    close its dead letters; returns how many dossiers were queued. The caller commits,
    inside the node's plugin context (the resync carries the plugins' fields)."""
    rows = listed(session, ids)
    dossier_ids = sorted({row.dossier_id for row in rows if row.dossier_id})
    queued = {}
    for dossier in session.scalars(select(Dossier).where(Dossier.id.in_(dossier_ids))
                                   .order_by(Dossier.id).with_for_update()):
        entry = OutboxEntry(topic=TOPIC_RESYNC, unit_id=dossier.unit_id,
                            dossier_id=dossier.id, payload=resync_payload(session, dossier))
        session.add(entry)
        session.flush()
        queued[dossier.id] = entry.id
    for row in rows:
        # A row with no dossier (a retraction) is not resent: reconciliation decides anew.
        row.refused_at = None
        row.last_error = f"{RESENT} {queued.get(row.dossier_id, '-')}"
    return len(queued)


def supersede(session: Session, codes: list[str]) -> None:
    """Close the dead letters of ``codes``: a resync of these dossiers is queued."""
    if not codes:
        return
    ids = select(Dossier.id).where(Dossier.code.in_(codes))
    session.execute(update(OutboxEntry).where(
        OutboxEntry.refused_at.is_not(None), OutboxEntry.dossier_id.in_(ids))
        .values(refused_at=None, last_error=SUPERSEDED))
