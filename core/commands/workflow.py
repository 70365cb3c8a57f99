"""``motcua workflow show|edit|history|check-overdue``: procedures' workflows and the
periodic overdue check."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from motcua.core.errors import NotFound, ValidationError
from motcua.core.extensions import database, db_session
from motcua.core.models import Account, Procedure
from motcua.core.units import set_function, unit_by_code
from motcua.core.workflow.definitions import (
    current_workflow,
    default_steps,
    save_workflow,
    workflow_versions,
)
from motcua.core.workflow.overdue import check_overdue


@click.group("workflow")
def workflow_group() -> None:
    """Workflows of procedures (versioned) and the overdue check."""


def _procedure(session, code: str) -> Procedure:  # noqa: ANN001
    procedure = session.scalar(select(Procedure).where(Procedure.code == code.strip()))
    if procedure is None:
        raise NotFound(f"Unknown procedure {code}.")
    return procedure


@workflow_group.command("show")
@click.argument("procedure_code")
@click.option("--version", "version", type=int, help="An older version (default: current).")
@with_appcontext
def show_command(procedure_code: str, version: int | None) -> None:
    """Print PROCEDURE_CODE's workflow steps as JSON (the format `edit` reads)."""
    session = db_session()
    procedure = _procedure(session, procedure_code)
    if version is None:
        workflow = current_workflow(session, procedure)
    else:
        workflow = next((w for w in workflow_versions(session, procedure)
                         if w.version == version), None)
        if workflow is None:
            raise NotFound(f"Procedure {procedure.code} has no workflow version {version}.")
    if workflow is None:
        click.echo(f"# {procedure.code}: no workflow saved; the default applies", err=True)
        steps = default_steps(procedure)
    else:
        click.echo(f"# {procedure.code}: version {workflow.version}", err=True)
        steps = workflow.steps
    click.echo(json.dumps(steps, ensure_ascii=False, indent=2))


@workflow_group.command("history")
@click.argument("procedure_code")
@with_appcontext
def history_command(procedure_code: str) -> None:
    """List PROCEDURE_CODE's workflow versions."""
    session = db_session()
    procedure = _procedure(session, procedure_code)
    versions = workflow_versions(session, procedure)
    if not versions:
        click.echo(f"{procedure.code}: no workflow saved; the default applies.")
    for workflow in versions:
        who = workflow.created_by.username if workflow.created_by else "-"
        click.echo(f"v{workflow.version}  {workflow.created_at:%Y-%m-%d %H:%M}  {who}  "
                   f"{len(workflow.steps)} steps  {workflow.note or ''}".rstrip())


@workflow_group.command("edit")
@click.argument("procedure_code")
@click.argument("steps_file", type=click.File("r", encoding="utf-8"))
@click.option("--by", "username", required=True,
              help="Username of the ICT or unit administrator making the change.")
@click.option("--note", help="Why the workflow changes.")
@with_appcontext
def edit_command(procedure_code: str, steps_file, username: str, note: str | None) -> None:  # noqa: ANN001
    """Save the steps in STEPS_FILE (JSON list) as PROCEDURE_CODE's next workflow version.

    Running dossiers keep the version they started with.
    """
    session = db_session()
    procedure = _procedure(session, procedure_code)
    actor = session.scalar(select(Account).where(Account.username == username.lower()))
    if actor is None or not actor.active:
        raise NotFound(f"No active account {username}.")
    try:
        steps = json.load(steps_file)
    except ValueError as error:
        raise ValidationError(f"{steps_file.name} is not valid JSON: {error}") from None
    workflow = save_workflow(session, procedure, steps, actor, note=note)
    session.commit()
    click.echo(f"Saved {procedure.code} workflow version {workflow.version} "
               f"({len(workflow.steps)} steps).")


@workflow_group.command("unit-function")
@click.argument("unit_code")
@click.argument("function", required=False)
@click.option("--clear", is_flag=True, help="Remove UNIT_CODE's function (changes data).")
@with_appcontext
def unit_function_command(unit_code: str, function: str | None, clear: bool) -> None:
    """Show what UNIT_CODE does (finance, tax, justice, land ...), which workflow steps
    name as function:<name>. With FUNCTION, set it; with --clear, remove it (both change
    data; without either the command only reads)."""
    session = db_session()
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise NotFound(f"No unit with agency code {unit_code}.")
    if clear and function is not None:
        raise ValidationError("Give a FUNCTION to set or --clear, not both.")
    if function is None and not clear:
        click.echo(f"{unit.code} {unit.name}: function {unit.function or '(none)'}.")
        return
    set_function(unit, function)
    session.commit()
    click.echo(f"{unit.code} {unit.name}: function {function or 'cleared'}.")


@workflow_group.command("check-overdue")
@with_appcontext
def check_overdue_command() -> None:
    """Record 'overdue' once for every dossier past its deadline (run periodically)."""
    session = database().session_factory()
    try:
        count = check_overdue(session)
    finally:
        session.close()
    click.echo(f"{count} dossier(s) newly overdue.")


COMMANDS = [workflow_group]
