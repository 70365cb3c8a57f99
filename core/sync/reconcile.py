"""Reconciliation, node side: compare digests with the hub, then repair by re-sending.

1. The node computes its digests per (receiving unit, local day) and sends them; the hub
   compares them with its own for this node, records the differences for the ICT page and
   answers with them.
2. For each differing unit-day the node fetches the hub's per-dossier fingerprints and
   names the dossiers missing at the hub, different, or only at the hub.
3. Repair: a ``dossier.resync`` outbox entry (the whole dossier and its events) for each
   missing or different dossier, a ``dossier.retract`` for each one only the hub has;
   they travel through the normal signed, ordered batches. Then digests are compared again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from motcua.core.models import Dossier, OutboxEntry, SyncNodeState, Unit
from motcua.core.sync import digests
from motcua.core.sync.entries import resync_payload
from motcua.core.sync.node import Node, drain, ensure_state, plugin_context
from motcua.core.sync.protocol import TOPIC_RESYNC, TOPIC_RETRACT
from motcua.core.sync.restore import require_no_restore_hold
from motcua.core.timeutil import now


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

    @property
    def clean(self) -> bool:
        return not self.differences


def compare_with_hub(node: Node, since: date | None = None) -> Report:
    """Steps 1 and 2: which unit-days and which dossiers differ."""
    # Fingerprints cover the plugins' public fields and contributions: ask the plugins.
    with plugin_context(node), node.database.session_factory() as session:
        mine = digests.node_fingerprints(session, since=since)
    answer = node.transport.query("reconcile", {
        "since": since.isoformat() if since else None,
        "digests": [{"unit": unit, "day": day, **value}
                    for (unit, day), value in sorted(digests.digests(mine).items())],
    })
    report = Report(compared=len(mine), differences=answer["differences"])
    for difference in report.differences:
        key = (difference["unit"], difference["day"])
        theirs = node.transport.query("fingerprints", {"unit": key[0], "day": key[1]})
        found = digests.compare_dossiers(mine.get(key, {}), theirs["fingerprints"])
        for kind, codes in found.items():
            report.dossiers[kind].extend(codes)
        report.extra_units.update(dict.fromkeys(found["extra"], key[0]))
    _remember(node, report)
    return report


def _remember(node: Node, report: Report) -> None:
    ensure_state(node.database, node.node_id)
    with node.database.write_session() as session:
        state = session.get(SyncNodeState, node.node_id)
        state.last_reconcile_at = now()
        state.divergences = [{**d, "dossiers": None} for d in report.differences]


def queue_repairs(node: Node, report: Report) -> int:
    """Step 3: queue re-sends for every differing dossier; returns how many were queued."""
    queued = 0
    with plugin_context(node), node.database.write_session() as session:
        codes = report.dossiers["missing"] + report.dossiers["different"]
        for dossier in session.scalars(select(Dossier).where(Dossier.code.in_(codes))):
            session.add(OutboxEntry(topic=TOPIC_RESYNC, unit_id=dossier.unit_id,
                                    dossier_id=dossier.id,
                                    payload=resync_payload(session, dossier)))
            queued += 1
        unit_ids = dict(session.execute(select(Unit.code, Unit.id).where(
            Unit.code.in_(set(report.extra_units.values())))).all())
        for code, unit in sorted(report.extra_units.items()):
            session.add(OutboxEntry(topic=TOPIC_RETRACT, unit_id=unit_ids.get(unit),
                                    payload={"dossier": {"code": code, "unit_code": unit}}))
            queued += 1
    return queued


def reconcile(node: Node, *, repair: bool = True, since: date | None = None) -> Report:
    """Compare with the hub and, if ``repair``, re-send what differs and compare again.
    Refused on a restored node before its recovery: the hub's newer dossiers would look
    like ones to retract."""
    with node.database.session_factory() as session:
        require_no_restore_hold(session)
    report = compare_with_hub(node, since)
    if repair and report.differences:
        report.repaired = queue_repairs(node, report)
        drain(node)
        report.remaining = compare_with_hub(node, since).differences
    return report
