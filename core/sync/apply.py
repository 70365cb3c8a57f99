"""Applying a batch's entries to the hub read model, in bulk (a few statements per batch).

The caller has verified the batch and holds the node's lock; this module checks that every
entry concerns a dossier the node may push (ownership) *before* writing anything, then
writes dossiers, events and hand-overs with set-based statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from motcua.core.errors import Forbidden
from motcua.core.models import (
    HubDossier,
    HubDossierEvent,
    Procedure,
    SyncHandoff,
    SyncNode,
    SyncNodeUnit,
    Unit,
)
from motcua.core.reports.hub_tally import add_difference, contribution
from motcua.core.sync.protocol import TOPIC_EVENT, TOPIC_RESYNC, TOPIC_RETRACT, parse_instant
from motcua.core.timeutil import local_date, now

TRANSFER_KIND = "transferred"


class ForeignUnit(Forbidden):
    """An entry concerns a dossier of a unit the node does not own (403)."""


@dataclass
class Applied:
    """What applying a batch did beyond the read model."""

    handoffs: list[dict]
    ignored: list[dict]


@dataclass
class _Target:
    """What the batch does to one dossier, gathered before any write."""

    code: str
    hub_id: int | None
    owner: str | None
    version: int
    unit_code: str | None = None  # the receiving unit the hub holds
    handed_away: bool = False  # the pushing node handed it to another node
    snapshot: dict | None = None
    details: dict | None = None
    plugins: dict | None = None
    resync: bool = False
    retract: bool = False
    events: dict[int, dict] = field(default_factory=dict)
    replace_events: bool = False


def _insert(session: Session, table):  # noqa: ANN001, ANN202
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(
        table
    )


def dossier_columns(snapshot: dict) -> dict[str, Any]:
    """The read model's columns from a validated snapshot."""
    received_at = parse_instant(snapshot["received_at"], "received_at")
    return {
        "unit_code": snapshot["unit_code"],
        "received_day": local_date(received_at),
        "procedure_code": snapshot.get("procedure_code"),
        # A system that does not say counts as the desk, the default channel.
        "channel": snapshot.get("channel") or "in_person",
        "original_due_at": parse_instant(snapshot.get("original_due_at"), "original_due_at",
                                         nullable=True),
        "status": snapshot["status"],
        "applicant_name": snapshot["applicant_name"],
        "received_at": received_at,
        "due_at": parse_instant(snapshot.get("due_at"), "due_at", nullable=True),
        "finished_at": parse_instant(snapshot.get("finished_at"), "finished_at", nullable=True),
        "returned_at": parse_instant(snapshot.get("returned_at"), "returned_at", nullable=True),
        "holder_unit_code": snapshot.get("holder_unit_code"),
        "holder_account": snapshot.get("holder_account"),
        "version": snapshot["version"],
        "snapshot": snapshot,
    }


def event_row(event: dict, holder_unit_code: str | None) -> dict[str, Any]:
    """A ``hub_dossier_events`` row (without its dossier id) from a validated event."""
    return {
        "sequence": event["sequence"],
        "kind": event["kind"],
        "at": parse_instant(event["at"], "at"),
        "actor": event.get("actor"),
        "from_status": event.get("from_status"),
        "to_status": event.get("to_status"),
        "unit_code": event.get("unit_code") or holder_unit_code,
        "note": event.get("note"),
        "data": event.get("data") or {},
    }


def apply_entries(session: Session, node: SyncNode, entries: list[dict], *,
                  keep_figures: bool = False) -> Applied:
    """Apply validated ``entries`` for ``node``; returns the hand-overs made and the
    entries ignored (about dossiers the node has handed over). With ``keep_figures``
    (on a hub, whose reports count the nodes' dossiers) the report figures follow.

    Raises :class:`ForeignUnit` before writing if any entry is not the node's to push.
    """
    codes = {entry["dossier"]["code"] for entry in entries}
    targets = {
        row.code: _Target(row.code, row.id, row.owner_node, row.version, row.unit_code)
        for row in session.execute(
            select(HubDossier.id, HubDossier.code, HubDossier.owner_node, HubDossier.version,
                   HubDossier.unit_code)
            .where(HubDossier.code.in_(codes))
        )
    }
    # Dossiers this node handed to another node: what it still sends about them (written
    # while the hand-over was on the wire) is ignored and reported, not refused: refusing
    # would block every later batch of the node.
    held_elsewhere = [t.code for t in targets.values() if t.owner != node.node_id]
    if held_elsewhere and not node.local:  # rare: the usual batch skips this query
        for code in session.scalars(select(SyncHandoff.dossier_code).where(
                SyncHandoff.dossier_code.in_(held_elsewhere),
                SyncHandoff.from_node == node.node_id)):
            targets[code].handed_away = True
    own_units = None if node.local else set(session.scalars(
        select(SyncNodeUnit.unit_code).where(SyncNodeUnit.node_id == node.node_id)))
    transfer_units = {
        entry["event"].get("data", {}).get("to_unit")
        for entry in entries
        if entry["topic"] == TOPIC_EVENT and entry["event"]["kind"] == TRANSFER_KIND
    } - {None}
    unit_nodes = dict(session.execute(
        select(SyncNodeUnit.unit_code, SyncNodeUnit.node_id)
        .where(SyncNodeUnit.unit_code.in_(transfer_units))
    ).all()) if transfer_units else {}

    repairs = {entry["dossier"]["code"] for entry in entries
               if entry["topic"] in (TOPIC_RESYNC, TOPIC_RETRACT)}
    rightful = rightful_owners(session, repairs) if repairs and not node.local else {}

    handoffs: list[dict] = []
    ignored: list[dict] = []
    for index, entry in enumerate(entries):
        snapshot = entry["dossier"]
        code = snapshot["code"]
        target = targets.get(code)
        if target is not None and target.handed_away:
            ignored.append({"entry": index, "dossier": code,
                            "reason": f"handed over to node {target.owner}"})
            continue
        record = rightful.get(code)
        if entry["topic"] in (TOPIC_RESYNC, TOPIC_RETRACT) and record is not None \
                and record.owner == node.node_id:
            # A repair by the node the records name: it also repairs the copy's routing
            # columns (owner, unit), whatever damage they took; the unit only to one of
            # its own or the one the records give.
            if entry["topic"] == TOPIC_RESYNC \
                    and snapshot["unit_code"] not in record.units | own_units:
                _refuse_move(node, code, snapshot, index)
            if target is not None:
                target.owner, target.unit_code = node.node_id, snapshot["unit_code"]
        elif entry["topic"] == TOPIC_RETRACT and record is not None:
            ignored.append({"entry": index, "dossier": code,
                            "reason": f"the records give it to node {record.owner}"})
            continue
        else:
            _check_owner(node, own_units, target, snapshot, index)
        if entry["topic"] == TOPIC_RETRACT:
            if target is not None:
                target.retract = True
            continue
        if target is None:
            target = targets[code] = _Target(code, None, node.node_id, 0, snapshot["unit_code"])
        target.retract = False
        resync = entry["topic"] == TOPIC_RESYNC
        # Highest version wins, against the hub's copy too: an older snapshot arriving
        # late (another batch, a re-sent one) keeps its event but not its dossier state.
        # A resync is the node's whole copy, sent to repair the hub: it always wins.
        if resync or snapshot["version"] >= target.version:
            target.snapshot, target.version = snapshot, snapshot["version"]
            if resync:  # the node's whole copy: what it no longer has goes too
                target.details = entry.get("details") or {}
                target.plugins = entry.get("plugins") or {}
            else:
                target.details = entry.get("details") or target.details
                target.plugins = entry.get("plugins") or target.plugins
        holder = snapshot.get("holder_unit_code")
        if resync:
            target.resync = target.replace_events = True
            target.events = {e["sequence"]: event_row(e, holder) for e in entry["events"]}
            continue
        event = entry["event"]
        target.events[event["sequence"]] = event_row(event, holder)
        to_unit = (event.get("data") or {}).get("to_unit")
        if event["kind"] == TRANSFER_KIND and to_unit:
            to_node = unit_nodes.get(to_unit)
            if to_node and to_node != target.owner:
                handoffs.append({"dossier_code": code, "event_sequence": event["sequence"],
                                 "from_node": target.owner or node.node_id,
                                 "to_node": to_node, "to_unit": to_unit,
                                 "package": entry.get("package")})
                target.owner = to_node
                target.handed_away = not node.local
    _write(session, targets.values(), keep_figures)
    return Applied(_write_handoffs(session, handoffs), ignored)


@dataclass
class Record:
    """Who the hub's records give a dossier to, read apart from the copy's routing
    columns (which damage can change), and the receiving unit they give it."""

    owner: str
    units: set[str]  # the receiving units it may have


def rightful_owners(session: Session, codes: set[str]) -> dict[str, Record]:
    """Per dossier code: the receiver of its latest hand-over, else the node registered
    for the receiving unit its stored snapshot names; the unit is the stored snapshot's
    (the first hand-over's package's, if the copy is gone). Codes the records say
    nothing about are left out."""
    units = {code: snapshot["unit_code"] for code, snapshot in session.execute(
        select(HubDossier.code, HubDossier.snapshot).where(HubDossier.code.in_(codes)))
        if isinstance(snapshot, dict) and snapshot.get("unit_code")}
    handoffs = session.execute(select(SyncHandoff.dossier_code, SyncHandoff.to_node,
                                      SyncHandoff.from_node)
                               .where(SyncHandoff.dossier_code.in_(codes))
                               .order_by(SyncHandoff.id)).all()
    origins = {}
    for code, _, from_node in handoffs:
        origins.setdefault(code, from_node)
    unit_nodes = dict(session.execute(select(SyncNodeUnit.unit_code, SyncNodeUnit.node_id)
                                      .where(SyncNodeUnit.unit_code.in_(set(units.values()))))
                      .all()) if units else {}
    records = {code: Record(unit_nodes[unit], {unit}) for code, unit in units.items()
               if unit in unit_nodes}
    for code, to_node, _ in handoffs:  # the latest wins
        records[code] = Record(to_node, {units[code]} if code in units else set())
    # A copy gone from the hub: any unit of the node it was first handed over from.
    gone = {code: origin for code, origin in origins.items() if code not in units}
    if gone:
        origin_units = defaultdict(set)
        for unit, owner in session.execute(select(SyncNodeUnit.unit_code, SyncNodeUnit.node_id)
                                           .where(SyncNodeUnit.node_id.in_(set(gone.values())))):
            origin_units[owner].add(unit)
        for code, origin in gone.items():
            records[code].units = origin_units[origin]
    return records


def _refuse_move(node: SyncNode, code: str, snapshot: dict, index: int) -> None:
    raise ForeignUnit(
        f"entries[{index}]: dossier {code} cannot move to unit {snapshot['unit_code']}, "
        f"which is not registered to node {node.node_id}; nothing of this batch was "
        "applied.", field=f"entries[{index}].dossier.unit_code")


def _check_owner(node: SyncNode, own_units: set[str] | None, target: _Target | None,
                 snapshot: dict, index: int) -> None:
    if own_units is None:  # the standalone deployment's own node owns everything
        return
    if target is not None:
        if target.owner == node.node_id:
            # A dossier it took over keeps its receiving unit (another node's); moving
            # the receiving unit is allowed only to a unit of this node.
            moved = snapshot["unit_code"] != target.unit_code
            if moved and snapshot["unit_code"] not in own_units:
                _refuse_move(node, target.code, snapshot, index)
            return
        raise ForeignUnit(
            f"entries[{index}]: dossier {target.code} is held by node {target.owner}, "
            f"not {node.node_id}; nothing of this batch was applied.",
            field=f"entries[{index}].dossier.code")
    if snapshot["unit_code"] not in own_units:
        raise ForeignUnit(
            f"entries[{index}]: unit {snapshot['unit_code']} is not registered to node "
            f"{node.node_id}; nothing of this batch was applied.",
            field=f"entries[{index}].dossier.unit_code")


def _catalogue_ids(session: Session, live: list[_Target]) -> tuple[dict, dict]:
    """The hub's ids of the units and procedures the snapshots name, by code."""
    units = {t.snapshot["unit_code"] for t in live}
    procedures = {t.snapshot.get("procedure_code") for t in live} - {None}
    return (dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(units)))
                 .all()) if units else {},
            dict(session.execute(select(Procedure.code, Procedure.id)
                                 .where(Procedure.code.in_(procedures))).all())
            if procedures else {})


def link_catalogue(bind) -> None:  # noqa: ANN001 - a Session or a Connection
    """Point every hub copy at the hub's units and procedures by the codes it names
    again (after the catalogue gained what some copies named)."""
    table = HubDossier.__table__
    bind.execute(table.update().values(
        unit_id=select(Unit.id).where(Unit.code == table.c.unit_code).scalar_subquery(),
        procedure_id=select(Procedure.id).where(Procedure.code == table.c.procedure_code)
        .scalar_subquery()))


def _write(session: Session, targets, keep_figures: bool) -> None:  # noqa: ANN001
    moment = now()
    retract = [t.hub_id for t in targets if t.retract and t.hub_id is not None]
    live = [t for t in targets if not t.retract and t.snapshot is not None]
    # Only older snapshots of these arrived: the hub's copy stays, their events are added.
    outdated = [t for t in targets if not t.retract and t.snapshot is None and t.events]
    if keep_figures:  # what the copies added as the hub held them (core/reports/hub_tally)
        before = contribution(session, [*retract, *(t.hub_id for t in live
                                                    if t.hub_id is not None)])
    unit_ids, procedure_ids = _catalogue_ids(session, live)

    def columns(target: _Target) -> dict[str, Any]:
        return {**dossier_columns(target.snapshot),
                "unit_id": unit_ids.get(target.snapshot["unit_code"]),
                "procedure_id": procedure_ids.get(target.snapshot.get("procedure_code"))}
    if retract:
        session.execute(delete(HubDossierEvent).where(HubDossierEvent.dossier_id.in_(retract)))
        session.execute(delete(HubDossier).where(HubDossier.id.in_(retract)))
    new = [t for t in live if t.hub_id is None]
    changed = [t for t in live if t.hub_id is not None]
    if new:
        # Table-level (Core) executemany: the ORM's per-row bookkeeping is not needed here.
        session.execute(insert(HubDossier.__table__), [
            {"code": t.code, "owner_node": t.owner, "details": t.details or {},
             "plugin_data": t.plugins or {}, "updated_at": moment,
             **columns(t)} for t in new])
        ids = dict(session.execute(select(HubDossier.code, HubDossier.id)
                                   .where(HubDossier.code.in_([t.code for t in new]))).all())
        for target in new:
            target.hub_id = ids[target.code]
    if changed:
        rows = []
        for t in changed:
            row = {"id": t.hub_id, "owner_node": t.owner, "updated_at": moment,
                   **columns(t)}
            if t.details is not None:
                row["details"] = t.details
            if t.plugins is not None:
                row["plugin_data"] = t.plugins
            rows.append(row)
        # Rows differ in which columns they set; group them so each UPDATE is uniform.
        for keys in {tuple(sorted(r)) for r in rows}:
            session.execute(update(HubDossier), [r for r in rows if tuple(sorted(r)) == keys])
    if outdated:  # a hand-over in an outdated entry still moves the dossier
        session.execute(update(HubDossier), [{"id": t.hub_id, "owner_node": t.owner}
                                             for t in outdated])
    replaced = [t.hub_id for t in live if t.replace_events]
    if replaced:
        session.execute(delete(HubDossierEvent).where(HubDossierEvent.dossier_id.in_(replaced)))
    event_rows = [{"dossier_id": t.hub_id, **row} for t in (*live, *outdated)
                  for row in t.events.values()]
    if event_rows:
        statement = _insert(session, HubDossierEvent.__table__).on_conflict_do_nothing(
            index_elements=["dossier_id", "sequence"])
        session.execute(statement, event_rows)
    if keep_figures:
        add_difference(session, before, contribution(session, [t.hub_id for t in live]))


def _write_handoffs(session: Session, handoffs: list[dict]) -> list[dict]:
    if not handoffs:
        return []
    statement = _insert(session, SyncHandoff).on_conflict_do_nothing(
        index_elements=["dossier_code", "event_sequence"])
    session.execute(statement, [{**h, "created_at": now()} for h in handoffs])
    keys = [(h["dossier_code"], h["event_sequence"]) for h in handoffs]
    made = session.execute(
        select(SyncHandoff.id, SyncHandoff.dossier_code, SyncHandoff.to_node,
               SyncHandoff.to_unit)
        .where(tuple_(SyncHandoff.dossier_code, SyncHandoff.event_sequence).in_(keys))
    ).all()
    return [{"id": row.id, "dossier": row.dossier_code, "to_node": row.to_node,
             "to_unit": row.to_unit} for row in made]
