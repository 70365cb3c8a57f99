"""Schema migrations with Alembic: the core branch plus one branch per enabled plugin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

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
    """Bring the database to ``target`` (default: every branch's head)."""
    config = alembic_config(engine, extra_version_locations)
    with _unknown_revisions_explained(), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)


def downgrade(
    engine: Engine, target: str, extra_version_locations: list[str] | None = None
) -> None:
    """Take the database back to ``target`` (``"base"``: nothing left)."""
    config = alembic_config(engine, extra_version_locations)
    with _unknown_revisions_explained(), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)


@contextmanager
def _unknown_revisions_explained() -> Iterator[None]:
    """A database migrated by a plugin that is now disabled or uninstalled names a
    revision no script provides; say so instead of Alembic's bare message."""
    try:
        yield
    except CommandError as error:
        if "Can't locate revision" not in str(error):
            raise
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
