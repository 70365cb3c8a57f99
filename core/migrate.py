"""Schema migrations with Alembic: the core branch plus one branch per enabled plugin."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine, extra_version_locations: list[str] | None = None) -> Config:
    """An Alembic config for ``engine``; plugins add their own version folders."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [str(MIGRATIONS / "versions"), *(extra_version_locations or [])]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(
    engine: Engine, target: str = "heads", extra_version_locations: list[str] | None = None
) -> None:
    """Bring the database to ``target`` (default: every branch's head)."""
    config = alembic_config(engine, extra_version_locations)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)


def downgrade(
    engine: Engine, target: str, extra_version_locations: list[str] | None = None
) -> None:
    """Take the database back to ``target`` (``"base"``: nothing left)."""
    config = alembic_config(engine, extra_version_locations)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, target)


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at (empty before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
