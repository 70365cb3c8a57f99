"""Appending to the audit hash chain and verifying it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.db import begin_write
from motcua.core.models import Account, AuditEntry, AuditHead
from motcua.core.models.audit import GENESIS_HASH
from motcua.core.timeutil import now

BATCH = 2000


def _plain(detail: dict | None) -> dict:
    """``detail`` as it will read back from the database (JSON round trip)."""
    return json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))


def entry_hash(*, seq: int, at: datetime, actor_id: int | None, actor_name: str | None,
               action: str, target: str | None, detail: dict, ip: str | None,
               prev_hash: str) -> str:
    """SHA-256 (hex) of an entry's canonical content and the previous entry's hash."""
    content = json.dumps(
        [seq, at.astimezone(UTC).isoformat(timespec="microseconds"), actor_id, actor_name,
         action, target, detail, ip, prev_hash],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(seq=entry.seq, at=entry.at, actor_id=entry.actor_id,
                      actor_name=entry.actor_name, action=entry.action, target=entry.target,
                      detail=entry.detail or {}, ip=entry.ip, prev_hash=entry.prev_hash)


def _lock_head(session: Session) -> AuditHead:
    for item in session.dirty | session.new:
        if isinstance(item, AuditHead):
            return item  # advanced earlier in this transaction: locked, and newer than the row
    begin_write(session)  # SQLite: the write lock; PostgreSQL: the row lock below
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                          .execution_options(populate_existing=True))
    if head is None:  # a database created without the migration's head row
        head = AuditHead(id=1, seq=0, hash=GENESIS_HASH)
        session.add(head)
    return head


def append(session: Session, action: str, *, actor: Account | None = None,
           target: str | None = None, detail: dict | None = None, ip: str | None = None,
           at: datetime | None = None, actor_id: int | None = None,
           actor_name: str | None = None) -> AuditEntry:
    """Add one entry at the end of the chain, in the caller's transaction.

    The actor is ``actor``, or ``actor_id``/``actor_name`` where only those are known
    (a dossier event names its officer so).

    The head row stays locked until that transaction ends, so entries of concurrent
    transactions follow each other and never share a predecessor."""
    head = _lock_head(session)
    moment = (at or now()).astimezone(UTC)
    # The database keeps microseconds; the hash must be of what it keeps.
    detail = _plain(detail)
    if actor is not None:
        actor_id, actor_name = actor.id, actor.full_name
    values = {"seq": head.seq + 1, "at": moment, "actor_id": actor_id,
              "actor_name": actor_name, "action": action[:60],
              "target": target[:160] if target else None, "detail": detail,
              "ip": ip[:64] if ip else None, "prev_hash": head.hash}
    entry = AuditEntry(**values, hash=entry_hash(**values))
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    return entry


@dataclass
class VerifyResult:
    """What :func:`verify` found: ``ok``, how many entries it checked, and the first
    problem (its sequence number and what is wrong)."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str | None = None


@contextmanager
def _snapshot(session: Session) -> Iterator[Session]:
    """A session of its own on ``session``'s database that sees one moment throughout.

    The chain is read in batches and its head last; entries committed in between would
    otherwise make an intact chain look cut short. PostgreSQL gets REPEATABLE READ (read
    committed takes a new snapshot per statement); SQLite's deferred transaction keeps the
    snapshot of its first read. The caller's own transaction is left alone."""
    reading = Session(bind=session.get_bind())
    try:
        if reading.get_bind().dialect.name == "postgresql":
            reading.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                  "postgresql_readonly": True})
        yield reading
    finally:
        reading.rollback()
        reading.close()


def verify(session: Session) -> VerifyResult:
    """Recompute the whole chain: an edited entry, a removed one (in the middle or at the
    end) or an inserted one is found, with the first place it shows.

    It reads a consistent snapshot, so appends committed while it runs are simply not
    seen (they are checked next time), never reported as tampering."""
    with _snapshot(session) as reading:
        return _verify(reading)


def _verify(session: Session) -> VerifyResult:
    previous, expected, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.seq >= expected)
                                  .order_by(AuditEntry.seq).limit(BATCH)).all()
        for entry in entries:
            if entry.seq != expected:
                return VerifyResult(False, checked, expected,
                                    f"entry {expected} is missing (removed)")
            if entry.prev_hash != previous:
                return VerifyResult(False, checked, entry.seq,
                                    f"entry {entry.seq} does not follow entry {expected - 1}")
            if _hash_of(entry) != entry.hash:
                return VerifyResult(False, checked, entry.seq,
                                    f"entry {entry.seq} was altered (its hash does not match)")
            previous, expected, last_seq = entry.hash, expected + 1, entry.seq
            checked += 1
        for entry in entries:  # a long chain is read in batches, not held in memory
            session.expunge(entry)
        if len(entries) < BATCH:
            break
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != last_seq or head_hash != previous:
        return VerifyResult(False, checked, last_seq + 1,
                            f"the chain ends at entry {last_seq} but its head says "
                            f"{head_seq}: entries at the end were removed or added")
    return VerifyResult(True, checked)
