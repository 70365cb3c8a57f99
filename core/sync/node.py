"""The node's sync worker: seal the outbox into signed batches and push them in order.

A round: take the sender lock (:mod:`.locking`); push the batches already sealed and not
yet acknowledged, oldest first; then seal the next outbox rows into a new batch and push
it, until the outbox is empty, the round's time is up (:data:`ROUND_SECONDS`) or the
worker is asked to stop. Bounding the round keeps a steadily fed outbox from holding the
worker in one round: between rounds it reads its inbox and looks at SIGTERM. Sealing is
one transaction: the batch row (body, signature, sequence) is written and its outbox rows
are marked ``sent_at`` together, so a worker killed at any point leaves either an unsealed
row or a sealed batch that the next round re-sends byte for byte; the hub answers a
re-sent batch it already applied as a duplicate.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select, update

from motcua.core.config import Settings
from motcua.core.db import Database
from motcua.core.errors import ConfigurationError
from motcua.core.models import Dossier, OutboxEntry, SyncBatch, SyncNodeState, SyncOwnership
from motcua.core.sync import contributions, deadletters, signing
from motcua.core.sync.entries import build_entries
from motcua.core.sync.hub import LOCAL_NODE
from motcua.core.sync.locking import ensure_state, renew, sender_lock
from motcua.core.sync.protocol import BACKLOG_COUNT_CAP, PROTOCOL_VERSION, TOPICS
from motcua.core.sync.restore import after_hello, restore_hold, restore_hold_message
from motcua.core.sync.transport import HttpHub, HubRefused, LocalHub, TransportError
from motcua.core.timeutil import now

log = logging.getLogger(__name__)
BACKOFF_BASE = 0.5  # seconds; doubled per consecutive failure
BACKOFF_MAX = 60.0
# The longest a round of the long-lived worker goes on sending (seconds); it then reads
# the inbox and starts the next round at once if more waits.
ROUND_SECONDS = 5.0
# An outbox row's last_error when it was not sent: its dossier belongs to another node now.
NOT_SENT_HANDED_OVER = "not sent: the dossier was handed over to node"


@dataclass
class Node:
    """What a worker needs: the database, who it is, where the hub is, how to sign."""

    database: Database
    node_id: str
    transport: HttpHub | LocalHub
    key: object | None  # Ed25519PrivateKey; None for the standalone local hub
    batch_size: int = 1000
    # The node's application, whose plugins complete the entries (public fields, sync
    # payloads); None: the application current where the worker runs (run_round hands
    # it to its sealer thread), see plugin_context.
    app: Flask | None = None


@dataclass
class RoundResult:
    """What one round did."""

    held_lock: bool = True
    batches: int = 0
    entries: int = 0
    duplicates: int = 0
    handoffs: list[dict] = field(default_factory=list)
    error: str | None = None
    refused: bool = False  # the hub answered 4xx: waiting for a person, not the network
    cut_short: bool = False  # time was up or a stop was asked with more still waiting
    token: int | None = None  # the round's fencing token (see .locking)


def node_from_settings(settings: Settings, database: Database, app: Flask | None = None
                       ) -> Node:
    """The worker's :class:`Node` for this deployment's role (standalone or node);
    ``app`` defaults to the current application (see :func:`plugin_context`)."""
    if settings.role == "hub":
        raise ConfigurationError("A hub has no sync worker; run 'motcua sync run' on nodes.")
    if app is None and has_app_context() and current_app.config["MOTCUA"] is settings:
        app = current_app._get_current_object()  # noqa: SLF001 - kept beyond the context
    if settings.role == "standalone":
        return Node(database, LOCAL_NODE, LocalHub(database), None, settings.sync_batch_size,
                    app)
    missing = [name for name, value in (("MOTCUA_SYNC_NODE_ID", settings.sync_node_id),
                                        ("MOTCUA_SYNC_HUB_URL", settings.sync_hub_url),
                                        ("MOTCUA_SYNC_KEY", settings.sync_key)) if not value]
    if missing:
        raise ConfigurationError(f"A node needs {', '.join(missing)} (see docs/sync.md).")
    return Node(database, settings.sync_node_id,
                HttpHub(settings.sync_hub_url, settings.sync_node_id, settings.sync_key),
                signing.load_private_key(settings.sync_key), settings.sync_batch_size, app)


@contextmanager
def plugin_context(node: Node) -> Iterator[None]:
    """The node's application context, where its plugins can be asked (public fields and
    sync payloads read the current application's plugin manager).

    Pushed only where it is not already current: the sealer thread of :func:`run_round`
    and the standalone worker's thread start without one. Enter it outside any write
    transaction: plugin failures are written when it ends, in a transaction of their own.

    A worker that knows no application, working where none is current, seals entries
    without the plugins' data (the hub's copy then differs until reconciliation repairs
    it from a worker that has the application): said in the log each time.
    """
    if node.app is None:
        if not has_app_context() and contributions.registered():
            log.warning("node %s: sealing without the node's application: the plugins' "
                        "sync data are left out of these entries", node.node_id)
        yield
        return
    if has_app_context() and current_app._get_current_object() is node.app:  # noqa: SLF001
        yield
        return
    with node.app.app_context():
        yield


def _skip_handed_over(session, rows: list, moment) -> list:  # noqa: ANN001
    """Drop ``rows`` of dossiers this node has handed over to another node.

    Once the hub moved a dossier to another node, this node may no longer push it: the
    hub would refuse the whole batch. Such rows (a late local write, a job's event) are
    marked done without being sent, with the reason kept in ``last_error``.
    """
    ids = [row.id for row in rows if row.dossier_id]
    handed_any = session.scalar(select(SyncOwnership.dossier_code)
                                .where(SyncOwnership.owned.is_(False)).limit(1))
    if not ids or handed_any is None:  # the usual case: one small lookup, no join
        return rows
    given_away = dict(session.execute(
        select(OutboxEntry.id, SyncOwnership.peer_node)
        .join(Dossier, Dossier.id == OutboxEntry.dossier_id)
        .join(SyncOwnership, SyncOwnership.dossier_code == Dossier.code)
        .where(OutboxEntry.id.in_(ids), SyncOwnership.owned.is_(False))).all())
    if not given_away:
        return rows
    for outbox_id, peer in given_away.items():
        session.execute(update(OutboxEntry).where(OutboxEntry.id == outbox_id).values(
            sent_at=moment, last_error=f"{NOT_SENT_HANDED_OVER} {peer or '?'}"))
    log.warning("node: %d outbox rows of handed-over dossiers not sent", len(given_away))
    return [row for row in rows if row.id not in given_away]


def seal(node: Node, token: int | None = None) -> SyncBatch | None:
    """Seal the next outbox rows into a signed batch (one transaction); None if none wait,
    or if ``token`` (the worker's fencing token, see :mod:`.locking`) is no longer the
    node's current one: another worker is the sender now."""
    ensure_state(node.database, node.node_id)
    with plugin_context(node), node.database.write_session() as session:
        moment = now()
        # The state row is locked before the rows are chosen: two sealers never choose the
        # same rows (the second one, once let in, sees them sent or a newer token).
        state = session.get(SyncNodeState, node.node_id, with_for_update=True)
        if token is not None and state.sender_token != token:
            log.warning("node %s: fencing token %s replaced by %s; not sealing",
                        node.node_id, token, state.sender_token)
            return None
        while True:
            # Plain rows, not ORM objects: sealing is the node's hot path.
            selected = session.execute(
                select(OutboxEntry.id, OutboxEntry.topic, OutboxEntry.created_at,
                       OutboxEntry.payload, OutboxEntry.event_id, OutboxEntry.dossier_id)
                .where(OutboxEntry.sent_at.is_(None), OutboxEntry.topic.in_(TOPICS))
                .order_by(OutboxEntry.id).limit(node.batch_size)).all()
            if not selected:
                return None
            rows = _skip_handed_over(session, selected, moment)
            if rows:
                break
        sequence = state.last_sequence + 1
        waiting = (select(OutboxEntry.created_at)
                   .where(OutboxEntry.sent_at.is_(None), OutboxEntry.topic.in_(TOPICS),
                          OutboxEntry.id > rows[-1].id).order_by(OutboxEntry.id))
        # Counted up to a cap: an exact count of a huge backlog per batch costs more than
        # the batch; the ICT page needs the order of magnitude.
        backlog = session.scalar(select(func.count()).select_from(
            waiting.limit(BACKLOG_COUNT_CAP).subquery()))
        oldest = session.scalar(waiting.limit(1))
        body = {
            "protocol": PROTOCOL_VERSION, "node": node.node_id, "sequence": sequence,
            "sender": state.sender_token, "sealed_at": moment.isoformat(), "backlog": backlog,
            "oldest_pending_at": oldest.isoformat() if oldest else None,
            "entries": build_entries(session, rows),
        }
        raw = signing.canonical_json(body)
        batch = SyncBatch(
            node_id=node.node_id, sequence=sequence, created_at=moment,
            first_outbox_id=rows[0].id, last_outbox_id=rows[-1].id, entry_count=len(rows),
            body=raw.decode("utf-8"),
            signature=signing.sign(node.key, raw) if node.key is not None else "",
        )
        session.add(batch)
        state.last_sequence = sequence
        session.execute(update(OutboxEntry).where(OutboxEntry.id.in_([r.id for r in rows]))
                        .values(sent_at=moment))
        return batch


def _unacked(node: Node) -> list[SyncBatch]:
    with node.database.session_factory() as session:
        return list(session.scalars(
            select(SyncBatch).where(SyncBatch.node_id == node.node_id,
                                    SyncBatch.acked_at.is_(None))
            .order_by(SyncBatch.sequence)))


def _record_ack(node: Node, batch: SyncBatch, answer: dict) -> None:
    moment = now()
    with node.database.write_session() as session:
        session.execute(update(SyncBatch).where(SyncBatch.id == batch.id).values(
            acked_at=moment, attempts=SyncBatch.attempts + 1, last_error=None))
        state = session.get(SyncNodeState, node.node_id)
        state.acked_sequence = max(state.acked_sequence, batch.sequence)
        state.last_contact_at = state.last_ack_at = state.last_attempt_at = moment
        state.failures, state.last_error = 0, None
        for handoff in answer.get("handoffs") or []:
            if handoff.get("to_node") == node.node_id:
                continue
            mark = session.get(SyncOwnership, handoff["dossier"]) or SyncOwnership(
                dossier_code=handoff["dossier"])
            mark.owned, mark.peer_node = False, handoff["to_node"]
            mark.handoff_id, mark.changed_at = handoff["id"], moment
            session.add(mark)


def _record_failure(node: Node, batch: SyncBatch | None, message: str, *,
                    contact: bool) -> None:
    moment = now()
    with node.database.write_session() as session:
        if batch is not None:
            session.execute(update(SyncBatch).where(SyncBatch.id == batch.id).values(
                attempts=SyncBatch.attempts + 1, last_error=message[:2000]))
        state = session.get(SyncNodeState, node.node_id)
        state.failures += 1
        state.last_error, state.last_error_at, state.last_attempt_at = (
            message[:2000], moment, moment)
        if contact:
            state.last_contact_at = moment


def _rewind(node: Node, expected: int) -> bool:
    """The hub expects an older batch (it was restored from a backup): send again from it."""
    with node.database.write_session() as session:
        have = session.scalar(select(func.count()).select_from(SyncBatch).where(
            SyncBatch.node_id == node.node_id, SyncBatch.sequence == expected))
        if not have:
            return False
        session.execute(update(SyncBatch).where(
            SyncBatch.node_id == node.node_id, SyncBatch.sequence >= expected
        ).values(acked_at=None))
        return True


def _fast_forward(node: Node, batch: SyncBatch) -> bool:
    """The hub already applied other batches under our numbers (this node's database was
    restored from an older backup): number the waiting batches after the hub's last one
    and sign them again. What the lost batches carried is still at the hub; what the
    restored database lacks, reconciliation shows."""
    last = node.transport.query("hello").get("last_sequence")
    if not isinstance(last, int) or last < batch.sequence:
        return False
    with node.database.write_session() as session:
        waiting = list(session.scalars(select(SyncBatch).where(
            SyncBatch.node_id == node.node_id, SyncBatch.acked_at.is_(None))
            .order_by(SyncBatch.sequence)))
        _resign(node, session, waiting,
                lambda body, index: body.update(sequence=last + 1 + index))
        state = session.get(SyncNodeState, node.node_id)
        state.last_sequence = last + len(waiting)
    log.warning("node %s: batches renumbered after the hub's batch %s", node.node_id, last)
    return True


def _resign(node: Node, session, rows: list[SyncBatch], change) -> None:  # noqa: ANN001
    """Change the bodies of the waiting ``rows`` (``change(body, index)``) and sign them
    again; highest first, so a new number never meets a batch still holding it."""
    for index, row in reversed(list(enumerate(rows))):
        body = json.loads(row.body)
        change(body, index)
        raw = signing.canonical_json(body)
        row.sequence, row.body = body["sequence"], raw.decode("utf-8")
        row.signature = signing.sign(node.key, raw) if node.key is not None else ""
        session.flush()


def _refence(node: Node, token: int | None, hub_token: int) -> bool:
    """The hub has applied batches of this node with a higher fencing token than the
    waiting ones carry (this node's database was restored from an older backup). If this
    worker is still the sender, the node's token goes up to the hub's and the waiting
    batches are signed again with it; a worker left behind by that ends its round."""
    with node.database.write_session() as session:
        state = session.get(SyncNodeState, node.node_id, with_for_update=True)
        if token is None or state.sender_token != token:
            return False  # not the sender any more: nothing of ours to fix
        state.sender_token = fenced = max(token, hub_token)
        waiting = list(session.scalars(select(SyncBatch).where(
            SyncBatch.node_id == node.node_id, SyncBatch.acked_at.is_(None))
            .order_by(SyncBatch.sequence)))
        _resign(node, session, waiting, lambda body, _index: body.update(sender=fenced))
    log.warning("node %s: fencing token raised to the hub's %s", node.node_id, fenced)
    return True


def _push(node: Node, batch: SyncBatch, result: RoundResult) -> bool:
    """Push one batch; True if the hub has it now (applied or duplicate)."""
    try:
        answer = node.transport.push(batch)
    except TransportError as error:
        result.error = str(error)
        _record_failure(node, batch, result.error, contact=False)
        return False
    except HubRefused as error:
        expected = error.body.get("expected_sequence")
        if error.status == 409 and isinstance(expected, int) and expected < batch.sequence \
                and _rewind(node, expected):
            return False
        hub_token = error.body.get("sender_token")
        if error.status == 409 and isinstance(hub_token, int) \
                and _refence(node, result.token, hub_token):
            return False
        if error.status == 409 and expected is None and hub_token is None \
                and _fast_forward(node, batch):
            return False
        # One refused entry must not hold back every later change: set it aside.
        if error.status == 403 and deadletters.set_aside(node, batch, error.body.get("field"),
                                                         f"batch {batch.sequence}: {error}"):
            log.warning("node %s: an entry of batch %s set aside: %s", node.node_id,
                        batch.sequence, error)
            return False
        result.error, result.refused = str(error), True
        _record_failure(node, batch, f"batch {batch.sequence}: {error}", contact=True)
        return False
    _record_ack(node, batch, answer)
    result.batches += 1
    result.entries += batch.entry_count
    result.duplicates += answer.get("status") == "duplicate"
    result.handoffs.extend(answer.get("handoffs") or [])
    return True


def run_round(node: Node, worker_id: str | None = None, max_batches: int | None = None, *,
              until: float | None = None, stop: threading.Event | None = None
              ) -> RoundResult:
    """Deliver everything waiting, in order; stops at the first failure (see result.error),
    and between two batches once ``time.monotonic()`` passes ``until`` or ``stop`` is set
    (``result.cut_short``: more may wait)."""
    worker_id = worker_id or uuid.uuid4().hex
    if node.app is None and has_app_context():
        # The sealer thread below has no application context of its own: it is given
        # this one, or it would seal without the plugins' data.
        node = replace(node, app=current_app._get_current_object())  # noqa: SLF001

    def over() -> bool:
        result.cut_short = ((until is not None and time.monotonic() >= until)
                            or (stop is not None and stop.is_set()))
        return result.cut_short
    ensure_state(node.database, node.node_id)
    result = RoundResult()
    hold = _held_after_restore(node)
    if hold:
        result.error, result.refused = hold, True
        return result
    with sender_lock(node.database, node.node_id, worker_id) as token:
        if token is None:
            result.held_lock = False
            return result
        result.token = token
        # While one batch is on the wire the next is sealed (a database job), so the
        # node's work and the hub's overlap; batches still leave strictly in order.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="motcua-seal") as sealer:
            while max_batches is None or result.batches < max_batches:
                pending = _unacked(node)
                if not pending:
                    sealed = seal(node, token)
                    if sealed is None:
                        break
                    pending = [sealed]
                ahead = sealer.submit(seal, node, token)
                for batch in pending:
                    if over() or not _push(node, batch, result):
                        ahead.result()  # sealed batches wait for the next round
                        if result.error or result.cut_short:
                            return result
                        break  # rewound: start again from the batch the hub expects
                else:
                    ahead.result()
                if over():
                    break
                if not renew(node.database, node.node_id, worker_id, token):
                    # The lease or the token was lost (stalled too long, the lock's
                    # connection dropped): the new holder goes on.
                    result.cut_short = True
                    break
    return result


def greet(node: Node) -> dict:
    """Ask the hub who this node is (units, last applied batch) and remember the units;
    move the code counters past the hub's (see :mod:`.restore`)."""
    answer = node.transport.query("hello")
    ensure_state(node.database, node.node_id)
    with node.database.write_session() as session:
        state = session.get(SyncNodeState, node.node_id)
        state.units = list(answer.get("units") or [])
        state.last_contact_at = now()
        after_hello(session, node.node_id, answer)
    return answer


def backoff_delay(failures: int) -> float:
    """Exponential back-off with jitter: 0.5 s, 1 s, 2 s ... up to a minute."""
    delay = min(BACKOFF_MAX, BACKOFF_BASE * (2 ** max(0, failures - 1)))
    return delay * random.uniform(0.8, 1.2)


def drain(node: Node, *, deadline: float | None = None, sleep=time.sleep) -> RoundResult:  # noqa: ANN001
    """Rounds with back-off until everything is delivered, a refusal, or ``deadline``
    (``time.monotonic()`` value) passes. Returns the totals."""
    total = RoundResult()
    failures = 0
    while True:
        result = run_round(node)
        total.batches += result.batches
        total.entries += result.entries
        total.duplicates += result.duplicates
        total.handoffs.extend(result.handoffs)
        total.error, total.refused = result.error, result.refused
        if not result.held_lock:
            total.error = "another worker is sending for this node right now"
            return total
        if result.error is None:
            if result.cut_short and (deadline is None or time.monotonic() < deadline):
                continue  # the lock changed hands mid-round: the next round tells
            return total
        if result.refused:
            return total
        failures += 1
        delay = backoff_delay(failures)
        if deadline is not None and time.monotonic() + delay > deadline:
            return total
        sleep(delay)


def run_forever(node: Node, stop: threading.Event, *, idle: float = 1.0,
                on_round=None, round_seconds: float = ROUND_SECONDS) -> None:  # noqa: ANN001
    """The long-lived worker: rounds of at most ``round_seconds``, each followed by
    ``on_round`` (the inbox); waits ``idle`` seconds when all is sent (or backs off on
    errors). Returns between two batches once ``stop`` is set."""
    worker_id = uuid.uuid4().hex
    failures = 0
    while not stop.is_set():
        try:
            result = run_round(node, worker_id, until=time.monotonic() + round_seconds,
                               stop=stop)
        except Exception:  # noqa: BLE001 - a worker must outlive a bad round (DB restart ...)
            log.exception("sync round failed")
            result = RoundResult(error="internal error; see the log")
        if on_round is not None:
            on_round(result)
        if result.error:
            failures += 1
            stop.wait(backoff_delay(failures) * (4 if result.refused else 1))
        else:
            failures = 0
            if not result.cut_short:
                stop.wait(idle)


def _held_after_restore(node: Node) -> str | None:
    """A restored database sends nothing until the hub has been asked (a hello may lift
    the hold at once; see :mod:`.restore`)."""
    with node.database.session_factory() as session:
        if restore_hold(session) is None:
            return None
    try:
        greet(node)
    except (TransportError, HubRefused) as error:
        return f"{restore_hold_message()} ({error})"
    with node.database.session_factory() as session:
        return restore_hold(session)
