"""Reconciliation, node side: compare digests with the hub, then repair by re-sending.

1. The node takes a cut: in one read transaction, its fingerprints and the last outbox
   row written (the cut). It waits (bounded) until every change up to the cut has reached
   the hub, delivering them itself unless a ``motcua sync run`` worker does.
2. It sends its digests per (receiving unit, local day); the hub compares them with its
   own for this node (hand-overs to the node not yet imported left out), records the
   differences for the ICT page and answers with them. For each differing unit-day the
   node fetches the hub's per-dossier fingerprints and names the dossiers missing at the
   hub, different, or only at the hub.
3. Dossiers changed after the cut (an outbox row past it) are *unsettled*: the normal
   stream is still carrying them, so they are left to the next reconciliation. A dossier
   only at the hub is retracted only if this node has no trace of it (no dossier, no
   hand-over mark), checked again in the transaction that queues the retraction: a
   dossier the node may not have sent yet is never retracted. One the node holds under
   another unit-day (damaged routing columns at the hub) is re-sent, not retracted.
4. Repair: a ``dossier.resync`` outbox entry (the whole dossier and its events, read
   with the dossier locked) for each missing or different dossier, a ``dossier.retract``
   for each one only the hub has; they travel through the normal signed, ordered
   batches. Then a second cut is compared.

What this guarantees: run at any moment, even during traffic, reconciliation never
removes from the hub a dossier the node holds or may still send, and after it every
dossier not changed since the cut is at the hub exactly as at the node.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, union

from motcua.core.models import (
    Dossier,
    OutboxEntry,
    SyncBatch,
    SyncNodeState,
    SyncOwnership,
    Unit,
)
from motcua.core.sync import deadletters, digests
from motcua.core.sync.entries import resync_payload
from motcua.core.sync.node import Node, drain, ensure_state, plugin_context
from motcua.core.sync.protocol import TOPIC_RESYNC, TOPIC_RETRACT, TOPICS
from motcua.core.sync.restore import require_no_restore_hold
from motcua.core.timeutil import now

SETTLE = 30.0  # seconds to wait for the changes up to the cut to reach the hub


@dataclass
class Report:
    """What reconciliation found (and repaired)."""

    compared: int = 0  # unit-days compared
    differences: list[dict] = field(default_factory=list)  # unit-days that differ
    dossiers: dict[str, list[str]] = field(
        default_factory=lambda: {"missing": [], "different": [], "extra": []})
    extra_units: dict[str, str] = field(default_factory=dict)  # code only at hub -> unit
    repaired: int = 0
    remaining: list[dict] | None = None  # differences after the repair, if repaired
    unsettled: list[str] = field(default_factory=list)  # changed after the cut: next time
    settled: bool = True  # every change up to the cut reached the hub in time

    @property
    def clean(self) -> bool:
        return not self.differences


def take_cut(node: Node, since: date | None = None) -> tuple[digests.Fingerprints, int]:
    """The node's fingerprints and the last outbox id, read in one transaction (a
    snapshot on PostgreSQL; on SQLite the read transaction is one)."""
    # Fingerprints cover the plugins' public fields and contributions: ask the plugins.
    with plugin_context(node), node.database.session_factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        cut = session.scalar(select(func.max(OutboxEntry.id))) or 0
        return digests.node_fingerprints(session, since=since), cut


def delivered_up_to(node: Node, cut: int) -> bool:
    """Whether every change up to outbox row ``cut`` is acknowledged by the hub."""
    with node.database.session_factory() as session:
        unsent = session.scalar(select(OutboxEntry.id).where(
            OutboxEntry.id <= cut, OutboxEntry.sent_at.is_(None),
            OutboxEntry.topic.in_(TOPICS)).limit(1))
        unacked = session.scalar(select(SyncBatch.id).where(
            SyncBatch.node_id == node.node_id, SyncBatch.acked_at.is_(None),
            SyncBatch.first_outbox_id <= cut).limit(1))
    return unsent is None and unacked is None


def settle(node: Node, cut: int, seconds: float) -> bool:
    """Wait until the changes up to ``cut`` are at the hub, delivering them unless a
    running worker holds the sender lock; False if ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        drain(node, deadline=deadline)
        if delivered_up_to(node, cut):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def moved_on(session, codes: set[str], cut: int) -> set[str]:  # noqa: ANN001
    """Those of ``codes`` with a change after the cut (still on their way to the hub)."""
    if not codes:
        return set()
    return set(session.scalars(
        select(Dossier.code).join(OutboxEntry, OutboxEntry.dossier_id == Dossier.id)
        .where(Dossier.code.in_(codes), OutboxEntry.id > cut).distinct()))


def traced(session, codes: set[str]) -> set[str]:  # noqa: ANN001
    """Those of ``codes`` this node has any trace of: a dossier, or a hand-over mark."""
    if not codes:
        return set()
    return set(session.scalars(union(
        select(Dossier.code).where(Dossier.code.in_(codes)),
        select(SyncOwnership.dossier_code).where(SyncOwnership.dossier_code.in_(codes)))))


def compare_with_hub(node: Node, since: date | None = None, *,
                     wait: float = SETTLE) -> Report:
    """Steps 1 to 3: which unit-days and which dossiers differ, on a cut."""
    mine, cut = take_cut(node, since)
    settled = settle(node, cut, wait)
    answer = node.transport.query("reconcile", {
        "since": since.isoformat() if since else None,
        "digests": [{"unit": unit, "day": day, **value}
                    for (unit, day), value in sorted(digests.digests(mine).items())],
    })
    report = Report(compared=len(mine), settled=settled)
    held = {code for fps in mine.values() for code in fps}
    found_by_day = []
    for difference in answer["differences"]:
        key = (difference["unit"], difference["day"])
        theirs = node.transport.query("fingerprints", {"unit": key[0], "day": key[1]})
        found_by_day.append((difference, digests.compare_dossiers(
            mine.get(key, {}), theirs["fingerprints"])))
    involved = {code for _, found in found_by_day for codes in found.values()
                for code in codes}
    extra = {code for _, found in found_by_day for code in found["extra"]}
    with node.database.session_factory() as session:
        deferred = moved_on(session, involved, cut) | traced(session, extra - held)
    report.unsettled = sorted(deferred)
    # Held under another unit-day: its own unit-day names it missing; re-sent, not retracted.
    skipped = {"missing": deferred, "different": deferred, "extra": deferred | held}
    for difference, found in found_by_day:
        kept = {kind: [code for code in codes if code not in skipped[kind]]
                for kind, codes in found.items()}
        if not any(kept.values()):
            continue
        report.differences.append(difference)
        for kind, codes in kept.items():
            report.dossiers[kind].extend(codes)
        report.extra_units.update(dict.fromkeys(kept["extra"], difference["unit"]))
    _remember(node, report)
    return report


def _remember(node: Node, report: Report) -> None:
    ensure_state(node.database, node.node_id)
    with node.database.write_session() as session:
        state = session.get(SyncNodeState, node.node_id)
        state.last_reconcile_at = now()
        state.divergences = [{**d, "dossiers": None} for d in report.differences]


def queue_repairs(node: Node, report: Report) -> int:
    """Step 4: queue re-sends for every differing dossier; returns how many were queued.
    A re-send supersedes the dossier's dead letters (see :mod:`.deadletters`)."""
    queued = 0
    with plugin_context(node), node.database.write_session() as session:
        codes = report.dossiers["missing"] + report.dossiers["different"]
        # Locked: a change committing meanwhile cannot slip between the payload read
        # and its outbox row.
        for dossier in session.scalars(select(Dossier).where(Dossier.code.in_(codes))
                                       .order_by(Dossier.id).with_for_update()):
            session.add(OutboxEntry(topic=TOPIC_RESYNC, unit_id=dossier.unit_id,
                                    dossier_id=dossier.id,
                                    payload=resync_payload(session, dossier)))
            queued += 1
        deadletters.supersede(session, codes)
        # Checked again here: a dossier with that code may have been written since.
        gone = {code: unit for code, unit in report.extra_units.items()
                if code not in traced(session, set(report.extra_units))}
        unit_ids = dict(session.execute(select(Unit.code, Unit.id).where(
            Unit.code.in_(set(gone.values())))).all())
        for code, unit in sorted(gone.items()):
            session.add(OutboxEntry(topic=TOPIC_RETRACT, unit_id=unit_ids.get(unit),
                                    payload={"dossier": {"code": code, "unit_code": unit}}))
            queued += 1
    return queued


def reconcile(node: Node, *, repair: bool = True, since: date | None = None,
              wait: float = SETTLE) -> Report:
    """Compare with the hub and, if ``repair``, re-send what differs and compare again
    (on a new cut, which waits for the repairs to reach the hub). Refused on a restored
    node before its recovery: the hub's newer dossiers would look like ones to retract."""
    with node.database.session_factory() as session:
        require_no_restore_hold(session)
    report = compare_with_hub(node, since, wait=wait)
    if repair and report.differences:
        report.repaired = queue_repairs(node, report)
        report.remaining = compare_with_hub(node, since, wait=wait).differences
    return report
