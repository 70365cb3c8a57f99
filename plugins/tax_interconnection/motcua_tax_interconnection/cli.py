"""``motcua tax_interconnection deliver``: the external adapter's worker. It sends the
messages waiting in the plugin's outbox to the tax authority's system and applies the
answers it has ready; run it from cron or a systemd timer (or ``--loop``)."""

from __future__ import annotations

import time

import click

from motcua_sdk import services
from motcua_tax_interconnection import exchanges, settings


def _client():  # noqa: ANN202
    from motcua_tax_interconnection.adapter import TaxSystemClient

    names = ("SYSTEM_URL", "SENDER_ID", "KEY", "PUBLIC_KEY")
    missing = [settings.SETTINGS.key(name) for name in names if not settings.setting(name)]
    if missing:
        raise click.ClickException(f"Set {', '.join(missing)} (see the plugin's README).")
    return TaxSystemClient(*(settings.setting(name) for name in names))


def _apply(session, exchange, answer: dict) -> None:  # noqa: ANN001
    exchanges.apply_answer(session, exchange, answer,
                           by=str(answer.get("tax_office") or "Cơ quan thuế"))


@click.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, one pass every --interval.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between passes.")
def deliver_command(loop: bool, interval: float) -> None:
    """Send waiting messages to the tax authority's system and apply its answers."""
    from motcua_tax_interconnection.adapter import deliver

    client = _client()
    while True:
        result = deliver(services.session(), client, now=exchanges.now(), on_answer=_apply)
        click.echo(f"sent {result.sent}, duplicates {result.duplicates}, failed "
                   f"{result.failed}, answers applied {result.answered}")
        for error in result.errors:
            click.echo(f"  {error}", err=True)
        if not loop:
            return
        time.sleep(interval)
