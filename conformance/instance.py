"""Throw-away motcua instances for a conformance run: the real application on its own
database (SQLite file, or a new PostgreSQL database dropped afterwards), migrated with
the core's and the plugin's branches, holding the test province and the plugin's
procedures, with a logged-in HTTP client per role."""

from __future__ import annotations

import re
import secrets
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from motcua.conformance.csrf_client import TokenClient, log_in
from motcua.core import create_app, migrate
from motcua.core.plugin_manager.catalogue import sync_catalogue
from motcua.core.testing import PASSWORD, ROLES, USERNAMES, World, build_world, postgres_database

# Every instance's settings (and the platform check's applications'): many logins and
# requests from one address in seconds are the suite, not an attack.
SUITE_SETTINGS = {"RATELIMIT_ENABLED": False}
# Set on every instance after it is built (and on the platform check's bare application).
RUN_CONFIG = {"TESTING": False, "PROPAGATE_EXCEPTIONS": False}
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')


class InstanceError(Exception):
    """The instance could not be built (the plugin was refused, a migration failed)."""


@dataclass
class Instance:
    """One throw-away application with its world and clients."""

    app: Flask
    url: str
    world: World
    clients: dict[str, Any] = field(default_factory=dict)

    @property
    def database(self):  # noqa: ANN201 - motcua.core.db.Database
        return self.app.extensions["motcua.db"]

    @property
    def manager(self):  # noqa: ANN201 - PluginManager
        return self.app.extensions["motcua.plugins"]

    def client(self, role: str) -> TokenClient:
        """The HTTP client of the test account of ``role`` ("anonymous": nobody), logged
        in through the login form; its forms carry their CSRF token."""
        if role not in self.clients:
            client = self.app.test_client()
            if role != "anonymous":
                answer = log_in(client, USERNAMES[role], PASSWORD)
                if answer.status_code != 302:
                    raise InstanceError(f"the {role} account could not log in "
                                        f"(HTTP {answer.status_code})")
            self.clients[role] = client
        return self.clients[role]


def database_url(stack: ExitStack, folder: Path, postgres_admin_url: str | None) -> str:
    """A new empty database: a SQLite file in ``folder`` or a PostgreSQL database on the
    server of ``postgres_admin_url`` (dropped when ``stack`` closes)."""
    folder.mkdir(parents=True, exist_ok=True)
    if postgres_admin_url:
        return stack.enter_context(postgres_database("motcua_conformance", postgres_admin_url))
    return f"sqlite:///{folder / 'motcua.sqlite3'}"


def open_instance(stack: ExitStack, plugin: str, folder: Path, *,
                  postgres_admin_url: str | None = None, also_enabled: tuple[str, ...] = (),
                  **settings: Any) -> Instance:
    """Build an instance with ``plugin`` (and the plugins it works with, ``also_enabled``)
    enabled (see the module doc)."""
    url = database_url(stack, folder, postgres_admin_url)
    app = create_app(instance_path=folder / "instance", database_url=url,
                     secret_key=secrets.token_hex(16), plugins=(plugin, *also_enabled),
                     require_certified=False, **SUITE_SETTINGS, **settings)
    # Plugin errors must show as HTTP answers (a 500 is a finding), not as exceptions.
    app.config.update(RUN_CONFIG)
    # CSRF protection stays on, as in production: the suite's clients post tokens.
    app.test_client_class = TokenClient
    stack.callback(app.extensions["motcua.db"].dispose)
    manager = app.extensions["motcua.plugins"]
    for name in (plugin, *also_enabled):
        record = manager.records.get(name)
        if record is None or not record.enabled:
            raise InstanceError(f"the platform refused plugin {name}: "
                                f"{record.reason if record else 'not found'}")
    database = app.extensions["motcua.db"]
    migrate.upgrade(database.engine, extra_version_locations=manager.version_locations())
    with app.app_context():
        # The unit functions the plugins' workflows name, so their shipped defaults run.
        world = build_world(database.session, unit_functions=manager.unit_functions())
        changes = sync_catalogue(database.session, manager)
        database.session.commit()
        database.remove()
    if changes.conflicts:
        raise InstanceError("catalogue conflicts: " + "; ".join(changes.conflicts))
    return Instance(app=app, url=url, world=world)


def serve(stack: ExitStack, app: Flask) -> str:
    """Serve ``app`` over HTTP on a loopback port until ``stack`` closes; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    stack.callback(stop)
    return f"http://127.0.0.1:{server.server_port}"


__all__ = ["ROLES", "RUN_CONFIG", "SUITE_SETTINGS", "VERSION_FIELD", "Instance",
           "InstanceError", "database_url", "open_instance", "serve"]
