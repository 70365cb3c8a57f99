"""One fingerprint of a deployment's records: equal before a backup and after its restore.

SHA-256 over every dossier (its code and state), every event (which dossier, number,
kind, time, statuses), every attachment (which dossier, content hash, size) and the audit
chain's head, in a fixed order and a form that reads the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from motcua.core.models import Attachment, AuditHead, Dossier, DossierEvent

CHUNK = 5000


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def _feed(hasher, session: Session, statement) -> int:  # noqa: ANN001
    count = 0
    for row in session.execute(statement.execution_options(yield_per=CHUNK)):
        hasher.update(json.dumps([_plain(v) for v in row], ensure_ascii=False,
                                 default=str).encode("utf-8"))
        hasher.update(b"\n")
        count += 1
    return count


def data_digest(session: Session) -> dict:
    """``{"sha256": ..., "dossiers": n, "events": n, "attachments": n}``."""
    hasher = hashlib.sha256()
    counts = {
        "dossiers": _feed(hasher, session, select(
            Dossier.code, Dossier.status, Dossier.version, Dossier.received_at, Dossier.due_at,
            Dossier.finished_at, Dossier.returned_at, Dossier.applicant_name,
            Dossier.applicant_citizen_id).order_by(Dossier.code)),
        "events": _feed(hasher, session, select(
            Dossier.code, DossierEvent.sequence, DossierEvent.kind, DossierEvent.at,
            DossierEvent.from_status, DossierEvent.to_status)
            .join(Dossier, Dossier.id == DossierEvent.dossier_id)
            .order_by(Dossier.code, DossierEvent.sequence)),
        "attachments": _feed(hasher, session, select(
            Dossier.code, Attachment.filename, Attachment.sha256, Attachment.size)
            .join(Dossier, Dossier.id == Attachment.dossier_id)
            .order_by(Dossier.code, Attachment.id)),
    }
    head = session.get(AuditHead, 1)
    hasher.update(f"audit:{head.seq if head else 0}:{head.hash if head else ''}".encode())
    return {"sha256": hasher.hexdigest(), **counts}


def sqlite_file_digest(path: Path) -> dict:
    """:func:`data_digest` of a SQLite database file, opened read-only."""
    engine = create_engine(f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            return data_digest(session)
    finally:
        engine.dispose()
