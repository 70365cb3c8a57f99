"""``motcua units list``: the units of this deployment, their codes and functions."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from motcua.core.errors import NotFound, ValidationError
from motcua.core.extensions import db_session
from motcua.core.units import list_units, unit_by_code


@click.group("units")
def units_group() -> None:
    """Administrative units (agencies, departments, desks)."""


@units_group.command("list")
@click.option("--function", "function", metavar="NAME",
              help="Only units with this function (finance, tax, construction ...).")
@click.option("--under", "under", metavar="CODE",
              help="Only the unit with this agency code and the units beneath it.")
@with_appcontext
def list_command(function: str | None, under: str | None) -> None:
    """Show units in tree order: code, name, kind, level, parent and functions."""
    from motcua.core.plugin_manager.units import unit_views

    session = db_session()
    root = None
    if under is not None:
        root = unit_by_code(session, under) if under.strip() else None
        if root is None:
            raise NotFound(f"No unit with agency code {under}.")
    if function is not None and not function.strip():
        raise ValidationError("--function needs a function name (e.g. finance).")
    views = unit_views(session, list_units(
        session, under=root, function=function.strip() if function else None))
    if not views:
        click.echo("No unit matches.")
        return
    rows = [("CODE", "NAME", "KIND", "LEVEL", "PARENT", "FUNCTIONS")]
    rows += [(view.code, view.name, view.kind, view.level or "-", view.parent_code or "-",
              ",".join(view.functions) or "-") for view in views]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                   + "  " + row[5])
    click.echo(f"{len(views)} unit(s).")


COMMANDS = [units_group]
