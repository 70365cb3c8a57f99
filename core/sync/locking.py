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
"""

from __future__ import annotations

import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, select, text, update

from motcua.core.db import Database
from motcua.core.models import SyncNodeState
from motcua.core.timeutil import now

LEASE = timedelta(seconds=90)  # longer than one HTTP call's timeouts


def _lock_key(node_id: str) -> int:
    return zlib.crc32(f"motcua.sync:{node_id}".encode()) & 0x7FFFFFFF


@contextmanager
def sender_lock(database: Database, node_id: str, worker_id: str) -> Iterator[bool]:
    """Yield True if this worker is the node's sender for the block, False if another is."""
    if database.engine.dialect.name == "postgresql":
        connection = database.engine.connect()
        try:
            held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": _lock_key(node_id)}))
            connection.commit()
            try:
                yield held
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                       {"key": _lock_key(node_id)})
                    connection.commit()
        finally:
            connection.close()
        return
    held = take_lease(database, node_id, worker_id)
    try:
        yield held
    finally:
        if held:
            with database.write_session() as session:
                session.execute(update(SyncNodeState).where(
                    SyncNodeState.node_id == node_id,
                    SyncNodeState.lease_owner == worker_name(worker_id),
                ).values(lease_owner=None, lease_until=None))


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


def renew(database: Database, node_id: str, worker_id: str) -> bool:
    """Keep the lease during a long round (no-op on PostgreSQL)."""
    if database.engine.dialect.name == "postgresql":
        return True
    return take_lease(database, node_id, worker_id)
