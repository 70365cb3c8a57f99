"""``motcua backup`` and ``motcua restore``: see docs/audit-and-backup.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from motcua.core.backup import BackupError, create_backup, prune_backups, restore_backup
from motcua.core.extensions import database, settings

DEFAULT_KEEP = 14


def _keep_default() -> int:
    value = os.environ.get("MOTCUA_BACKUP_KEEP", "").strip()
    if not value:
        return DEFAULT_KEEP
    if not value.isdigit() or int(value) < 1:
        raise BackupError(f"MOTCUA_BACKUP_KEEP must be a whole number above 0, not {value!r}.")
    return int(value)


@click.command("backup")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where archives go (default: MOTCUA_BACKUP_DIR or <instance>/backups).")
@click.option("--keep", type=int, help="Archives to keep, newest first (default: "
              f"MOTCUA_BACKUP_KEEP or {DEFAULT_KEEP}).")
@with_appcontext
def backup_command(folder: Path | None, keep: int | None) -> None:
    """Back up the database and stored files into one verified archive."""
    config = settings()
    folder = folder or Path(os.environ.get("MOTCUA_BACKUP_DIR") or config.instance_path / "backups")
    keep = keep if keep is not None else _keep_default()
    archive = create_backup(config, database(), folder)
    removed = prune_backups(folder, keep)
    click.echo(f"Backup written: {archive} ({archive.stat().st_size:,} bytes).")
    if removed:
        click.echo(f"Removed {len(removed)} older backup(s), keeping {keep}.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@with_appcontext
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database and stored files with ARCHIVE's, then verify them.

    Stop the application (and sync workers) first."""
    if not yes:
        click.confirm(f"This replaces every dossier, account and file of this deployment "
                      f"with the content of {archive.name}. Continue?", abort=True)
    report = restore_backup(settings(), database(), archive)
    expected, found = report.manifest["digest"], report.digest
    click.echo(f"Restored {archive.name} (taken {report.manifest['created_at']}): "
               f"{found['dossiers']} dossiers, {found['events']} events, "
               f"{found['attachments']} attachments.")
    if report.ok:
        click.echo(f"Verified: data digest {found['sha256'][:16]}... equals the backup's; "
                   "every attachment is present and intact.")
        return
    if found != expected:
        click.echo(f"Error: the restored data differ from the backup's record "
                   f"(digest {found['sha256'][:16]}... against {expected['sha256'][:16]}...).",
                   err=True)
    for name in report.missing_files:
        click.echo(f"Error: attachment missing or damaged after restore: {name}", err=True)
    sys.exit(1)


COMMANDS = [backup_command, restore_command]
