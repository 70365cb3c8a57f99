"""One active sender per node: batches of a node must leave in order, so workers take turns.

PostgreSQL: a session-level advisory lock taken with ``pg_try_advisory_lock`` on a
connection the worker keeps for its round. Other workers do not wait, they skip (the
``SKIP LOCKED`` behaviour) and stand by; the server releases the lock the moment the
holder's connection ends, even when the worker is killed with SIGKILL. A row lock would
do the same, but the worker itself must update that row from another transaction.

SQLite (one machine): a lease in ``sync_node_state`` (owner, expiry) taken with one
conditional UPDATE. The owner names its host and process id, so a worker killed with
SIGKILL does not block the node until its lease expires: on the same host, a lease whose
process no longer exists is taken over at once.

A lock can be lost without its holder noticing: the connection holding the advisory lock
is dropped (a database restart, ``pg_terminate_backend``), or a lease expires while its
worker stalls. So each worker that takes the lock also raises the node's fencing token
(``sync_node_state.sender_token``) and keeps its own: sealing checks it under the state
row's lock, and the batch carries it, so the hub refuses a new batch whose token is lower
than one it has applied. A worker whose token is no longer current stops its round.
"""

from __future__ import annotations

import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from motcua.core.db import Database
from motcua.core.models import SyncNodeState
from motcua.core.timeutil import now

LEASE = timedelta(seconds=90)  # longer than one HTTP call's timeouts


def _lock_key(node_id: str) -> int:
    return zlib.crc32(f"motcua.sync:{node_id}".encode()) & 0x7FFFFFFF


def ensure_state(database: Database, node_id: str) -> None:
    """Create this node's ``sync_node_state`` row if it does not exist yet."""
    with database.write_session() as session:
        dialect = session.get_bind().dialect.name
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(SyncNodeState)
        session.execute(statement.values(
            node_id=node_id, last_sequence=0, acked_sequence=0, units=[], failures=0,
            divergences=[]).on_conflict_do_nothing(index_elements=["node_id"]))


@contextmanager
def sender_lock(database: Database, node_id: str, worker_id: str) -> Iterator[int | None]:
    """Yield this worker's fencing token if it is the node's sender for the block, None
    if another worker is."""
    ensure_state(database, node_id)  # the token's row
    if database.engine.dialect.name == "postgresql":
        connection = database.engine.connect()
        try:
            held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": _lock_key(node_id)}))
            connection.commit()
            try:
                yield take_token(database, node_id) if held else None
            finally:
                if held:
                    _unlock(connection, node_id)
        finally:
            connection.close()
        return
    held = take_lease(database, node_id, worker_id)
    try:
        yield take_token(database, node_id) if held else None
    finally:
        if held:
            with database.write_session() as session:
                session.execute(update(SyncNodeState).where(
                    SyncNodeState.node_id == node_id,
                    SyncNodeState.lease_owner == worker_name(worker_id),
                ).values(lease_owner=None, lease_until=None))


def _unlock(connection, node_id: str) -> None:  # noqa: ANN001
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(node_id)})
        connection.commit()
    except DBAPIError:
        pass  # the connection is gone, and the lock went with it


def take_token(database: Database, node_id: str) -> int:
    """Raise the node's fencing token and return it: the new sender's."""
    with database.write_session() as session:
        state = session.get(SyncNodeState, node_id, with_for_update=True)
        state.sender_token += 1
        return state.sender_token


def worker_name(worker_id: str) -> str:
    """The lease owner's name: host, process id and the worker's own id."""
    return f"{socket.gethostname()}:{os.getpid()}:{worker_id}"


def _dead_here(owner: str | None) -> bool:
    """True if ``owner`` ran on this host in a process that no longer exists."""
    try:
        host, pid, _worker = (owner or "").split(":", 2)
        if host != socket.gethostname():
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (ValueError, PermissionError):
        return False
    return False


def take_lease(database: Database, node_id: str, worker_id: str) -> bool:
    """Take or renew the lease (SQLite); True if this worker holds it now."""
    moment = now()
    me = worker_name(worker_id)
    with database.write_session() as session:
        owner = session.scalar(select(SyncNodeState.lease_owner)
                               .where(SyncNodeState.node_id == node_id))
        free = or_(SyncNodeState.lease_owner.is_(None), SyncNodeState.lease_until < moment,
                   SyncNodeState.lease_owner == me)
        if owner and _dead_here(owner):
            free = or_(free, SyncNodeState.lease_owner == owner)
        result = session.execute(update(SyncNodeState).where(
            SyncNodeState.node_id == node_id, free,
        ).values(lease_owner=me, lease_until=moment + LEASE))
        return result.rowcount == 1


def renew(database: Database, node_id: str, worker_id: str, token: int | None = None
          ) -> bool:
    """Keep the lease during a long round (SQLite); False if the lease or the fencing
    ``token`` is no longer this worker's."""
    if database.engine.dialect.name != "postgresql" and not take_lease(
            database, node_id, worker_id):
        return False
    if token is None:
        return True
    with database.session_factory() as session:
        return session.scalar(select(SyncNodeState.sender_token)
                              .where(SyncNodeState.node_id == node_id)) == token
