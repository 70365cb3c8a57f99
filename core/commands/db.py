"""``motcua init`` and ``motcua db upgrade|downgrade|current|check|accept``."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import click
from flask.cli import with_appcontext

from motcua.core import migrate
from motcua.core.errors import MotcuaError
from motcua.core.extensions import database, settings


def _one_line_errors(function: Callable) -> Callable:
    """Any error of a database command is one ``Error:`` line and exit code 1, never a
    traceback (Alembic's and the database driver's included)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            return function(*args, **kwargs)
        except (MotcuaError, click.ClickException):
            raise  # the CLI prints these as one line already
        except Exception as error:  # noqa: BLE001 - the point is to catch every error
            text = " ".join(str(error).split()) or type(error).__name__
            click.echo(f"Error: {type(error).__name__}: {text}", err=True)
            sys.exit(1)

    return wrapper


@click.group("db")
def db_group() -> None:
    """Database schema: the Alembic migrations of the core and of every enabled plugin.

    A checksum of each applied migration file is kept: `upgrade` refuses while an
    applied file has changed, `check` lists such files, `accept` records a change that
    does not alter the schema.
    """


@db_group.command("upgrade", short_help="Apply migrations up to TARGET (default: all heads).")
@click.argument("target", default="heads")
@with_appcontext
@_one_line_errors
def upgrade_command(target: str) -> None:
    """Apply migrations up to TARGET (default: all heads), then put the enabled plugins'
    procedures in the catalogue. Refused while an applied migration file has changed
    (see `motcua db check`)."""
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


@db_group.command("downgrade", short_help="Revert migrations down to TARGET, e.g. base.")
@click.argument("target")
@with_appcontext
@_one_line_errors
def downgrade_command(target: str) -> None:
    """Revert migrations down to TARGET: a revision, `-1` (one step) or `base`
    (nothing left)."""
    migrate.downgrade(database().engine, target)
    click.echo(f"Downgraded; the database is at "
               f"{', '.join(sorted(migrate.current_heads(database().engine))) or 'base'}.")


@db_group.command("current", short_help="Show the applied revisions.")
@with_appcontext
@_one_line_errors
def current_command() -> None:
    """Show the applied revisions."""
    heads = migrate.current_heads(database().engine)
    click.echo(", ".join(sorted(heads)) or "empty database")


@db_group.command("check", short_help="List applied migration files changed since.")
@with_appcontext
@_one_line_errors
def check_command() -> None:
    """List the applied migration files that changed since they were applied (exit code
    1 if any did). Reads only."""
    changed = migrate.check(database().engine)
    if not changed:
        click.echo("Every applied migration file is as it was applied.")
        return
    for change in changed:
        click.echo(f"changed: {change}")
    click.echo(f"Error: {len(changed)} applied migration file(s) changed; `motcua db "
               "upgrade` refuses until each is put back or accepted (`motcua db accept "
               "REVISION`).", err=True)
    sys.exit(1)


@db_group.command("accept", short_help="Record changed migration files as applied.")
@click.argument("revisions", nargs=-1, required=True)
@with_appcontext
@_one_line_errors
def accept_command(revisions: tuple[str, ...]) -> None:
    """Record the current content of the changed migration files of REVISIONS as the
    applied one. Only for a change that does not alter the schema (a comment, a
    reformat): the migration is not run again. Changes data (the checksums)."""
    for change in migrate.accept(database().engine, list(revisions)):
        click.echo(f"accepted: {change}")


@click.command("init")
@with_appcontext
@_one_line_errors
def init_command() -> None:
    """Create the instance folder and bring the database schema up to date."""
    config = settings()
    for folder in (config.instance_path, config.attachments_path, config.forms_path):
        folder.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(database().engine)
    _sync_plugin_catalogue()
    click.echo(f"Instance ready in {config.instance_path}; database schema up to date.")


COMMANDS = [db_group, init_command]
