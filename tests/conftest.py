"""Fixtures: a migrated database per test (SQLite always, PostgreSQL when configured),
the app on it, the small test province, and logged-in clients."""

from __future__ import annotations

import os

import pytest

from motcua.core import create_app
from motcua.core.testing import (
    MigratedTemplate,
    require_postgres_or_skip,
    use_fast_password_hashing,
)
from tests.factories import PASSWORD, World, build_world

BACKENDS = ["sqlite", "postgresql"]

# The showcase plugin is its own project with its own tests, run in a process of its own
# by tests/test_showcase_plugin.py: collected here, it would load the plugin into this
# suite's processes.
collect_ignore = ["showcase_plugin"]

use_fast_password_hashing()  # real argon2id, cheapest cost: worlds build in milliseconds

# The suite starts hundreds of Python processes (the CLI, conformance runs, servers).
# Where the environment forbids writing bytecode, each of them compiled the whole
# platform and every migration from source again, seconds of CPU per process; this lets
# the first one write the caches the others read.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# The functional tests read the English source strings of the UI; the Vietnamese default
# and catalogue have their own tests (tests/test_config.py, tests/test_translations.py).
os.environ.setdefault("MOTCUA_LANGUAGE", "en")


@pytest.hookimpl(optionalhook=True)  # without pytest-xdist (-p no:xdist) it never runs
def pytest_xdist_make_scheduler(config, log):  # noqa: ANN001, ANN201
    """With ``-n``, a worker that runs out of tests takes half of the other's queue.

    xdist's default hands each worker a long queue up front; the conformance runs (tens
    of seconds each) sit together in the suite, so one worker was left alone with a queue
    of them for minutes while the other had nothing to do. An explicit ``--dist`` wins."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    made: dict[str, MigratedTemplate] = {}

    def template(backend: str) -> MigratedTemplate:
        # Migrate once per backend and test process (setdefault would migrate every time).
        if backend not in made:
            made[backend] = MigratedTemplate(
                backend, tmp_path_factory.mktemp(f"template-{backend}")
            )
        return made[backend]

    yield template
    for template in made.values():
        template.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql":
        require_postgres_or_skip()  # fails instead when MOTCUA_REQUIRE_POSTGRES=1 (CI)
    return request.param


@pytest.fixture
def sqlite_only() -> str:
    """For tests that need one backend only (browser tests, pure logic)."""
    return "sqlite"


def _make_app(templates, backend: str, tmp_path, **overrides):
    url = templates(backend).fresh_url(tmp_path)
    app = create_app(
        instance_path=tmp_path / "instance",
        database_url=url,
        secret_key="test-secret",
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        **overrides,
    )
    return app


@pytest.fixture
def app(templates, backend, tmp_path):
    app = _make_app(templates, backend, tmp_path)
    yield app
    app.extensions["motcua.db"].dispose()


@pytest.fixture
def sqlite_app(templates, tmp_path):
    app = _make_app(templates, "sqlite", tmp_path)
    yield app
    app.extensions["motcua.db"].dispose()


@pytest.fixture
def configured_app(templates, backend, tmp_path):
    """Make (app, world): an app with the test world and some settings changed, e.g.
    ``configured_app(production=True)``."""
    made = []

    def make(**overrides):
        if overrides.get("production"):
            # Production refuses to start with open SMS endpoints (tests/test_sms_queue.py).
            overrides.setdefault("SMS_SECRET", "test-sms-secret")
        app = _make_app(templates, backend, tmp_path, **overrides)
        made.append(app)
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        return app, world

    yield make
    for app in made:
        app.extensions["motcua.db"].dispose()


@pytest.fixture
def db(app):
    """The app's :class:`~motcua.core.db.Database`."""
    return app.extensions["motcua.db"]


@pytest.fixture
def session(app, db):
    with app.app_context():
        yield db.session


@pytest.fixture
def world(app, db) -> World:
    with app.app_context():
        world = build_world(db.session)
        db.remove()
    return world


def login(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def desk_client(app, world):
    return login(app.test_client(), world.accounts["reception"].username)


@pytest.fixture
def routing(app, db, world):
    """The test world plus a tax office, a provincial department, officers of each and a
    two-step workflow for the household-business procedure (tests/test_workflow_support.py)."""
    from tests.test_workflow_support import add_routing

    with app.app_context():
        routing = add_routing(db.session, world)
        db.remove()
    return routing


@pytest.fixture
def clock(monkeypatch):
    """The application clock, set to a Monday morning in Vietnam and moved by the test."""
    from tests.test_workflow_support import Clock, vn

    return Clock(monkeypatch, vn(2026, 12, 7, 9, 0))
