"""``motcua plugins list|sync-catalogue|check``, ``motcua plugin new`` and the plugins'
own command groups (``motcua <plugin name> ...``)."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask.cli import with_appcontext

from motcua.core.errors import ValidationError
from motcua_sdk.versioning import MOTCUA_API_VERSION

log = logging.getLogger(__name__)


@click.group("plugins")
def plugins_group() -> None:
    """Installed plugins (specialist modules): state, catalogue, checks."""


@plugins_group.command("list")
@with_appcontext
def list_command() -> None:
    """Show installed plugins: name, version, API range, state, certificate and why."""
    from motcua.core.messages import Message
    from motcua.core.plugin_manager import current_manager
    from motcua.core.plugin_manager.certification import STATE_LABELS

    manager = current_manager()
    click.echo(f"motcua plugin API {MOTCUA_API_VERSION}")
    if not manager.records:
        click.echo("No plugin is installed (entry-point group motcua.plugins).")
        return
    rows = [("NAME", "DISTRIBUTION", "VERSION", "API RANGE", "STATE", "CERTIFICATE", "REASON")]
    for record in manager.records.values():
        state = record.state + (f" at {','.join(record.units)}" if record.units else "")
        # Reasons and states are messages: str() says them in the deployment's language.
        certificate = str(Message(STATE_LABELS.get(record.certificate.state, "-"))
                          ) if record.certificate else "-"
        rows.append((record.name, record.distribution or "-", record.version or "-",
                     record.api_range or "-", state, certificate, str(record.reason or "")))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                   + "  " + row[6])
    for record in manager.records.values():
        if record.notice is not None:
            click.echo(f"notice for {record.name}: {record.notice}")
    for record in manager.records.values():
        if record.certificate and record.certificate.reason:
            click.echo(f"certificate of {record.name}: {record.certificate.summary()}")
    for record in manager.records.values():
        for line in _setting_lines(record):
            click.echo(f"setting of {record.name}: {line}")


def _setting_lines(record) -> list[str]:  # noqa: ANN001 - a PluginRecord
    """``KEY = value (where it was set)`` per effective setting, secrets masked, and the
    deprecation notice of a setting read from an old key."""
    lines = []
    for value in record.settings.values():
        lines.append(f"{value.key} = {value.shown} ({value.source})")
        if value.notice:
            lines.append(f"  notice: {value.notice}")
    return lines


@plugins_group.command("show")
@click.argument("name")
@with_appcontext
def show_command(name: str) -> None:
    """Show plugin NAME: its state and why, its certificate, and its effective
    settings (secrets masked)."""
    from motcua.core.errors import NotFound
    from motcua.core.plugin_manager import current_manager

    record = current_manager().records.get(name)
    if record is None:
        raise NotFound(f"No plugin {name} is installed (motcua plugins list shows them).")
    click.echo(f"{record.name}: {record.state}" + (f" ({record.reason})" if record.reason
                                                   else ""))
    for label, value in (("distribution", record.distribution), ("version", record.version),
                         ("API range", record.api_range),
                         ("units", ", ".join(record.units) or "every unit"),
                         ("certificate", record.certificate.summary()
                          if record.certificate else None)):
        click.echo(f"  {label}: {value or '-'}")
    lines = _setting_lines(record)
    click.echo("  settings:" if lines else "  settings: none declared")
    for line in lines:
        click.echo(f"    {line}")


@plugins_group.command("sync-catalogue")
@with_appcontext
def sync_catalogue_command() -> None:
    """Add or update the enabled plugins' procedures in the catalogue."""
    from motcua.core.extensions import db_session
    from motcua.core.plugin_manager import current_manager
    from motcua.core.plugin_manager.catalogue import sync_catalogue

    session = db_session()
    changes = sync_catalogue(session, current_manager())
    session.commit()
    click.echo(f"Catalogue: {len(changes.added)} added, {len(changes.updated)} updated, "
               f"{len(changes.unchanged)} unchanged.")
    for code in changes.added:
        click.echo(f"  added {code}")
    for code in changes.updated:
        click.echo(f"  updated {code}")
    for conflict in changes.conflicts:
        click.echo(f"  not changed: {conflict}", err=True)


@plugins_group.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def check_command(path: Path) -> None:
    """Check that the plugin source at PATH imports motcua_sdk only, never motcua.core."""
    from motcua.core.plugin_manager.purity import core_imports

    problems = core_imports(path)
    if problems:
        for problem in problems:
            click.echo(problem)
        raise ValidationError(f"{len(problems)} import(s) of motcua.core; plugins import "
                              "motcua_sdk only.")
    click.echo(f"{path}: imports motcua_sdk only.")


@click.group("plugin")
def plugin_group() -> None:
    """Write a new plugin."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Folder in which the plugin's project folder is created.")
def new_command(name: str, directory: Path) -> None:
    """Write a working plugin package NAME (lowercase, e.g. land_use) with its pyproject,
    hooks, a model, a screen, a migration branch and tests."""
    from motcua.core.plugin_manager.scaffold import write_plugin

    target = write_plugin(name, directory)
    click.echo(f"Plugin {name} written to {target}.")
    click.echo(f"Next: pip install -e {target} && cd {target} && python -m pytest")


def _with_app(command: click.Command) -> click.Command:
    """Give a plugin's command (and a group's subcommands) the application context."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_app(sub)
    elif command.callback is not None and not getattr(command, "_motcua_wrapped", False):
        command.callback = with_appcontext(command.callback)
        command._motcua_wrapped = True
    return command


def plugin_command_groups(reserved: set[str]) -> list[click.Group]:
    """One ``click`` group per enabled installed plugin with commands (its name is the
    group's); names clashing with ``reserved`` core commands are skipped. Never raises:
    the core's commands must keep working whatever a plugin does."""
    from motcua.core.errors import ConfigurationError

    try:
        from motcua.core.config import load_settings
        from motcua.core.plugin_manager import load_manager

        # The deployment's settings, so an uncertified plugin runs no command either
        # (unit limits do not matter here: a plugin's commands work for the deployment).
        # Only read: listing commands must not create an instance (or its secret key).
        manager = load_manager(load_settings(create=False))
    except ConfigurationError:
        return []  # e.g. run in a plugin's source folder: the command that needs the
        # deployment says so itself
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("plugin commands could not be loaded")
        return []
    try:
        return command_groups(manager, reserved)
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("plugin commands could not be loaded")
        return []


def command_groups(manager, reserved: set[str]) -> list[click.Group]:  # noqa: ANN001
    """The command groups of ``manager``'s enabled plugins (see
    :func:`plugin_command_groups`; the SDK test kit calls this with its app's manager)."""
    groups: dict[str, click.Group] = {}
    for name, command in manager.collect("motcua_cli_commands"):
        if name in reserved:
            log.error("plugin %s: its name is a core command; its commands are hidden",
                      name)
            continue
        if not isinstance(command, click.Command):
            log.error("plugin %s: motcua_cli_commands returned %r", name, command)
            continue
        group = groups.setdefault(name, click.Group(
            name, help=f"Commands of the {name} plugin."))
        group.add_command(_with_app(command))
    return list(groups.values())


COMMANDS = [plugins_group, plugin_group]
