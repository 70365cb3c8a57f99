"""A small province of real servers for the sync tests: a hub served over HTTP on loopback
(by a real WSGI server in a thread, or by gunicorn in its own process group for the fault
tests that kill it), and nodes (separate app instances, separate databases) that push to
it. Not a test module itself: the sync tests import from it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from motcua.core import create_app, migrate
from motcua.core.db import make_engine
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Unit
from motcua.core.sync.hub import register_node
from motcua.core.sync.node import Node, node_from_settings
from motcua.core.testing import postgres_database
from tests.factories import World, build_world, intake_data, make_procedure

NORTH_UNITS = ["H72.01", "H72.01.01", "H72.01.02", "X72.25747"]
SOUTH_UNITS = ["H72.02"]
SOUTH_PROCEDURE = "2.000001"


class Server:
    """A real WSGI server for ``app`` on a loopback port; can be stopped and restarted."""

    def __init__(self, app: Flask, port: int = 0) -> None:
        self.app = app
        self.port = port
        self._server = None
        self._thread = None

    def start(self) -> Server:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class HubProcess:
    """The hub served by gunicorn in its own process group (the production server), so a
    test can SIGKILL it whole and start it again on the same port."""

    def __init__(self, app: Flask, port: int = 0) -> None:
        self.app = app
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> HubProcess:
        settings = self.app.config["MOTCUA"]
        env = {**os.environ, "MOTCUA_DATABASE_URL": settings.database_url,
               "MOTCUA_ROLE": "hub", "MOTCUA_SECRET_KEY": "test-secret",
               "MOTCUA_INSTANCE_PATH": str(settings.instance_path), "MOTCUA_PLUGINS": "none"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "2",
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "motcua.core.app:create_app()"],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        if not wait_for_port(self.port, 30):
            self.kill()
            raise RuntimeError("the hub process did not start")
        return self

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (a power cut, an OOM kill)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
        self.process = None

    stop = kill

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Province:
    hub: Flask
    server: Server | HubProcess
    nodes: dict[str, Flask] = field(default_factory=dict)
    worlds: dict[str, World] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def node(self, name: str) -> Node:
        """A sync worker's view of node ``name`` (a fresh one per call), asking the
        node's plugins as ``motcua sync run`` does."""
        app = self.nodes[name]
        return node_from_settings(app.config["MOTCUA"], app.extensions["motcua.db"], app)


def _world(app: Flask) -> World:
    database = app.extensions["motcua.db"]
    with app.app_context():
        world = build_world(database.session)
        # Node "south" receives its own procedure at the other district.
        make_procedure(database.session, code=SOUTH_PROCEDURE, name="Cấp giấy phép xây dựng",
                       field="Xây dựng", days=5, fee=0, result="Giấy phép",
                       units=[world.other_district],
                       documents=[("Đơn đề nghị", True)])
        database.session.commit()
        database.remove()
    return world


def _database_url(stack: ExitStack, templates, backend: str, folder: Path, first: bool) -> str:  # noqa: ANN001
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite" or first:
        return templates(backend).fresh_url(folder)
    # The template holds one PostgreSQL database per test process: the others are new.
    url = stack.enter_context(postgres_database("motcua_sync"))
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def make_app(url: str, folder: Path, **settings) -> Flask:  # noqa: ANN003
    # Only the plugins a test names: an installed vendor plugin must not change the figures.
    settings.setdefault("plugins", ())
    return create_app(instance_path=folder / "instance", database_url=url,
                      secret_key="test-secret", TESTING=True, WTF_CSRF_ENABLED=False,
                      **settings)


@contextmanager
def province(templates, backend: str, tmp_path: Path,  # noqa: ANN001
             nodes: dict[str, list[str]] | None = None, *,
             hub_process: bool = False, node_settings: dict | None = None
             ) -> Iterator[Province]:
    """A hub and its nodes (default: north and south), all with the test province;
    ``hub_process``: the hub runs in its own processes (gunicorn), not in a thread;
    ``node_settings``: more settings of every node (e.g. ``extra_plugins``)."""
    nodes = nodes if nodes is not None else {"north": NORTH_UNITS, "south": SOUTH_UNITS}
    with ExitStack() as stack:
        hub = make_app(_database_url(stack, templates, backend, tmp_path / "hub", True),
                       tmp_path / "hub", role="hub")
        stack.callback(hub.extensions["motcua.db"].dispose)
        result = Province(hub=hub, server=HubProcess(hub) if hub_process else Server(hub))
        result.worlds["hub"] = _world(hub)
        with hub.app_context():
            session = hub.extensions["motcua.db"].session
            for name, units in nodes.items():
                result.keys[name] = register_node(session, name, units)
            session.commit()
            hub.extensions["motcua.db"].remove()
        result.server.start()
        stack.callback(lambda: result.server.stop())  # the one running at the end
        for name in nodes:
            folder = tmp_path / name
            app = make_app(_database_url(stack, templates, backend, folder, False), folder,
                           role="node", sync_node_id=name, sync_hub_url=result.server.url,
                           sync_key=result.keys[name],
                           **{"sync_batch_size": 50, **(node_settings or {})})
            stack.callback(app.extensions["motcua.db"].dispose)
            result.nodes[name] = app
            result.worlds[name] = _world(app)
        yield result


def receive(app: Flask, world: World, *, at_south: bool = False, name: str = "Nguyễn Văn An",
            phone: str = "0912345678") -> str:
    """Take in one dossier at the district desk (or at the south district); returns its code."""
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        username = "letan.hoathanh" if at_south else "letan"
        actor = session.scalar(select(Account).where(Account.username == username))
        if at_south:
            procedure_code, unit_code = SOUTH_PROCEDURE, "H72.02"
            from motcua.core.models import Procedure

            procedure = session.scalar(select(Procedure).where(Procedure.code == procedure_code))
            data = intake_data(world, procedure_code=procedure_code, unit_code=unit_code,
                               submitted_documents=[d.id for d in procedure.documents])
        else:
            data = intake_data(world)
        data["applicant"] = {**data["applicant"], "name": name, "phone": phone}
        dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]), data)
        session.commit()
        code = dossier.code
        database.remove()
    return code


def unit_id(session, code: str) -> int:  # noqa: ANN001
    return session.scalar(select(Unit.id).where(Unit.code == code))
