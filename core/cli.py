"""The ``motcua`` command line (Flask/click).

Every command runs against the deployment configured by the environment
(``MOTCUA_DATABASE_URL``, ``MOTCUA_INSTANCE_PATH`` ...), see ``docs/configuration.md``.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from motcua.core.app import create_app
from motcua.core.errors import MotcuaError
from motcua_sdk.errors import PluginError


def _create_app() -> Flask:
    return create_app()


class _Group(FlaskGroup):
    """Turns our own errors into one readable line and exit code 1, not a traceback."""

    def invoke(self, ctx):  # noqa: ANN001
        try:
            return super().invoke(ctx)
        except (MotcuaError, PluginError) as error:
            # A plugin's command raises the SDK's errors, shown like the core's.
            click.echo(f"Error: {error.message}", err=True)
            sys.exit(1)

    def list_commands(self, ctx):  # noqa: ANN001, ANN201
        # Every motcua command is registered on this group: listing them (``--help``)
        # must not build the application, which would create an instance folder.
        return sorted(click.Group.list_commands(self, ctx))


@click.group(cls=_Group, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main() -> None:
    """motcua: electronic one-stop shop (Một cửa điện tử liên thông)."""


from motcua.core.commands import audit as _audit  # noqa: E402
from motcua.core.commands import backup as _backup  # noqa: E402
from motcua.core.commands import conformance as _conformance  # noqa: E402
from motcua.core.commands import db as _db  # noqa: E402
from motcua.core.commands import demo as _demo  # noqa: E402
from motcua.core.commands import dossiers as _dossiers  # noqa: E402
from motcua.core.commands import notices as _notices  # noqa: E402
from motcua.core.commands import plugins as _plugins  # noqa: E402
from motcua.core.commands import serve as _serve  # noqa: E402
from motcua.core.commands import sync as _sync  # noqa: E402
from motcua.core.commands import units as _units  # noqa: E402
from motcua.core.commands import users as _users  # noqa: E402
from motcua.core.commands import workflow as _workflow  # noqa: E402
from motcua.core.reports import commands as _reports  # noqa: E402
from motcua.sms import cli as _sms  # noqa: E402

for _module in (_audit, _backup, _conformance, _db, _demo, _dossiers, _notices, _plugins,
                _reports, _serve, _sync, _units, _users, _workflow, _sms):
    for _command in _module.COMMANDS:
        main.add_command(_command)

# The core's own commands, before any plugin's joins them.
CORE_COMMANDS = dict(main.commands)

# Each enabled plugin's own commands, as ``motcua <plugin name> ...``. Not for ``motcua
# conformance``: the suite must be the first to import the plugin it tests, under its
# watch (the runtime check sees what the plugin's modules do at start-up, the platform
# check compares the modules' bindings before and after).
if sys.argv[1:2] != ["conformance"]:
    for _group in _plugins.plugin_command_groups(set(main.commands)):
        main.add_command(_group)


def command_line(app: Flask) -> click.Group:
    """A ``motcua`` command line running against ``app`` with the plugins ``app`` runs
    (the SDK test kit's ``motcua_cli``): the core's commands plus one group per plugin
    of ``app``'s manager, with the same ``Error:`` lines."""

    @click.group(cls=_Group, create_app=lambda: app, add_default_commands=False,
                 add_version_option=False)
    def motcua() -> None:
        """motcua, for one application."""

    for command in CORE_COMMANDS.values():
        motcua.add_command(command)
    for group in _plugins.command_groups(app.extensions["motcua.plugins"],
                                         set(CORE_COMMANDS)):
        motcua.add_command(group)
    return motcua


__all__ = ["CORE_COMMANDS", "command_line", "main"]
