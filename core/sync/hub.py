"""The hub: node registration, batch ingest, and the signed queries nodes make.

Ingest order of checks (the first failure answers, and nothing of the batch is applied):
known node (401) → signature over the exact body (401) → JSON (400) → schema (422) →
node in the body matches the header (400) → sequence: already applied (same digest:
the same answer again; other content: 409), or not the next one (409, gap) → the
sender's fencing token is not lower than one the node's applied batches carried (409:
a worker that lost its lock) → no instant
of the batch lies further ahead of the hub's clock than the tolerance (422) → every entry
concerns a unit or dossier the node owns (403) → apply, all in one transaction.

Contact: only a fresh signed request shows the node alive (``last_contact_at``): a signed
query whose ``at`` is within the tolerance, or a batch sealed within it. A batch replayed
later is still answered (as a duplicate) but says nothing about the node being up.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from motcua.core import json_limits
from motcua.core.config import Settings
from motcua.core.db import begin_write
from motcua.core.errors import Conflict, MotcuaError, NotFound, ValidationError
from motcua.core.models import (
    SyncAppliedBatch,
    SyncHandoff,
    SyncNode,
    SyncNodeUnit,
    SyncRefusalTally,
    Unit,
)
from motcua.core.sync import signing
from motcua.core.sync.apply import apply_entries
from motcua.core.sync.protocol import parse_instant, past_instants, validate_batch
from motcua.core.timeutil import now

LOCAL_NODE = "local"  # the standalone deployment's own node


class SignatureRefused(MotcuaError):
    """Unknown node, or a signature that does not match the body (401).

    ``kind`` names the reason for the hub's tally of refusals no node can be held to.
    """

    status_code = 401

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class SequenceGap(Conflict):
    """The batch is not the next one of its node (409); says which one is expected."""

    def __init__(self, message: str, expected: int) -> None:
        super().__init__(message, field="sequence")
        self.expected = expected


class ClockAhead(ValidationError):
    """A batch holds an instant further ahead of the hub's clock than the tolerance (422):
    the node's clock runs ahead, and what it stamped would sort after later events."""

    status_code = 422


class StaleSender(Conflict):
    """A new batch carries a lower fencing token than one the hub has applied from its
    node (409): it comes from a worker that lost the sender lock; says the hub's token."""

    def __init__(self, message: str, token: int) -> None:
        super().__init__(message, field="sender")
        self.token = token


def refusal_body(error: MotcuaError) -> dict:
    """The answer to a refused request: the message, the field, and what the node needs
    to recover by itself (the batch expected next, the fencing token to go beyond)."""
    body = {"error": error.message}
    if error.field:
        body["field"] = error.field
    if isinstance(error, SequenceGap):
        body["expected_sequence"] = error.expected
    if isinstance(error, StaleSender):
        body["sender_token"] = error.token
    return body


def clock_tolerance() -> timedelta:
    """How far a node's clock may be from the hub's (``MOTCUA_SYNC_CLOCK_TOLERANCE``): the
    one rule for signed queries, the instants of a batch and what counts as contact."""
    if has_app_context():
        return timedelta(seconds=current_app.config["MOTCUA"].sync_clock_tolerance)
    return timedelta(seconds=Settings.sync_clock_tolerance)


def check_clock(body: dict, moment) -> None:  # noqa: ANN001 - a datetime
    """:class:`ClockAhead` if an instant of the validated batch ``body`` lies further
    ahead of ``moment`` than the tolerance (only the future: a backlog is old by nature)."""
    tolerance = clock_tolerance()
    for path, value in past_instants(body):
        instant = parse_instant(value, path, nullable=True)
        if instant is not None and instant - moment > tolerance:
            ahead = int((instant - moment).total_seconds())
            raise ClockAhead(
                f"{path} is {ahead} s ahead of the hub's clock (tolerance "
                f"{int(tolerance.total_seconds())} s): check the node's clock; nothing was "
                "applied.", field=path)


def sealed_recently(body: dict, moment) -> bool:  # noqa: ANN001 - a datetime
    """True if the batch was sealed within the tolerance of ``moment``: only then does
    receiving it show the node alive (an old batch may be a replay by anyone)."""
    sealed = parse_instant(body.get("sealed_at"), "sealed_at", nullable=True)
    return sealed is not None and abs(moment - sealed) <= clock_tolerance()


def register_node(session: Session, node_id: str, unit_codes: list[str]) -> str:
    """Register ``node_id`` owning ``unit_codes``; returns its new private key (shown once).

    Registering an existing node again replaces its key and its units (key rotation).
    """
    node_id = node_id.strip()
    if not node_id or len(node_id) > 64 or not all(c.isalnum() or c in "-_." for c in node_id):
        raise ValidationError("A node id is 1-64 letters, digits, '-', '_' or '.'.",
                              field="node_id")
    if node_id == LOCAL_NODE:
        raise ValidationError(f"{LOCAL_NODE!r} is reserved for the standalone deployment.",
                              field="node_id")
    codes = sorted({code.strip().upper() for code in unit_codes if code.strip()})
    if not codes:
        raise ValidationError("Give at least one unit code (--units).", field="units")
    begin_write(session)
    known = set(session.scalars(select(Unit.code).where(Unit.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise NotFound(f"No unit with code {', '.join(unknown)} on this hub.", field="units")
    taken = session.execute(select(SyncNodeUnit.unit_code, SyncNodeUnit.node_id).where(
        SyncNodeUnit.unit_code.in_(codes), SyncNodeUnit.node_id != node_id)).all()
    if taken:
        raise Conflict("; ".join(f"unit {code} already belongs to node {owner}"
                                 for code, owner in taken) + ".", field="units")
    private, public = signing.generate_keypair()
    node = session.get(SyncNode, node_id)
    if node is None:
        node = SyncNode(node_id=node_id, registered_at=now(), divergences=[])
        session.add(node)
    node.public_key, node.active = public, True
    node.units = [SyncNodeUnit(unit_code=code) for code in codes]
    session.flush()
    return private


def local_node(session: Session) -> SyncNode:
    """The standalone deployment's own node (owns every unit), created on first use."""
    node = session.get(SyncNode, LOCAL_NODE)
    if node is None:
        begin_write(session)
        node = session.get(SyncNode, LOCAL_NODE)
        if node is None:
            node = SyncNode(node_id=LOCAL_NODE, local=True, registered_at=now(), divergences=[])
            session.add(node)
            session.flush()
    return node


def authenticate(session: Session, node_id: str | None, signature: str | None,
                 raw: bytes) -> SyncNode:
    """The node whose key signed ``raw``; :class:`SignatureRefused` otherwise."""
    if not node_id or not signature:
        raise SignatureRefused("Sign the request: headers X-Motcua-Node and "
                               "X-Motcua-Signature are required.", "unsigned")
    node = session.get(SyncNode, node_id)
    if node is None or not node.active or not node.public_key:
        raise SignatureRefused(f"Unknown or inactive node {node_id[:64]!r}.", "unknown_node")
    if not signing.verify(node.public_key, raw, signature):
        raise SignatureRefused(f"The signature does not match the body for node {node_id}; "
                               "nothing was applied.", "bad_signature")
    return node


def decode(raw: bytes) -> object:
    """The JSON in ``raw``; :class:`ValidationError` (400) if it is not JSON."""
    try:
        return json_limits.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationError(f"The body is not UTF-8 JSON: {error}.") from None


def ingest(session: Session, node_id: str | None, signature: str | None, raw: bytes, *,
           keep_figures: bool = False) -> dict:
    """Verify and apply one pushed batch; the caller commits. Returns the answer body.
    ``keep_figures``: the report figures follow the read model (a hub's reports count
    the nodes' dossiers; a standalone deployment's count its own)."""
    node = authenticate(session, node_id, signature, raw)
    body = validate_batch(decode(raw))
    if body["node"] != node.node_id:
        raise ValidationError(f"The batch says node {body['node'][:64]!r} but was signed by "
                              f"{node.node_id}.", field="node")
    return apply_batch(session, node, body, hashlib.sha256(raw).hexdigest(),
                       keep_figures=keep_figures)


def apply_batch(session: Session, node: SyncNode, body: dict, body_sha256: str, *,
                keep_figures: bool = False) -> dict:
    """Apply a verified batch for ``node`` exactly once and in sequence order (see
    :func:`ingest` for ``keep_figures``)."""
    begin_write(session)
    # Serialise batches of one node (PostgreSQL row lock; SQLite holds the write lock).
    session.refresh(node, with_for_update=True)
    sequence = body["sequence"]
    moment = now()
    if sealed_recently(body, moment):
        node.last_contact_at = moment
    if sequence <= node.last_sequence:
        applied = session.get(SyncAppliedBatch, (node.node_id, sequence))
        if applied is not None and applied.body_sha256 == body_sha256:
            node.duplicates += 1
            return {**applied.response, "status": "duplicate"}
        raise Conflict(f"Batch {sequence} of node {node.node_id} was already applied with "
                       "different content; nothing was applied.", field="sequence")
    if sequence != node.last_sequence + 1:
        raise SequenceGap(f"Batch {sequence} of node {node.node_id} arrived before batch "
                          f"{node.last_sequence + 1}; nothing was applied.",
                          node.last_sequence + 1)
    sender = body.get("sender", 0)
    if sender < node.sender_token:
        raise StaleSender(f"Batch {sequence} of node {node.node_id} comes from sender "
                          f"{sender}, but sender {node.sender_token} has taken over; "
                          "nothing was applied.", node.sender_token)
    check_clock(body, moment)
    applied = apply_entries(session, node, body["entries"], keep_figures=keep_figures)
    response = {"status": "applied", "node": node.node_id, "sequence": sequence,
                "applied": len(body["entries"]) - len(applied.ignored),
                "handoffs": applied.handoffs}
    if applied.ignored:
        response["ignored"] = applied.ignored
    session.add(SyncAppliedBatch(node_id=node.node_id, sequence=sequence,
                                 body_sha256=body_sha256, entry_count=len(body["entries"]),
                                 applied_at=moment, response=response))
    node.last_sequence = sequence
    node.sender_token = sender
    node.last_batch_at = moment
    node.applied_batches += 1
    node.applied_entries += len(body["entries"])
    node.backlog = body.get("backlog", 0)
    node.oldest_pending_at = parse_instant(body.get("oldest_pending_at"), "oldest_pending_at",
                                           nullable=True)
    if body["entries"]:
        node.last_entry_at = max(parse_instant(e["created_at"], "created_at")
                                 if e.get("created_at") else moment for e in body["entries"])
    node.last_error = None
    return response


def record_refusal(session: Session, node_id: str, message: str) -> None:
    """Count a refused request against its node (for the ICT page); the caller commits.

    Only for a request the node signed: an unsigned or forged one goes to
    :func:`record_unattributed`, or anyone could fill another node's error record.
    """
    node = session.get(SyncNode, node_id)
    if node is None:
        return
    begin_write(session)
    node.refusals += 1
    node.last_error = message[:2000]
    node.last_error_at = now()


def signed_query(session: Session, node_id: str | None, signature: str | None,
                 raw: bytes) -> tuple[SyncNode, dict]:
    """A signed read request: the node, and the body (which must carry a fresh ``at``)."""
    node = authenticate(session, node_id, signature, raw)
    body = decode(raw)
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object.")
    at = parse_instant(body.get("at"), "at")
    if abs(now() - at) > clock_tolerance():
        raise SignatureRefused("The request is too old or from the future (field 'at'); "
                               "check the node's clock.", "stale_query")
    node.last_contact_at = now()
    return node, body


def hello(session: Session, node: SyncNode) -> dict:
    """What a node needs to resume: its units, the last batch the hub applied and the
    highest code sequence per unit and day it holds (a restored node moves past them)."""
    from motcua.core.sync.restore import hub_code_counters

    return {"node": node.node_id, "units": [u.unit_code for u in node.units],
            "last_sequence": node.last_sequence,
            "code_counters": hub_code_counters(session, node)}


def inbox(session: Session, node: SyncNode, limit: int = 100) -> list[dict]:
    """Dossiers handed over to ``node`` and not yet acknowledged, oldest first."""
    rows = session.scalars(
        select(SyncHandoff).where(SyncHandoff.to_node == node.node_id,
                                  SyncHandoff.delivered_at.is_(None))
        .order_by(SyncHandoff.id).limit(limit))
    return [{"id": h.id, "dossier": h.dossier_code, "event_sequence": h.event_sequence,
             "from_node": h.from_node, "to_unit": h.to_unit, "package": h.package or {}}
            for h in rows]


def acknowledge_handoffs(session: Session, node: SyncNode, ids: list[int]) -> int:
    """Mark hand-overs delivered and drop their private package; returns how many."""
    begin_write(session)
    rows = session.scalars(select(SyncHandoff).where(
        SyncHandoff.id.in_(ids), SyncHandoff.to_node == node.node_id,
        SyncHandoff.delivered_at.is_(None))).all()
    for handoff in rows:
        handoff.delivered_at = now()
        handoff.package = None
    return len(rows)


def record_unattributed(session: Session, kind: str, claimed_node: str | None,
                        message: str) -> None:
    """Count a refusal no node can be held to (``kind``: unsigned, unknown_node,
    bad_signature, stale_query), with the node it claimed; the caller commits."""
    begin_write(session)
    moment = now()
    values = {"last_at": moment, "last_claimed_node": (claimed_node or "")[:64] or None,
              "last_error": message[:2000]}
    dialect = session.get_bind().dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(SyncRefusalTally)
    session.execute(statement.values(kind=kind, count=1, **values).on_conflict_do_update(
        index_elements=["kind"], set_={"count": SyncRefusalTally.count + 1, **values}))


def refusal_tallies(session: Session) -> list[SyncRefusalTally]:
    """The hub's tallies of unattributable refusals, by kind."""
    return list(session.scalars(select(SyncRefusalTally).order_by(SyncRefusalTally.kind)))
