"""``motcua sync ...``: the sync worker, node registration, reconciliation and the demo."""

from __future__ import annotations

import signal
import threading
import time

import click
from flask.cli import with_appcontext

from motcua.core.errors import ValidationError
from motcua.core.extensions import database, db_session, settings


@click.group("sync")
def sync_group() -> None:
    """Sync between unit servers (nodes) and the provincial hub (docs/sync.md)."""


@sync_group.command("register-node")
@click.argument("node_id")
@click.option("--units", required=True, help="Agency codes the node owns, comma separated.")
@with_appcontext
def register_node_command(node_id: str, units: str) -> None:
    """On the hub: register NODE_ID owning UNITS and print its private key (shown once)."""
    from motcua.core.sync.hub import register_node

    session = db_session()
    key = register_node(session, node_id, units.split(","))
    session.commit()
    click.echo(f"Node {node_id} registered. Set on that server (keep it secret):", err=True)
    click.echo(f"MOTCUA_SYNC_KEY={key}")


def _node():  # noqa: ANN202
    from motcua.core.sync.node import node_from_settings

    return node_from_settings(settings(), database())


def _take_over(node) -> None:  # noqa: ANN001
    from motcua.core.sync.transfers import take_over
    from motcua.core.sync.transport import HttpHub

    if isinstance(node.transport, HttpHub):
        for code in take_over(node, on_error=lambda handoff, message: click.echo(
                f"Hand-over {handoff.get('id')} ({handoff.get('dossier')}) not imported: "
                f"{message}", err=True)):
            click.echo(f"Took over dossier {code} from another node.")


@sync_group.command("run")
@click.option("--once", is_flag=True, help="Deliver what is waiting, then exit.")
@click.option("--timeout", default=300.0, show_default=True,
              help="With --once: give up retrying after this many seconds.")
@click.option("--idle", default=1.0, show_default=True,
              help="Seconds between rounds when there is nothing to send.")
@with_appcontext
def run_command(once: bool, timeout: float, idle: float) -> None:
    """Push the outbox to the hub in signed batches, in order, with retry and back-off."""
    from motcua.core.sync.node import drain, run_forever

    node = _node()
    if once:
        result = drain(node, deadline=time.monotonic() + timeout)
        click.echo(f"Delivered {result.entries} changes in {result.batches} batches"
                   f" ({result.duplicates} already at the hub).")
        if not result.error or result.refused:  # the hub answers: its inbox can be read
            _take_over(node)
        if result.error:
            raise ValidationError(f"not everything was delivered: {result.error}")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    standing_by = False

    def report(result) -> None:  # noqa: ANN001
        nonlocal standing_by
        if not result.held_lock:  # another worker sends (and reads the inbox) right now
            if not standing_by:
                click.echo(f"Another worker is sending for node {node.node_id}; standing by.")
            standing_by = True
            return
        standing_by = False
        if result.batches:
            click.echo(f"Delivered {result.entries} changes in {result.batches} batches.")
        if result.error:
            click.echo(f"Will retry: {result.error}", err=True)
        # A refused batch waits for a person, but hand-overs to this node must still
        # arrive: the inbox is read whenever the hub answered, after every round (a round
        # lasts ROUND_SECONDS at most), except when asked to stop.
        if (not result.error or result.refused) and not stop.is_set():
            try:
                _take_over(node)
            except Exception as error:  # noqa: BLE001 - the inbox retries next round
                click.echo(f"Inbox: {error}", err=True)

    from motcua.core.errors import MotcuaError
    from motcua.core.sync.node import greet

    try:
        hello = greet(node)
        click.echo(f"Node {node.node_id} owns {', '.join(hello['units']) or 'every unit'}; "
                   f"the hub has applied its batches up to {hello['last_sequence']}.")
    except MotcuaError as error:  # the worker retries on its own; say why it may wait
        click.echo(f"The hub does not answer yet: {error.message}", err=True)
    click.echo(f"Sync worker for node {node.node_id} running (Ctrl+C to stop).")
    run_forever(node, stop, idle=idle, on_round=report)


@sync_group.command("reconcile")
@click.option("--dry-run", is_flag=True, help="Only list the differences.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only days from this date (YYYY-MM-DD).")
@with_appcontext
def reconcile_command(dry_run: bool, since) -> None:  # noqa: ANN001
    """Compare digests per unit and day with the hub; repair differences by re-sending."""
    from motcua.core.sync.reconcile import reconcile

    report = reconcile(_node(), repair=not dry_run,
                       since=since.date() if since else None)
    click.echo(f"Compared {report.compared} unit-days: {len(report.differences)} differ.")
    if not report.settled:
        click.echo("  Not every change up to the cut reached the hub in time; is the hub "
                   "reachable and a worker running?", err=True)
    if report.unsettled:
        click.echo(f"  changed during the comparison, left to the next run: "
                   f"{len(report.unsettled)} dossiers")
    for d in report.differences:
        click.echo(f"  {d['unit']} {d['day']}: node {d['node']['count']} dossiers, "
                   f"hub {d['hub']['count']}")
    for kind, label in (("missing", "missing at the hub"), ("different", "different"),
                        ("extra", "only at the hub")):
        if report.dossiers[kind]:
            click.echo(f"  {label}: {', '.join(report.dossiers[kind])}")
    if report.remaining is not None:
        click.echo(f"Re-sent {report.repaired} dossiers; "
                   f"{len(report.remaining)} unit-days still differ.")
        if report.remaining:
            raise ValidationError("some differences remain after the repair")


@sync_group.command("recover")
@with_appcontext
def recover_command() -> None:
    """After restoring an older backup on a node: import from the hub what the node sent
    after the backup, move the code counters past the hub's, then allow intake and sync."""
    from motcua.core.sync.restore import recover

    result = recover(_node())
    click.echo(f"Imported {len(result.imported)} dossiers the hub held newer than this "
               f"database{': ' + ', '.join(result.imported) if result.imported else ''}.")
    if result.imported:
        click.echo("Their citizen ID, address and e-mail stayed at the reception desk's "
                   "paper file (the hub never holds them): enter them again.")
    click.echo("Intake and sync may resume.")


@sync_group.command("dead-letters")
@click.option("--resend", is_flag=True,
              help="Queue the listed dossiers again (their whole current copy).")
@click.option("--id", "ids", type=int, multiple=True,
              help="Only this dead letter (repeatable); default: all.")
@with_appcontext
def dead_letters_command(resend: bool, ids: tuple[int, ...]) -> None:
    """List the changes the hub refused (set aside so later ones go on); resend them."""
    from motcua.core.sync import deadletters

    session = db_session()
    letters = [letter for letter in deadletters.described(session)
               if not ids or letter["id"] in ids]
    click.echo(f"{len(letters)} dead letters.")
    for letter in letters:
        click.echo(f"  {letter['id']} {letter['topic']} {letter['dossier']} "
                   f"{letter['at'].isoformat() if letter['at'] else ''}: {letter['error']}")
    if resend and letters:
        queued = deadletters.resend(session, [letter["id"] for letter in letters])
        session.commit()
        click.echo(f"Queued {queued} dossiers again; 'motcua sync run' sends them.")


@sync_group.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Where the three databases go (default: a temporary folder).")
@click.option("--keep-running", is_flag=True, help="Keep the servers up until Ctrl+C.")
def demo_command(workdir: str | None, keep_running: bool) -> None:
    """Start a hub and two nodes on loopback and show dossiers reaching the hub's lookup."""
    from motcua.core.sync.demo import run_demo

    run_demo(workdir, keep_running=keep_running, echo=click.echo)


@sync_group.command("prune")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1),
              help="Keep acknowledged batches this many days.")
@with_appcontext
def prune_command(days: int) -> None:
    """Delete acknowledged batches older than DAYS (the hub has applied them)."""
    from datetime import timedelta

    from sqlalchemy import delete

    from motcua.core.models import SyncBatch
    from motcua.core.timeutil import now

    session = db_session()
    deleted = session.execute(delete(SyncBatch).where(
        SyncBatch.acked_at.is_not(None), SyncBatch.acked_at < now() - timedelta(days=days)
    )).rowcount
    session.commit()
    click.echo(f"Deleted {deleted} acknowledged batches older than {days} days.")


@sync_group.command("status")
@with_appcontext
def status_command() -> None:
    """This server's backlog, lag and last error."""
    from motcua.core.sync.node import node_from_settings
    from motcua.core.sync.status import local_sync

    node_id = node_from_settings(settings(), database()).node_id
    local = local_sync(db_session(), node_id)
    state = local.state
    click.echo(f"node {node_id}: backlog {local.backlog}, lag {local.lag_seconds or 0:.1f} s, "
               f"acked batch {state.acked_sequence if state else 0}, "
               f"last error: {(state.last_error if state else None) or 'none'}")
    if state is not None and state.restored_at is not None:
        click.echo(f"restored from a backup at {state.restored_at:%Y-%m-%d %H:%M} UTC: "
                   "intake and sync wait for the hub (motcua sync run, then motcua sync "
                   "recover if it says so)")


COMMANDS = [sync_group]
