"""``motcua audit verify|export``: check the audit hash chain, export entries."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from motcua.core.audit.chain import verify
from motcua.core.audit.query import AuditFilter, export_csv, export_jsonl
from motcua.core.extensions import db_session


@click.group("audit")
def audit_group() -> None:
    """The audit trail: verify its hash chain, export its entries."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Recompute every entry's hash; exit 1 at the first edited, removed or added one."""
    result = verify(db_session())
    if result.ok:
        click.echo(f"Audit chain intact: {result.checked} entries checked.")
        return
    click.echo(f"Error: audit chain broken at entry {result.bad_seq}: {result.problem} "
               f"({result.checked} entries before it are intact).", err=True)
    sys.exit(1)


@audit_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
@click.option("--actor", help="Part of the officer's name or username.")
@click.option("--action", help="Action, or its beginning (login, dossier., personal_data.).")
@click.option("--target", help="A dossier code or a username.")
@click.option("--since", help="First day, YYYY-MM-DD (Vietnam time).")
@click.option("--until", help="Last day, YYYY-MM-DD (Vietnam time).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
@with_appcontext
def export_command(fmt: str, output, **filters) -> None:  # noqa: ANN001, ANN003
    """The matching entries, oldest first."""
    wanted = AuditFilter.from_args(filters)
    pieces = export_csv if fmt == "csv" else export_jsonl
    for piece in pieces(db_session(), wanted):
        output.write(piece)


COMMANDS = [audit_group]
