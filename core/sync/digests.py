"""Fingerprints per dossier and digests per (unit, day), computed the same way on both sides.

A dossier's fingerprint hashes its synced snapshot (the fields ``core.events.
dossier_snapshot`` sends), the content of each of its events (in sequence order), its
public details and its plugins' contributions; a (receiving unit, local day of receipt)
digest hashes the sorted fingerprints of that day's dossiers. Equal digests mean the hub
holds exactly what the node holds; a different one narrows the search to one unit and
day, whose fingerprints then name the dossiers to re-send.

An event's ``unit_code`` is left out: where the node recorded none, the hub fills in the
unit holding the dossier when the event arrived, which the node cannot recompute.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from motcua.core.events import dossier_snapshot
from motcua.core.models import (
    Dossier,
    DossierEvent,
    DossierWorkflow,
    HubDossier,
    HubDossierEvent,
    SyncHandoff,
    SyncOwnership,
    Unit,
)
from motcua.core.sync import contributions
from motcua.core.sync.entries import details_of
from motcua.core.sync.signing import canonical_json
from motcua.core.timeutil import local_date

UnitDay = tuple[str, str]  # (unit code, ISO date)
Fingerprints = dict[UnitDay, dict[str, str]]
EVENT_FIELDS = ("sequence", "kind", "at", "actor", "from_status", "to_status", "note", "data")
CHUNK = 500  # dossier ids per events query


def event_content(event: dict) -> dict:
    """The fields of an event both sides hold identically."""
    content = {name: event.get(name) for name in EVENT_FIELDS}
    content["data"] = content["data"] or {}
    return content


class EventHash:
    """A running hash of one dossier's events, fed in sequence order."""

    def __init__(self) -> None:
        self.count = 0
        self._hash = hashlib.sha256()

    def add(self, event: dict) -> None:
        self.count += 1
        self._hash.update(canonical_json(event_content(event)) + b"\n")

    def value(self) -> dict:
        return {"count": self.count, "sha256": self._hash.hexdigest()}


def fingerprint(snapshot: dict, events: EventHash | Iterable[dict], details: dict | None,
                plugins: dict | None) -> str:
    """The fingerprint of one dossier's synced state."""
    if not isinstance(events, EventHash):
        hashed = EventHash()
        for event in events:
            hashed.add(event)
        events = hashed
    return hashlib.sha256(canonical_json({
        "dossier": snapshot, "events": events.value(), "details": details or {},
        "plugins": plugins or {}})).hexdigest()


def _event_hashes(session: Session, model, ids: list[int]) -> dict[int, EventHash]:  # noqa: ANN001
    """Per dossier id, the hash of its events (``model``: the node's or the hub's table)."""
    hashes: dict[int, EventHash] = defaultdict(EventHash)
    actor = model.actor_name if model is DossierEvent else model.actor
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(model.dossier_id, model.sequence, model.kind, model.at,
                   actor.label("actor"), model.from_status, model.to_status, model.note,
                   model.data)
            .where(model.dossier_id.in_(ids[start:start + CHUNK]))
            .order_by(model.dossier_id, model.sequence))
        for row in rows:
            hashes[row.dossier_id].add({
                "sequence": row.sequence, "kind": row.kind,
                "at": row.at.isoformat() if row.at else None, "actor": row.actor,
                "from_status": row.from_status, "to_status": row.to_status,
                "note": row.note, "data": row.data})
    return hashes


def digest(fingerprints: dict[str, str]) -> str:
    """The digest of one unit-day: its dossiers' codes and fingerprints, in code order."""
    lines = "".join(f"{code}:{fingerprints[code]}\n" for code in sorted(fingerprints))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def digests(fingerprints: Fingerprints) -> dict[UnitDay, dict]:
    """``{(unit, day): {"count": n, "digest": hex}}``."""
    return {key: {"count": len(fps), "digest": digest(fps)} for key, fps in fingerprints.items()}


def node_fingerprints(session: Session, *, since: date | None = None,
                      unit_day: UnitDay | None = None) -> Fingerprints:
    """Fingerprints of the dossiers this node holds (handed-over ones excluded)."""
    query = select(Dossier).options(
        selectinload(Dossier.procedure), selectinload(Dossier.unit),
        selectinload(Dossier.holder_unit), selectinload(Dossier.holder_account),
        selectinload(Dossier.documents))
    given_away = select(SyncOwnership.dossier_code).where(SyncOwnership.owned.is_(False))
    query = query.where(Dossier.code.not_in(given_away))
    if unit_day is not None:
        query = query.join(Unit, Unit.id == Dossier.unit_id).where(Unit.code == unit_day[0])
    chosen = []
    for dossier in session.scalars(query):
        day = local_date(dossier.received_at)
        if since is not None and day < since:
            continue
        key = (dossier.unit.code, day.isoformat())
        if unit_day is not None and key != unit_day:
            continue
        chosen.append((key, dossier))
    ids = [d.id for _, d in chosen]
    events = _event_hashes(session, DossierEvent, ids)
    # The original deadlines in a few reads, not one per dossier.
    original_due = {}
    for start in range(0, len(ids), CHUNK):
        original_due.update(session.execute(
            select(DossierWorkflow.dossier_id, DossierWorkflow.original_due_at).where(
                DossierWorkflow.dossier_id.in_(ids[start:start + CHUNK]),
                DossierWorkflow.original_due_at.is_not(None))).all())
    result: Fingerprints = defaultdict(dict)
    for key, dossier in chosen:
        result[key][dossier.code] = fingerprint(
            dossier_snapshot(dossier, original_due.get(dossier.id)), events[dossier.id],
            details_of(dossier), contributions.collect(dossier))
    return dict(result)


# Read-model columns that mirror snapshot fields: the hub's fingerprint reads the columns
# (what lookup shows), so a damaged column is found even if the stored snapshot is intact.
MIRRORED = ("code", "unit_code", "procedure_code", "status", "applicant_name", "received_at",
            "due_at", "finished_at", "returned_at", "holder_unit_code", "holder_account",
            "version")


def hub_snapshot(row) -> dict:  # noqa: ANN001 - a row with HubDossier's columns
    """The snapshot as the hub holds it: stored fields overlaid with the column values."""
    snapshot = dict(row.snapshot or {})
    for name in MIRRORED:
        value = getattr(row, name)
        snapshot[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return snapshot


def hub_fingerprints(session: Session, node_id: str, *, since: date | None = None,
                     unit_day: UnitDay | None = None) -> Fingerprints:
    """Fingerprints of the dossiers the hub attributes to ``node_id``, except those handed
    over to it and not yet imported there (the node cannot hold them yet; counting them
    would make the node retract its own incoming dossiers)."""
    incoming = select(SyncHandoff.dossier_code).where(SyncHandoff.to_node == node_id,
                                                      SyncHandoff.delivered_at.is_(None))
    query = select(HubDossier.id, HubDossier.received_day, HubDossier.snapshot,
                   HubDossier.details, HubDossier.plugin_data,
                   *(getattr(HubDossier, name) for name in MIRRORED if name != "code"),
                   HubDossier.code).where(HubDossier.owner_node == node_id,
                                          HubDossier.code.not_in(incoming))
    if since is not None:
        query = query.where(HubDossier.received_day >= since)
    if unit_day is not None:
        query = query.where(HubDossier.unit_code == unit_day[0],
                            HubDossier.received_day == date.fromisoformat(unit_day[1]))
    rows = session.execute(query).all()
    events = _event_hashes(session, HubDossierEvent, [row.id for row in rows])
    result: Fingerprints = defaultdict(dict)
    for row in rows:
        key = (row.unit_code, row.received_day.isoformat())
        result[key][row.code] = fingerprint(hub_snapshot(row), events[row.id], row.details,
                                            row.plugin_data)
    return dict(result)


def compare(node: dict[UnitDay, dict], hub: dict[UnitDay, dict]) -> list[dict]:
    """The unit-days whose digests differ, with both sides' counts and digests."""
    differences = []
    for key in sorted(set(node) | set(hub)):
        mine, theirs = node.get(key), hub.get(key)
        if mine != theirs:
            differences.append({
                "unit": key[0], "day": key[1],
                "node": mine or {"count": 0, "digest": None},
                "hub": theirs or {"count": 0, "digest": None},
            })
    return differences


def compare_dossiers(node: dict[str, str], hub: dict[str, str]) -> dict[str, list[str]]:
    """Per dossier: missing at the hub, different, or only at the hub."""
    return {
        "missing": sorted(set(node) - set(hub)),
        "different": sorted(code for code in set(node) & set(hub) if node[code] != hub[code]),
        "extra": sorted(set(hub) - set(node)),
    }
