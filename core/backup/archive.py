"""Writing a backup archive: the database (SQLite's online backup, or ``pg_dump``), the
stored files (attachments and blank forms), and a manifest with checksums and the data
digest the restore must find again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from motcua.core.backup.digest import DIGEST_VERSION, data_digest, sqlite_file_digest
from motcua.core.config import Settings
from motcua.core.db import Database
from motcua.core.errors import MotcuaError
from motcua.core.migrate import current_heads

FORMAT = 1
PREFIX = "motcua-backup-"
SUFFIX = ".tar.gz"
# The folders whose files belong to the deployment's data, by their name in the archive.
FILE_FOLDERS = ("attachments", "forms", "certificates")


def file_folders(settings: Settings) -> dict[str, Path]:
    """Where each of :data:`FILE_FOLDERS` is on this server: the attachments and blank
    forms of the instance, and the plugins' conformance certificates (with the ICT
    department's public key; no private key is kept there). The secret key and the sync
    key are not files of the data: they live in the environment (docs/audit-and-backup.md)."""
    return {"attachments": settings.attachments_path, "forms": settings.forms_path,
            "certificates": settings.certificates_path}


class BackupError(MotcuaError):
    """A backup or restore cannot be made or trusted (500-free: a CLI error line)."""

    status_code = 500


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as ``pg_dump``/``pg_restore`` understand it (no driver part)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _dump_sqlite(url: str, folder: Path) -> tuple[str, dict]:
    target = folder / "database.sqlite3"
    # SQLite's online backup: a consistent copy while the application keeps working.
    with closing(sqlite3.connect(sqlite_path(url))) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target.name, sqlite_file_digest(target)  # the digest of exactly what was copied


def _dump_postgres(url: str, database: Database, folder: Path) -> tuple[str, dict]:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian package postgresql-client).")
    target = folder / "database.dump"
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # The digest and pg_dump read the same snapshot: a dossier received meanwhile
            # is in neither, so the restore finds exactly the digest recorded.
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            with Session(bind=connection) as session:
                digest = data_digest(session)
            done = subprocess.run(["pg_dump", "--format=custom", "--no-owner",
                                   f"--snapshot={snapshot}", "--file", str(target),
                                   libpq_url(url)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    return target.name, digest


def create_backup(settings: Settings, database: Database, folder: Path) -> Path:
    """Write one archive into ``folder`` and return its path. The manifest's digest is of
    the dumped data itself (SQLite: the copy; PostgreSQL: pg_dump's snapshot), so a backup
    taken while officers work restores to exactly its digest."""
    folder.mkdir(parents=True, exist_ok=True)
    moment = datetime.now(UTC)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as work:
        work_path = Path(work)
        if make_url(settings.database_url).get_backend_name() == "sqlite":
            dump, digest = _dump_sqlite(settings.database_url, work_path)
        else:
            dump, digest = _dump_postgres(settings.database_url, database, work_path)
        files = {f"database/{dump}": _sha256(work_path / dump)}
        members = [(work_path / dump, f"database/{dump}")]
        for name, root in file_folders(settings).items():
            for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []:
                if path.name.startswith("."):
                    continue  # a file still being written (store_file's temporary)
                arcname = f"{name}/{path.relative_to(root).as_posix()}"
                files[arcname] = _sha256(path)
                members.append((path, arcname))
        manifest = {
            "format": FORMAT, "created_at": moment.isoformat(),
            "database": make_url(settings.database_url).get_backend_name(),
            "database_file": f"database/{dump}", "schema": sorted(current_heads(database.engine)),
            "digest": digest, "digest_version": DIGEST_VERSION, "files": files,
        }
        (work_path / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True),
                                                 encoding="utf-8")
        final = folder / f"{PREFIX}{moment:%Y%m%dT%H%M%S.%fZ}{SUFFIX}"
        partial = work_path / "archive.partial"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_path / "manifest.json", "manifest.json")
            for path, arcname in members:
                archive.add(path, arcname)
        os.replace(partial, final)  # only a complete archive ever carries the name
    return final


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest archives in ``folder``; returns the deleted."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    archives = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    doomed = archives[:-keep]
    for path in doomed:
        path.unlink()
    return doomed
