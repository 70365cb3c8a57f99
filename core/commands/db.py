"""``motcua init`` and ``motcua db upgrade|downgrade|current``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core import migrate
from motcua.core.extensions import database, settings


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations of the core and every enabled plugin)."""


@db_group.command("upgrade")
@click.argument("target", default="heads")
@with_appcontext
def upgrade_command(target: str) -> None:
    """Apply migrations up to TARGET (default: all heads)."""
    migrate.upgrade(database().engine, target)
    click.echo(f"Database is at {', '.join(sorted(migrate.current_heads(database().engine)))}.")
    if target == "heads":
        _sync_plugin_catalogue()


def _sync_plugin_catalogue() -> None:
    """Put the enabled plugins' procedures in the catalogue (a freshly installed plugin's
    procedures appear with the schema it brings)."""
    from motcua.core.extensions import db_session
    from motcua.core.plugin_manager import current_manager
    from motcua.core.plugin_manager.catalogue import sync_catalogue

    manager = current_manager()
    if manager is None:
        return
    session = db_session()
    changes = sync_catalogue(session, manager)
    session.commit()
    if changes.added or changes.updated:
        click.echo(f"Plugin procedures: {len(changes.added)} added, "
                   f"{len(changes.updated)} updated.")
    for conflict in changes.conflicts:
        click.echo(f"  not changed: {conflict}", err=True)


@db_group.command("downgrade")
@click.argument("target")
@with_appcontext
def downgrade_command(target: str) -> None:
    """Revert migrations down to TARGET (e.g. ``base``)."""
    migrate.downgrade(database().engine, target)
    click.echo("Downgraded.")


@db_group.command("current")
@with_appcontext
def current_command() -> None:
    """Show the applied revisions."""
    heads = migrate.current_heads(database().engine)
    click.echo(", ".join(sorted(heads)) or "empty database")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the instance folder and bring the database schema up to date."""
    config = settings()
    for folder in (config.instance_path, config.attachments_path, config.forms_path):
        folder.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(database().engine)
    _sync_plugin_catalogue()
    click.echo(f"Instance ready in {config.instance_path}; database schema up to date.")


COMMANDS = [db_group, init_command]
