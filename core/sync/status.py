"""Figures for the ICT sync pages: each node as the hub sees it, and this node's own view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from motcua.core.models import OutboxEntry, SyncBatch, SyncNode, SyncNodeState
from motcua.core.sync import deadletters
from motcua.core.sync.protocol import BACKLOG_COUNT_CAP, TOPICS
from motcua.core.timeutil import now


@dataclass
class NodeHealth:
    """One node at the hub: last contact, lag, backlog, errors, divergences."""

    node_id: str
    units: list[str]
    last_contact_at: datetime | None
    last_batch_at: datetime | None
    last_sequence: int
    backlog: int
    backlog_capped: bool  # the node counted up to its cap: "at least" this many
    lag_seconds: float | None
    applied_entries: int
    duplicates: int
    refusals: int
    last_error: str | None
    last_error_at: datetime | None
    last_reconcile_at: datetime | None
    divergences: list[dict] = field(default_factory=list)


def _seconds_since(moment: datetime | None, reference: datetime) -> float | None:
    return max(0.0, (reference - moment).total_seconds()) if moment else None


def hub_nodes(session: Session) -> list[NodeHealth]:
    """Every registered node (and the standalone local node) with its health figures."""
    moment = now()
    nodes = session.scalars(select(SyncNode).options(selectinload(SyncNode.units))
                            .order_by(SyncNode.node_id))
    return [node_health(node, moment) for node in nodes]


def node_health(node: SyncNode, moment: datetime | None = None) -> NodeHealth:
    """Lag: the age of the oldest change the node still had to send when it last reported
    (0 if none); a silent node shows as an old last contact instead."""
    moment = moment or now()
    lag = _seconds_since(node.oldest_pending_at, moment) if node.backlog else (
        0.0 if node.last_batch_at else None)
    return NodeHealth(
        node_id=node.node_id, units=[u.unit_code for u in node.units] or ["*"] * node.local,
        last_contact_at=node.last_contact_at, last_batch_at=node.last_batch_at,
        last_sequence=node.last_sequence, backlog=node.backlog,
        backlog_capped=node.backlog >= BACKLOG_COUNT_CAP, lag_seconds=lag,
        applied_entries=node.applied_entries, duplicates=node.duplicates,
        refusals=node.refusals, last_error=node.last_error, last_error_at=node.last_error_at,
        last_reconcile_at=node.last_reconcile_at, divergences=list(node.divergences or []),
    )


@dataclass
class LocalSync:
    """This server's own sync (node or standalone)."""

    node_id: str
    state: SyncNodeState | None
    backlog: int
    lag_seconds: float | None
    unacked: list[SyncBatch]
    dead_letters: list[dict] = field(default_factory=list)  # entries the hub refused


def local_sync(session: Session, node_id: str) -> LocalSync:
    """Backlog = changes not yet acknowledged by the hub; lag = the oldest one's age."""
    moment = now()
    unsealed, oldest_unsealed = session.execute(
        select(func.count(), func.min(OutboxEntry.created_at))
        .where(OutboxEntry.sent_at.is_(None), OutboxEntry.topic.in_(TOPICS))).one()
    unacked = list(session.scalars(
        select(SyncBatch).where(SyncBatch.node_id == node_id, SyncBatch.acked_at.is_(None))
        .order_by(SyncBatch.sequence)))
    oldest_batch = min((b.created_at for b in unacked), default=None)
    oldest = min((m for m in (oldest_unsealed, oldest_batch) if m), default=None)
    return LocalSync(
        node_id=node_id, state=session.get(SyncNodeState, node_id),
        backlog=unsealed + sum(b.entry_count for b in unacked),
        lag_seconds=_seconds_since(oldest, moment) if oldest else 0.0, unacked=unacked,
        dead_letters=deadletters.described(session))
