"""``motcua notices scan``: warn officers about dossiers nearing their deadline."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core.errors import ValidationError
from motcua.core.extensions import db_session
from motcua.core.notices import DUE_SOON_DAYS, scan_due_soon


@click.group("notices")
def notices_group() -> None:
    """In-app notices to officers."""


@notices_group.command("scan")
@click.option("--days", type=float, default=DUE_SOON_DAYS, show_default=True,
              help="Warn about dossiers due within this many working days.")
@with_appcontext
def scan_command(days: float) -> None:
    """Notify whoever must act on running dossiers due soon. Safe to run as often as
    you like (e.g. every 15 minutes from cron): a dossier's warning is made once per
    deadline and officer."""
    if not 0 < days <= 30:
        raise ValidationError("--days must be above 0 and at most 30.")
    made = scan_due_soon(db_session(), days=days)
    click.echo(f"{made} notice(s) made.")


COMMANDS = [notices_group]
