"""Restoring a backup archive, then proving it: the archive's checksums before anything is
touched, the data digest and every attachment's content after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from motcua.core.attachments import path_for
from motcua.core.backup.archive import (
    FORMAT,
    BackupError,
    _sha256,
    file_folders,
    libpq_url,
    sqlite_path,
)
from motcua.core.backup.digest import data_digest, sqlite_file_digest
from motcua.core.config import Settings
from motcua.core.db import Database
from motcua.core.models import Attachment
from motcua.core.sync.restore import mark_restored


@dataclass
class RestoreReport:
    """What was restored and what the checks found."""

    manifest: dict
    digest: dict
    missing_files: list[str]

    @property
    def ok(self) -> bool:
        return self.digest == self.manifest["digest"] and not self.missing_files


def _unpack(archive: Path, work: Path) -> dict:
    """Extract and check the archive; a damaged one is refused before anything changes."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")  # no paths outside ``work``, no devices
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive.name} cannot be read: {error}") from None
    try:
        manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{archive.name} has no readable manifest.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name} is a backup of format {manifest.get('format')}, "
                          f"this version reads format {FORMAT}.")
    for name, expected in manifest["files"].items():
        path = work / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{archive.name} is damaged: {name} does not match its checksum.")
    return manifest


def _check_sqlite_copy(archive: Path, manifest: dict, work: Path) -> None:
    """A SQLite backup can be proven before it replaces anything: its digest must be the
    manifest's (a PostgreSQL dump is only checked once restored, see :func:`restore_backup`)."""
    if manifest["database"] != "sqlite":
        return
    try:
        found = sqlite_file_digest(work / manifest["database_file"],
                                   manifest.get("digest_version", 1))
    except Exception as error:  # noqa: BLE001 - any failure to read means "not trustworthy"
        raise BackupError(f"{archive.name}: its database cannot be read: {error}") from None
    if found != manifest["digest"]:
        raise BackupError(f"{archive.name}: its database does not hold the data its manifest "
                          f"records (digest {found['sha256'][:16]}... against "
                          f"{manifest['digest']['sha256'][:16]}...); nothing was restored.")


def _restore_database(url: str, manifest: dict, work: Path) -> None:
    dump = work / manifest["database_file"]
    kind = make_url(url).get_backend_name()
    if kind != manifest["database"]:
        raise BackupError(f"This backup is of a {manifest['database']} database; the "
                          f"configured database is {kind}.")
    if kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(dump, staged)
        for leftover in (target.with_name(target.name + "-wal"),
                         target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)  # the old database's journal is not ours
        os.replace(staged, target)
        return
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (Debian package postgresql-client).")
    done = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                           "--single-transaction", "--dbname", libpq_url(url), str(dump)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")


def _restore_files(settings: Settings, manifest: dict, work: Path) -> None:
    folders = file_folders(settings)
    if manifest.get("digest_version", 1) < 2:
        # An archive from before certificates were backed up says nothing about them:
        # the server's own stay.
        folders.pop("certificates")
    for name, target in folders.items():
        source = work / name
        staged = target.parent / f".{target.name}.restoring"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staged, ignore_errors=True)
        if source.exists():
            shutil.copytree(source, staged)
        else:
            staged.mkdir(parents=True)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staged, target)


def restore_backup(settings: Settings, database: Database, archive: Path) -> RestoreReport:
    """Put the archive's database and files in place of the configured ones, then check
    them. Run it with the application stopped."""
    with tempfile.TemporaryDirectory(prefix="motcua-restore-") as work:
        work_path = Path(work)
        manifest = _unpack(archive, work_path)
        _check_sqlite_copy(archive, manifest, work_path)
        database.dispose()  # no pooled connection may outlive the database it knew
        _restore_database(settings.database_url, manifest, work_path)
        _restore_files(settings, manifest, work_path)
    database.dispose()
    with database.session_factory() as session:
        digest = data_digest(session, manifest.get("digest_version", 1))
        missing = [f"{row.filename} ({row.sha256[:12]})"
                   for row in session.execute(select(Attachment.filename, Attachment.sha256))
                   if not path_for(settings.attachments_path, row.sha256).is_file()
                   or _sha256(path_for(settings.attachments_path, row.sha256)) != row.sha256]
        if settings.role == "node":
            # The hub may hold what this node did after the backup: ask it first.
            mark_restored(session)
            session.commit()
    return RestoreReport(manifest, digest, missing)
