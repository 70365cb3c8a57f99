"""Sync between unit servers (nodes) and the provincial hub: both sides' tables.

Node side: ``sync_node_state`` (this server's sync identity, lease and health),
``sync_batches`` (signed batches sealed from the outbox, kept until the hub acknowledges
them, so a re-send is byte-identical) and ``sync_ownership`` (dossiers that moved to or
from another node).

Hub side: ``sync_nodes`` and ``sync_node_units`` (registered nodes, their public keys and
the units each owns), ``sync_applied_batches`` (what was applied, for idempotency),
``hub_dossiers`` and ``hub_dossier_events`` (the read model lookup, kiosk, SMS and
provincial dashboards read), ``sync_handoffs`` (dossiers moving between nodes) and
``sync_refusal_tallies`` (refused requests not attributable to a node).
In standalone mode both sides live in the same database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from motcua.core.models.procedures import Procedure
    from motcua.core.models.units import Unit

NODE_ID_LENGTH = 64


# --- node side ------------------------------------------------------------------------


class SyncNodeState(Base):
    """This server's view of its sync with the hub (one row per node identity)."""

    __tablename__ = "sync_node_state"

    node_id: Mapped[str] = mapped_column(String(NODE_ID_LENGTH), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)  # last batch sealed
    acked_sequence: Mapped[int] = mapped_column(Integer, default=0)  # last batch acknowledged
    units: Mapped[list] = mapped_column(JSONType, default=list)  # as the hub reported them
    # A lease stands in for a row lock where one cannot be held during an HTTP call (SQLite).
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The fencing token: raised by each worker taking the sender lock; only the holder of
    # the current one may seal (a worker whose lock went with its connection may not).
    sender_token: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reconcile_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    divergences: Mapped[list] = mapped_column(JSONType, default=list)
    # Hand-overs from the inbox this node could not import: {id, dossier, error, at}.
    handoff_errors: Mapped[list] = mapped_column(JSONType, default=list)
    # When a backup was restored into this database: until the hub confirms it lacks
    # nothing (hello) or ``motcua sync recover`` ran, intake, sending and reconciling wait.
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncBatch(Base):
    """A sealed, signed batch of outbox entries; re-sent unchanged until acknowledged."""

    __tablename__ = "sync_batches"
    __table_args__ = (UniqueConstraint("node_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(String(NODE_ID_LENGTH))
    sequence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_outbox_id: Mapped[int] = mapped_column(BigInteger)
    last_outbox_id: Mapped[int] = mapped_column(BigInteger)
    entry_count: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the exact bytes signed (UTF-8 JSON)
    signature: Mapped[str] = mapped_column(String(200))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncOwnership(Base):
    """A dossier that moved between nodes: ``owned`` says whether this node holds it now."""

    __tablename__ = "sync_ownership"

    dossier_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    owned: Mapped[bool] = mapped_column(Boolean)
    peer_node: Mapped[str | None] = mapped_column(String(NODE_ID_LENGTH))
    handoff_id: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- hub side -------------------------------------------------------------------------


class SyncNode(Base):
    """A node registered at the hub, with its Ed25519 public key and health figures."""

    __tablename__ = "sync_nodes"

    node_id: Mapped[str] = mapped_column(String(NODE_ID_LENGTH), primary_key=True)
    public_key: Mapped[str | None] = mapped_column(String(100))  # None: the local node
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_batch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_entry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backlog: Mapped[int] = mapped_column(Integer, default=0)  # as the node last reported
    oldest_pending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_batches: Mapped[int] = mapped_column(Integer, default=0)
    applied_entries: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    # The highest fencing token of the node's applied batches: a new batch with a lower
    # one comes from a sender that lost its lock and is refused.
    sender_token: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reconcile_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    divergences: Mapped[list] = mapped_column(JSONType, default=list)

    units: Mapped[list[SyncNodeUnit]] = relationship(
        back_populates="node", order_by="SyncNodeUnit.unit_code", cascade="all, delete-orphan"
    )


class SyncNodeUnit(Base):
    """A unit (agency code) whose dossiers one node, and only that node, may push."""

    __tablename__ = "sync_node_units"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    node_id: Mapped[str] = mapped_column(
        ForeignKey("sync_nodes.node_id", ondelete="CASCADE"), index=True
    )

    node: Mapped[SyncNode] = relationship(back_populates="units")


class SyncAppliedBatch(Base):
    """A batch the hub applied; a re-delivery with the same digest gets the same answer."""

    __tablename__ = "sync_applied_batches"

    node_id: Mapped[str] = mapped_column(
        ForeignKey("sync_nodes.node_id", ondelete="CASCADE"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response: Mapped[dict] = mapped_column(JSONType, default=dict)


class HubDossier(Base):
    """A dossier as the hub sees it: the latest synced snapshot and public details."""

    __tablename__ = "hub_dossiers"
    __table_args__ = (
        Index("ix_hub_dossiers_unit_day", "unit_code", "received_day"),
        # The hub's reports read the open dossiers live (who is overdue now), as the
        # units' servers do over ix_dossiers_open; with the original deadline, which the
        # hub keeps on the row, so that read never leaves the index.
        Index("ix_hub_dossiers_open", "unit_id", "procedure_id", "due_at",
              "original_due_at", "received_at", "status", "id",
              postgresql_where=text("finished_at IS NULL"),
              sqlite_where=text("finished_at IS NULL")),
        # The copies no figure can count (a unit or procedure the catalogue lacks), which
        # every report page of a hub counts for its notice: few, found without a scan.
        Index("ix_hub_dossiers_unplaced", "id",
              postgresql_where=text("unit_id IS NULL OR procedure_id IS NULL"),
              sqlite_where=text("unit_id IS NULL OR procedure_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    owner_node: Mapped[str] = mapped_column(String(NODE_ID_LENGTH), index=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    received_day: Mapped[date] = mapped_column(Date)  # local (Vietnam) date: digest key
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), index=True)
    applicant_name: Mapped[str] = mapped_column(String(160))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Indexed for the reports (finished since a period ended), as dossiers.finished_at is.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder_unit_code: Mapped[str | None] = mapped_column(String(40))
    holder_account: Mapped[str | None] = mapped_column(String(160))
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSONType)  # exactly as synced: the digest input
    details: Mapped[dict] = mapped_column(JSONType, default=dict)  # checklist, result ...
    plugin_data: Mapped[dict] = mapped_column(JSONType, default=dict)  # per plugin name
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the hub's reports count by (core/reports/source.py): the hub's own ids of the
    # receiving unit and procedure the snapshot names (None: not in the hub's catalogue),
    # the channel, and the deadline before any apology (judged against, Decree 61).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    channel: Mapped[str | None] = mapped_column(String(20))
    original_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(viewonly=True)
    procedure: Mapped[Procedure | None] = relationship(viewonly=True)

    events: Mapped[list[HubDossierEvent]] = relationship(
        back_populates="dossier", order_by="HubDossierEvent.sequence",
        cascade="all, delete-orphan", passive_deletes=True,
    )


class HubDossierEvent(Base):
    """One event of a hub dossier (a replica: repaired, unlike the node's append-only log)."""

    __tablename__ = "hub_dossier_events"
    __table_args__ = (UniqueConstraint("dossier_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("hub_dossiers.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(160))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    unit_code: Mapped[str | None] = mapped_column(String(40))  # who held it afterwards
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)

    dossier: Mapped[HubDossier] = relationship(back_populates="events")


class SyncRefusalTally(Base):
    """Refused requests no registered node can be held to (unsigned, unknown node, bad
    signature): counted apart, since anyone can claim any node's name in a header."""

    __tablename__ = "sync_refusal_tallies"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_claimed_node: Mapped[str | None] = mapped_column(String(NODE_ID_LENGTH))
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncHandoff(Base):
    """A dossier transferred to a unit of another node: the hub hands it over once."""

    __tablename__ = "sync_handoffs"
    __table_args__ = (UniqueConstraint("dossier_code", "event_sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(60))
    event_sequence: Mapped[int] = mapped_column(Integer)
    from_node: Mapped[str] = mapped_column(String(NODE_ID_LENGTH))
    to_node: Mapped[str] = mapped_column(String(NODE_ID_LENGTH), index=True)
    to_unit: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The full dossier (applicant contact, specialist data) the receiving node needs;
    # cleared once delivered, so the hub keeps no private data longer than the hand-over.
    package: Mapped[dict | None] = mapped_column(JSONType)
