"""One fingerprint of a deployment's records: equal before a backup and after its restore.

SHA-256 over every dossier (its code and state), every event (which dossier, number,
kind, time, statuses), every attachment (which dossier, content hash, size) and the audit
chain's head, in a fixed order and a form that reads the same on SQLite and PostgreSQL.
Version 2 (:data:`DIGEST_VERSION`) adds the hub's read model (``hub_dossiers`` and
``hub_dossier_events``: on a hub, the province's dossiers), the units and the accounts;
an archive whose manifest names no version was digested as version 1, and its restore is
checked the same way.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from motcua.core.models import (
    Account,
    Attachment,
    AuditHead,
    Dossier,
    DossierEvent,
    HubDossier,
    HubDossierEvent,
    Unit,
)

CHUNK = 5000
DIGEST_VERSION = 2


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


def _version_2(hasher, session: Session) -> dict:  # noqa: ANN001
    """What version 2 adds: the hub's read model, the units and the accounts."""
    return {
        "hub_dossiers": _feed(hasher, session, select(
            HubDossier.code, HubDossier.owner_node, HubDossier.unit_code, HubDossier.status,
            HubDossier.version, HubDossier.received_at, HubDossier.due_at,
            HubDossier.finished_at, HubDossier.returned_at, HubDossier.applicant_name,
            HubDossier.holder_unit_code).order_by(HubDossier.code)),
        "hub_events": _feed(hasher, session, select(
            HubDossier.code, HubDossierEvent.sequence, HubDossierEvent.kind,
            HubDossierEvent.at, HubDossierEvent.from_status, HubDossierEvent.to_status)
            .join(HubDossier, HubDossier.id == HubDossierEvent.dossier_id)
            .order_by(HubDossier.code, HubDossierEvent.sequence)),
        "units": _feed(hasher, session, select(
            Unit.code, Unit.name, Unit.kind, Unit.path, Unit.receives_dossiers, Unit.active)
            .order_by(Unit.code)),
        "accounts": _feed(hasher, session, select(
            Account.username, Account.full_name, Unit.code, Account.active,
            Account.password_hash).join(Unit, Unit.id == Account.unit_id)
            .order_by(Account.username)),
    }


def data_digest(session: Session, version: int = DIGEST_VERSION) -> dict:
    """``{"sha256": ..., "dossiers": n, "events": n, "attachments": n}`` and, from
    version 2, ``hub_dossiers``, ``hub_events``, ``units`` and ``accounts`` counts."""
    if version not in (1, 2):
        raise ValueError(f"Unknown digest version {version}.")
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
    if version >= 2:
        counts.update(_version_2(hasher, session))
    head = session.get(AuditHead, 1)
    hasher.update(f"audit:{head.seq if head else 0}:{head.hash if head else ''}".encode())
    return {"sha256": hasher.hexdigest(), **counts}


def sqlite_file_digest(path: Path, version: int = DIGEST_VERSION) -> dict:
    """:func:`data_digest` of a SQLite database file, opened read-only."""
    engine = create_engine(f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            return data_digest(session, version)
    finally:
        engine.dispose()
