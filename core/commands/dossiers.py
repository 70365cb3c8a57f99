"""``motcua dossiers ...``: maintenance of the dossiers' derived data."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core.extensions import db_session
from motcua.core.specialist_search import reindex


@click.group("dossiers")
def dossiers_group() -> None:
    """Dossiers' derived data."""


@dossiers_group.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index of specialist data for every dossier.

    Run it after enabling a plugin or upgrading one that marks more fields for search:
    dossiers taken in before are then found by those fields too. Safe to run again.
    """
    dossiers, values = reindex(db_session())
    click.echo(f"Reindexed {dossiers} dossiers: {values} specialist values are searchable.")


COMMANDS = (dossiers_group,)
