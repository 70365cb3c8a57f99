"""``motcua reports rebuild-summary`` and ``check-summary``: fill the kept report figures
again from the dossiers, and compare them with the row-by-row count; ``motcua reports
plugin``: print a report a plugin offers."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from motcua.core.errors import ValidationError
from motcua.core.extensions import db_session
from motcua.core.models import ReportFigures, ReportSupplements, Unit
from motcua.core.reports.check import check
from motcua.core.reports.periods import current_month, parse_period
from motcua.core.reports.source import HUB, current_source
from motcua.core.reports.tally import rebuild
from motcua.core.sync.apply import link_catalogue
from motcua.core.timeutil import local_date, now


@click.group("reports")
def reports_group() -> None:
    """The figures behind the leaders' dashboards and the periodic report."""


@reports_group.command("rebuild-summary")
@with_appcontext
def rebuild_command() -> None:
    """Count every dossier again into the kept figures (what the migration did once).
    Needed only after dossiers were written without events (a bulk load), and on a hub
    after an upgrade or after adding units or procedures the nodes' dossiers named; it
    locks the figures while it runs, so run it outside office hours on a large database."""
    session = db_session()
    started = time.perf_counter()
    source = current_source()
    if source is HUB:  # the catalogue may have gained what some copies named
        link_catalogue(session)
    rebuild(session, source)
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


@reports_group.command("plugin")
@click.argument("plugin")
@click.argument("name")
@click.option("--period", "period_code", help="The period (2026-11, 2026-Q4, 2026-H2, 2026, "
              "2026-11-01..2026-11-15). Default: this month.")
@click.option("--unit", "unit_code", help="Limit the rows to this unit and the units under "
              "it. Default: every unit.")
@with_appcontext
def plugin_command(plugin: str, name: str, period_code: str | None,
                   unit_code: str | None) -> None:
    """Print report NAME of enabled plugin PLUGIN, tab-separated: the column keys, then
    one line per row. A bad name, period or unit, or a failing report: one error line and
    exit code 1."""
    from motcua.core.reports.plugin_reports import build_rows, find_report, plugin_reports

    try:
        period = parse_period(period_code) if period_code else current_month(
            local_date(now()))
    except ValidationError as error:
        raise click.ClickException(error.message) from error
    session = db_session()
    if unit_code:
        unit_code = unit_code.strip().upper()
        if session.scalar(select(Unit.id).where(Unit.code == unit_code)) is None:
            raise click.ClickException(f"No unit has the code {unit_code[:40]}.")
    report = find_report(plugin, name)
    if report is None:
        offered = ", ".join(f"{owner} {item.name}" for owner, item in plugin_reports())
        raise click.ClickException(
            f"No enabled plugin {plugin[:40]!r} offers a report {name[:40]!r} "
            f"(offered: {offered or 'none'}).")
    outcome = build_rows(session, plugin, report, period, unit_code or None)
    if outcome.error is not None:
        raise click.ClickException(f"The report {plugin} {name} failed: {outcome.error}")
    click.echo("\t".join(report.columns))
    for row in outcome.rows:
        click.echo("\t".join(_text(value) for value in row))


def _text(value: object) -> str:
    """One cell of the printed report: empty for None, no tabs or line breaks inside."""
    return "" if value is None else " ".join(str(value).split())


COMMANDS = [reports_group]
