"""``motcua sms send`` (one pass) and ``motcua sms worker`` (loop): the outbound queue;
``motcua sms unit-name``: what replies call a unit."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from motcua.core.errors import NotFound, ValidationError
from motcua.core.extensions import db_session
from motcua.core.units import set_abbreviation, unit_abbreviation, unit_by_code
from motcua.sms import settings
from motcua.sms.gateways import configured_gateway
from motcua.sms.queue import send_pass


@click.group("sms")
def sms_group() -> None:
    """SMS notifications to applicants."""


def _one_pass(limit: int):  # noqa: ANN202
    return send_pass(db_session(), configured_gateway(), limit=limit,
                     max_attempts=int(settings.get("SMS_MAX_ATTEMPTS")),
                     retry_seconds=int(settings.get("SMS_RETRY_SECONDS")))


@sms_group.command("send")
@click.option("--limit", type=int, default=100, show_default=True,
              help="Messages to send at most in this pass.")
@with_appcontext
def send_command(limit: int) -> None:
    """Send the queued messages that are due, once (e.g. every minute from cron)."""
    if not 1 <= limit <= 10000:
        raise ValidationError("--limit must be between 1 and 10000.")
    result = _one_pass(limit)
    click.echo(f"{result.sent} sent, {result.retried} to retry, {result.failed} failed.")


@sms_group.command("worker")
@click.option("--interval", type=float, default=5.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@with_appcontext
def worker_command(interval: float) -> None:
    """Send queued messages as they fall due, until stopped (Ctrl+C)."""
    if not 0.1 <= interval <= 3600:
        raise ValidationError("--interval must be between 0.1 and 3600 seconds.")
    try:
        while True:
            result = _one_pass(100)
            if result.claimed:
                click.echo(f"{result.sent} sent, {result.retried} to retry, "
                           f"{result.failed} failed.")
            else:
                time.sleep(interval)
    except KeyboardInterrupt:
        pass


@sms_group.command("unit-name")
@click.argument("code")
@click.argument("abbreviation", required=False)
@click.option("--derived", is_flag=True,
              help="Forget the set abbreviation: use the one derived from the name.")
@with_appcontext
def unit_name_command(code: str, abbreviation: str | None, derived: bool) -> None:
    """Show or set the abbreviation SMS replies use for the unit with agency CODE
    (e.g. motcua sms unit-name H72.01 "UBND TP Tay Ninh")."""
    session = db_session()
    unit = unit_by_code(session, code)
    if unit is None:
        raise NotFound(f"No unit with agency code {code}.")
    if abbreviation is not None or derived:
        set_abbreviation(unit, None if derived else abbreviation)
        session.commit()
    source = "set" if unit.abbreviation else "derived from the name"
    click.echo(f"{unit.code} {unit.name}: {unit_abbreviation(unit)} ({source}).")


COMMANDS = [sms_group]
