"""Schema migrations with Alembic: the core branch plus one branch per enabled plugin."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Connection, Engine

from motcua.core import timeutil
from motcua.core.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def plugin_version_locations() -> list[str]:
    """The migration folders of the current application's enabled plugins (none outside
    an application), used when a caller gives no ``extra_version_locations``."""
    from motcua.core.plugin_manager import current_manager

    manager = current_manager()
    return manager.version_locations() if manager is not None else []


def _scripts_config(extra_version_locations: list[str] | None) -> Config:
    if extra_version_locations is None:
        extra_version_locations = plugin_version_locations()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *(extra_version_locations or [])]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    return config


def alembic_config(engine: Engine, extra_version_locations: list[str] | None = None) -> Config:
    """An Alembic config for ``engine``; plugins add their own version folders."""
    config = _scripts_config(extra_version_locations)
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(
    engine: Engine, target: str = "heads", extra_version_locations: list[str] | None = None
) -> None:
    """Bring the database to ``target`` (default: every branch's head).

    Refuses, changing nothing, while a migration file applied earlier has changed since
    (:func:`changed_migrations`); records the checksum of every newly applied one.
    """
    config = alembic_config(engine, extra_version_locations)
    with _unknown_revisions_explained(target), engine.begin() as connection:
        config.attributes["connection"] = connection
        changed = changed_migrations(connection, config)
        if changed:
            raise ConfigurationError(
                "Applied migration files changed since they were applied: "
                + "; ".join(str(change) for change in changed)
                + ". A migration already applied is never run again, so the database "
                "does not have what the file now says: put the file back as it was and "
                "add a new revision for the change, or, if the change does not alter the "
                "schema (a comment, a reformat), accept it with `motcua db accept "
                "REVISION` (`motcua db check` lists them).")
        command.upgrade(config, target)
        _record_checksums(connection, config)


def downgrade(
    engine: Engine, target: str, extra_version_locations: list[str] | None = None
) -> None:
    """Take the database back to ``target`` (``"base"``: nothing left)."""
    config = alembic_config(engine, extra_version_locations)
    with _unknown_revisions_explained(target), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)
        _forget_unapplied(connection, config)


# ------------------------------------------------------------------ checksums of files

@dataclass(frozen=True)
class ChangedMigration:
    """An applied revision whose file no longer has the checksum recorded for it."""

    revision: str
    filename: str
    recorded: str
    current: str

    def __str__(self) -> str:
        return (f"{self.revision} ({self.filename}: sha256 {self.recorded[:12]}… when "
                f"applied, {self.current[:12]}… now)")


def file_checksum(path: str | Path) -> str:
    """The SHA-256 of the file at ``path``, in hexadecimal."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _applied_scripts(connection: Connection, config: Config) -> dict:
    """``{revision: Script}`` of every applied revision whose file is here (a disabled
    plugin's branch has none: it is left out)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    found = {}
    for head in MigrationContext.configure(connection).get_current_heads():
        try:
            for revision in script.iterate_revisions(head, "base"):
                found[revision.revision] = revision
        except (RevisionError, CommandError):
            continue
    return found


def _checksum_table():  # noqa: ANN202
    from motcua.core.models.migrations import MigrationChecksum

    return MigrationChecksum.__table__


def _recorded(connection: Connection) -> dict[str, str] | None:
    """``{revision: checksum}`` recorded, or None before the table exists."""
    table = _checksum_table()
    if not inspect(connection).has_table(table.name):
        return None
    return dict(connection.execute(select(table.c.revision, table.c.checksum)).all())


def changed_migrations(connection: Connection, config: Config) -> list[ChangedMigration]:
    """Applied revisions whose migration file differs from the one applied."""
    recorded = _recorded(connection) or {}
    changed = []
    for revision, script in sorted(_applied_scripts(connection, config).items()):
        if revision in recorded:
            current = file_checksum(script.path)
            if current != recorded[revision]:
                changed.append(ChangedMigration(revision, Path(script.path).name,
                                                recorded[revision], current))
    return changed


def _record_checksums(connection: Connection, config: Config,
                      accept: set[str] = frozenset()) -> None:
    """Record the checksum of applied revisions not yet recorded, and replace those of
    the revisions in ``accept``."""
    recorded = _recorded(connection)
    if recorded is None:
        return
    table = _checksum_table()
    now = timeutil.now()
    for revision, script in _applied_scripts(connection, config).items():
        row = {"checksum": file_checksum(script.path), "filename": Path(script.path).name,
               "recorded_at": now}
        if revision not in recorded:
            connection.execute(table.insert().values(revision=revision, **row))
        elif revision in accept:
            connection.execute(table.update().where(table.c.revision == revision)
                               .values(**row))


def _forget_unapplied(connection: Connection, config: Config) -> None:
    """Drop the checksums of revisions a downgrade undid (if the table is still there)."""
    recorded = _recorded(connection)
    if not recorded:
        return
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    still = set()
    for head in MigrationContext.configure(connection).get_current_heads():
        try:
            still |= {revision.revision for revision in script.iterate_revisions(head, "base")}
        except (RevisionError, CommandError):
            still.add(head)
    gone = [revision for revision in recorded if revision not in still]
    if gone:
        table = _checksum_table()
        connection.execute(delete(table).where(table.c.revision.in_(gone)))


def check(engine: Engine, extra_version_locations: list[str] | None = None
          ) -> list[ChangedMigration]:
    """The applied migration files that changed since they were applied."""
    config = _scripts_config(extra_version_locations)
    with engine.connect() as connection:
        return changed_migrations(connection, config)


def accept(engine: Engine, revisions: list[str],
           extra_version_locations: list[str] | None = None) -> list[ChangedMigration]:
    """Record the current files of the changed ``revisions`` as the applied ones (the
    change is known not to alter the schema); returns what was accepted. Raises
    ``ConfigurationError`` for a revision that has not changed (nothing is recorded)."""
    config = _scripts_config(extra_version_locations)
    with engine.begin() as connection:
        changed = {change.revision: change for change in changed_migrations(connection,
                                                                            config)}
        unknown = [revision for revision in revisions if revision not in changed]
        if unknown:
            raise ConfigurationError(
                f"Nothing to accept for {', '.join(unknown)}: not an applied revision whose "
                "file changed (`motcua db check` lists those).")
        _record_checksums(connection, config, accept=set(revisions))
        return [changed[revision] for revision in revisions]


@contextmanager
def _unknown_revisions_explained(target: str | None = None) -> Iterator[None]:
    """A database migrated by a plugin that is now disabled or uninstalled names a
    revision no script provides; say so instead of Alembic's bare message. A ``target``
    no script provides is named as such."""
    try:
        yield
    except CommandError as error:
        if "Can't locate revision" not in str(error):
            raise
        if target and f"'{target}'" in str(error):
            raise ConfigurationError(
                f"No migration revision {target!r}: give a revision of the migration files "
                "(`motcua db current` shows the applied ones), heads, -1 or base.") from error
        raise ConfigurationError(
            f"{error}. The database was migrated with a plugin that is not enabled now: "
            "enable it again (MOTCUA_PLUGINS, see `motcua plugins list`) to migrate."
        ) from error


def script_heads(extra_version_locations: list[str] | None = None) -> set[str]:
    """The head revision of every branch the migration scripts define."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_scripts_config(extra_version_locations)).get_heads())


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at (empty before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
