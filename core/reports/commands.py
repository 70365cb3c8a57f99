"""``motcua reports rebuild-summary`` and ``check-summary``: fill the kept report figures
again from the dossiers, and compare them with the row-by-row count."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from motcua.core.errors import ValidationError
from motcua.core.extensions import db_session
from motcua.core.models import ReportFigures, ReportSupplements
from motcua.core.reports.check import check
from motcua.core.reports.periods import parse_period
from motcua.core.reports.tally import rebuild
from motcua.core.timeutil import now


@click.group("reports")
def reports_group() -> None:
    """The figures behind the leaders' dashboards and the periodic report."""


@reports_group.command("rebuild-summary")
@with_appcontext
def rebuild_command() -> None:
    """Count every dossier again into the kept figures (what the migration did once).
    Needed only after dossiers were written without events (a bulk load); it locks the
    figures while it runs, so run it outside office hours on a large database."""
    session = db_session()
    started = time.perf_counter()
    rebuild(session)
    session.commit()
    rows = (session.scalar(select(func.count()).select_from(ReportFigures))
            + session.scalar(select(func.count()).select_from(ReportSupplements)))
    click.echo(f"Report figures rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s.")


@reports_group.command("check-summary")
@click.option("--period", "periods", multiple=True,
              help="A period to compare (2026-11, 2026-Q4, 2026, 2026-11-01..2026-11-15); "
                   "repeat for more. Default: the last twelve months, this year and the "
                   "last 365 days.")
@with_appcontext
def check_command(periods: tuple[str, ...]) -> None:
    """Compare each month row of the kept figures with the sum of its day rows, then the
    kept figures with a count over every dossier (slow on a large database: it is the
    count the kept figures replace). Exit code 1 on a difference."""
    try:
        chosen = [parse_period(code) for code in periods]
    except ValidationError as error:
        raise click.BadParameter(str(error), param_hint="--period") from error
    found = check(db_session(), now(), chosen or None)
    for line in found:
        click.echo(line, err=True)
    if found:
        click.echo("The kept figures differ: run `motcua reports rebuild-summary`.", err=True)
        sys.exit(1)
    click.echo("The kept figures agree with the dossiers.")


COMMANDS = [reports_group]
