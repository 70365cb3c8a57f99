"""``motcua demo``: a deterministic demo province to try motcua in a minute."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core import migrate
from motcua.core.demo import DEFAULT_DOSSIERS, DEFAULT_SEED, DEMO_PASSWORD, build_demo
from motcua.core.errors import MotcuaError
from motcua.core.extensions import database, db_session, settings
from motcua.core.models.dossiers import STATUSES


def _sync_plugin_catalogue(session) -> None:  # noqa: ANN001
    """The enabled plugins' procedures, as `motcua init` puts them (gone after --reset);
    in the demo's transaction, so a failed demo leaves nothing either."""
    from motcua.core.plugin_manager import current_manager
    from motcua.core.plugin_manager.catalogue import sync_catalogue

    manager = current_manager()
    if manager is not None:
        sync_catalogue(session, manager)


@click.command("demo")
@click.option("--province", default=None, help="Province name (default: Tây Ninh).")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Random seed: the same seed gives the same demo.")
@click.option("--dossiers", default=DEFAULT_DOSSIERS, show_default=True,
              type=click.IntRange(0, 20000), help="How many dossiers to create.")
@click.option("--reset", is_flag=True, help="Wipe the database first and rebuild the demo.")
@with_appcontext
def demo_command(province: str | None, seed: int, dossiers: int, reset: bool) -> None:
    """Build a demo province with accounts, a catalogue and months of dossiers."""
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
                             dossiers=dossiers)
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
    click.echo(f"\nOpen {config.public_base_url}/login after `motcua serve` and log in as:")
    width = max((len(username) for username, _, _ in summary.accounts), default=8)
    for username, full_name, unit in summary.accounts:
        click.echo(f"  {username:<{width}}  {full_name} — {unit}")
    click.echo(f"Password for every demo account: {DEMO_PASSWORD}")
    click.echo("\nDossiers per status:")
    for status in STATUSES:
        click.echo(f"  {status:<22}{summary.statuses.get(status, 0):>5}")
    click.echo(f"  {'total':<22}{sum(summary.statuses.values()):>5}")


COMMANDS = [demo_command]
