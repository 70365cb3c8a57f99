"""``motcua demo``: a deterministic demo province to try motcua in a minute."""

from __future__ import annotations

from datetime import date, datetime, time

import click
from flask.cli import with_appcontext

from motcua.core import migrate
from motcua.core.commands.serve import DEFAULT_URL
from motcua.core.demo import DEFAULT_DOSSIERS, DEFAULT_SEED, DEMO_PASSWORD, build_demo
from motcua.core.demo.geography import COMMUNE_COUNT, PROVINCIAL_UNITS
from motcua.core.errors import MotcuaError
from motcua.core.extensions import database, db_session, settings
from motcua.core.models.dossiers import STATUSES
from motcua.core.timeutil import VIETNAM, now

DEPARTMENTS = sum(1 for unit in PROVINCIAL_UNITS if unit[2] == "department")

# The demo's clock stops at the end of an office day when --until names a day.
UNTIL_TIME = time(17, 0)


def demo_until(day: date | None) -> datetime | None:
    """The moment a demo built ``--until day`` ends (17:00 Vietnam time), or None for now.

    Refused when that moment has not come yet: the demo replays what has happened."""
    if day is None:
        return None
    until = datetime.combine(day, UNTIL_TIME, tzinfo=VIETNAM)
    if until > now():
        raise click.BadParameter(f"{day.isoformat()} 17:00 has not come yet; give an "
                                 "earlier day.", param_hint="--until")
    return until


def _sync_plugin_catalogue(session) -> None:  # noqa: ANN001
    """The enabled plugins' procedures, as `motcua init` puts them (gone after --reset);
    in the demo's transaction, so a failed demo leaves nothing either."""
    from motcua.core.plugin_manager import current_manager
    from motcua.core.plugin_manager.catalogue import sync_catalogue

    manager = current_manager()
    if manager is not None:
        sync_catalogue(session, manager)


@click.command("demo", help=(
    "Build a demo province with accounts, a catalogue and months of dossiers.\n\n"
    "One province of the official 2025 list (34 provinces, 3,321 communes) with its "
    f"public administration centre, {DEPARTMENTS} departments, the tax office and "
    f"{COMMUNE_COUNT} of its real communes (chosen by --seed), each commune with a "
    "reception desk. The same --seed and --until give the same demo on any day."))
@click.option("--province", default=None, help="Province name (default: Tây Ninh).")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Random seed: the same seed gives the same demo.")
@click.option("--dossiers", default=DEFAULT_DOSSIERS, show_default=True,
              type=click.IntRange(0, 20000), help="How many dossiers to create.")
@click.option("--until", "until_day", type=click.DateTime(formats=["%Y-%m-%d"]),
              default=None, metavar="YYYY-MM-DD",
              help="Last day of the demo's history, ending at 17:00 Vietnam time "
              "(default: now).")
@click.option("--reset", is_flag=True, help="Wipe the database first and rebuild the demo.")
@with_appcontext
def demo_command(province: str | None, seed: int, dossiers: int, until_day: datetime | None,
                 reset: bool) -> None:
    until = demo_until(until_day.date() if until_day else None)
    config = settings()
    engine = database().engine
    if reset:
        db_session().close()
        migrate.downgrade(engine, "base")
        click.echo("Database wiped.")
    for folder in (config.instance_path, config.attachments_path, config.forms_path):
        folder.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(engine)
    session = db_session()
    try:
        _sync_plugin_catalogue(session)
        summary = build_demo(session, config, province=province, seed=seed,
                             dossiers=dossiers, until=until)
        session.commit()
    except MotcuaError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    except BaseException:
        session.rollback()
        raise
    if summary.created:
        click.echo(f"Demo province built: {summary.province}.")
    else:
        click.echo(f"A demo province already exists: {summary.province} "
                   "(nothing changed; --reset rebuilds it).")
    click.echo(f"\nOpen {config.public_base_url or DEFAULT_URL}/login after `motcua serve` and "
               "log in as:")
    width = max((len(username) for username, _, _ in summary.accounts), default=8)
    for username, full_name, roles in summary.accounts:
        click.echo(f"  {username:<{width}}  {full_name} — {roles}")
    click.echo(f"Password for every demo account: {DEMO_PASSWORD}")
    click.echo("To walk a dossier: the desk receives it; the specialist of the unit its "
               "workflow names claims it (a land dossier can go to the tax office and back); "
               "the leader approves; the desk issues and returns the result.")
    click.echo("\nDossiers per status:")
    for status in STATUSES:
        click.echo(f"  {status:<22}{summary.statuses.get(status, 0):>5}")
    click.echo(f"  {'total':<22}{sum(summary.statuses.values()):>5}")


COMMANDS = [demo_command]
