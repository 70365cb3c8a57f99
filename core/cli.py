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


def _create_app() -> Flask:
    return create_app()


class _Group(FlaskGroup):
    """Turns our own errors into one readable line and exit code 1, not a traceback."""

    def invoke(self, ctx):  # noqa: ANN001
        try:
            return super().invoke(ctx)
        except MotcuaError as error:
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
from motcua.core.commands import notices as _notices  # noqa: E402
from motcua.core.commands import plugins as _plugins  # noqa: E402
from motcua.core.commands import serve as _serve  # noqa: E402
from motcua.core.commands import sync as _sync  # noqa: E402
from motcua.core.commands import users as _users  # noqa: E402
from motcua.core.commands import workflow as _workflow  # noqa: E402
from motcua.core.reports import commands as _reports  # noqa: E402
from motcua.sms import cli as _sms  # noqa: E402

for _module in (_audit, _backup, _conformance, _db, _demo, _notices, _plugins, _reports,
                _serve, _sync, _users, _workflow, _sms):
    for _command in _module.COMMANDS:
        main.add_command(_command)

# Each enabled plugin's own commands, as ``motcua <plugin name> ...``.
for _group in _plugins.plugin_command_groups(set(main.commands)):
    main.add_command(_group)

__all__ = ["main"]
