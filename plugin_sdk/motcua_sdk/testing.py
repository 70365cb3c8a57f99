"""The motcua test kit: a pytest plugin so plugin authors test exactly like the core does.

Installed with ``motcua-plugin-sdk`` (entry point ``pytest11``), it gives every test
session these fixtures (all prefixed ``motcua_``, so they never shadow a project's own):

- ``motcua_plugins``: the names of the installed plugins to enable (default: the
  ``motcua_plugins`` ini option, e.g. ``motcua_plugins = ["my_plugin"]`` under
  ``[tool.pytest.ini_options]``; override the fixture to choose per test module);
- ``motcua_extra_plugins``: ``(name, object)`` plugin objects registered directly
  (default: none), handy for a plugin defined inside a test;
- ``motcua_settings``: extra ``create_app`` settings (default: none);
- ``motcua_app``: the application with those plugins enabled, on a fresh database
  migrated with the core's and the plugins' branches (SQLite in a temporary folder;
  PostgreSQL when ``MOTCUA_TEST_POSTGRES_URL`` is set), holding a small test province
  (``motcua_world``) and the plugins' procedures in the catalogue;
- ``motcua_world``: that province: units and one account per role, plus a department
  of the city for each unit function the plugins declare (``MOTCUA_UNIT_FUNCTIONS``,
  ``units["function:<name>"]``, where the specialist holds the specialist role);
- ``motcua_session``: a database session inside the app context;
- ``motcua_clients``: logged-in Flask test clients per role
  (``motcua_clients.reception``, ``.specialist``, ``.leader``, ``.unit_admin``,
  ``.ict_admin``; ``motcua_clients.anonymous`` is not logged in);
- ``motcua_flow``: helpers to take in, route and finish dossiers
  (:class:`DossierFlow`);
- ``motcua_live_url``: ``motcua_app`` served over HTTP on a loopback port, its forms
  checking CSRF tokens as in production, and ``motcua_browser``: a headless Chromium
  (Debian's ``/usr/bin/chromium`` driven by playwright; the test is skipped with the
  reason when either is missing); :func:`browser_login` opens a logged-in page.

The test kit drives the motcua platform itself, so running the fixtures needs the
platform installed next to the SDK (a plugin's ``test`` extra lists ``motcua``; the
scaffold's does). The SDK does not depend on it: the platform is imported only when a
fixture or helper first needs it, so with the SDK alone pytest starts and a test using
the kit fails with a message saying what to install. Plugins import only ``motcua_sdk``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from motcua_sdk.types import DossierView, SampleDossier

# Also PASSWORD, ROLES, USERNAMES, World and build_world, from the platform on first
# use (module ``__getattr__`` below).
__all__ = ["DossierFlow", "MissingPlatform", "browser_login", "core_testing", "login"]

POSTGRES_ENV = "MOTCUA_TEST_POSTGRES_URL"
# Actions that move a dossier towards its result, in the order the kit prefers them.
PROGRESS = ("approve", "submit_for_approval", "forward", "claim")


# Names re-exported from the platform's ``motcua.core.testing``, imported on first use.
_FROM_CORE = ("PASSWORD", "ROLES", "USERNAMES", "World", "build_world")
MISSING_CORE = ("the motcua test kit needs the motcua platform installed next to "
                "motcua-plugin-sdk (it runs the plugin inside motcua): install your "
                "plugin with its test extra (pip install -e '.[test]'), or motcua itself")


class MissingPlatform(ImportError):
    """The motcua platform is not installed, so the test kit cannot run."""


def core_testing():  # noqa: ANN201 - the module motcua.core.testing
    """The platform's test support module; :class:`MissingPlatform` (with what to
    install) when the platform is not installed."""
    try:
        from motcua.core import testing
    except ModuleNotFoundError as error:
        if error.name not in ("motcua", "motcua.core", "motcua.core.testing"):
            raise
        raise MissingPlatform(MISSING_CORE) from error
    return testing


def _core_or_fail():  # noqa: ANN202
    """:func:`core_testing` for a fixture: a clear test error instead of a traceback."""
    try:
        return core_testing()
    except MissingPlatform as error:
        pytest.fail(str(error), pytrace=False)


def __getattr__(name: str) -> Any:
    if name in _FROM_CORE:
        return getattr(core_testing(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ``motcua_plugins`` ini option."""
    parser.addini("motcua_plugins", type="args", default=[],
                  help="names of installed motcua plugins the motcua_app fixture enables")


# ---------------------------------------------------------------------------- databases


def _version_locations(plugins: tuple[str, ...], extra: tuple) -> list[str]:
    from motcua.core.plugin_manager import PluginManager

    manager = PluginManager(plugins)
    manager.load_installed()
    for name, plugin in extra:
        manager.register(plugin, name)
    refused = [f"{r.name}: {r.reason}" for r in manager.records.values()
               if r.name in plugins and not r.enabled]
    if refused:
        pytest.fail("motcua test kit: plugin refused: " + "; ".join(refused), pytrace=False)
    return manager.version_locations()


class _Template:
    """A database migrated once per test session and plugin set, copied per test."""

    def __init__(self, workdir: Path, locations: list[str]) -> None:
        from motcua.core import migrate
        from motcua.core.db import make_engine

        self.postgres = os.environ.get(POSTGRES_ENV) or None
        if self.postgres:
            self.name = f"motcua_kit_tpl_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.name}"')
            url = self._url(self.name)
        else:
            self.file = workdir / "template.sqlite3"
            url = f"sqlite:///{self.file}"
        engine = make_engine(url)
        migrate.upgrade(engine, extra_version_locations=locations)
        engine.dispose()

    def _url(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.postgres).set(database=database).render_as_string(
            hide_password=False)

    def _admin(self, *statements: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        engine.dispose()

    @contextmanager
    def fresh(self, tmp_path: Path) -> Iterator[str]:
        if not self.postgres:
            target = tmp_path / "motcua.sqlite3"
            shutil.copyfile(self.file, target)
            yield f"sqlite:///{target}"
            return
        name = f"motcua_kit_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        try:
            yield self._url(name)
        finally:
            self._admin(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
                f'DROP DATABASE IF EXISTS "{name}"')

    def close(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')


@pytest.fixture(scope="session")
def _motcua_templates(tmp_path_factory) -> Iterator[Any]:
    _core_or_fail().use_fast_password_hashing()  # real argon2id at its cheapest cost: fast worlds
    made: dict[tuple, _Template] = {}

    def template(plugins: tuple[str, ...], extra: tuple) -> _Template:
        key = (plugins, tuple(name for name, _plugin in extra))
        if key not in made:
            made[key] = _Template(tmp_path_factory.mktemp("motcua-template"),
                                  _version_locations(plugins, extra))
        return made[key]

    yield template
    for template in made.values():
        template.close()


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def motcua_plugins(pytestconfig) -> list[str]:
    """Names of the installed plugins to enable (the ``motcua_plugins`` ini option)."""
    return list(pytestconfig.getini("motcua_plugins"))


@pytest.fixture
def motcua_extra_plugins() -> list[tuple[str, Any]]:
    """``(name, object)`` plugins registered directly with the manager (default none)."""
    return []


@pytest.fixture
def motcua_settings() -> dict[str, Any]:
    """Extra settings for ``motcua_app`` (default none): keyword overrides of
    ``create_app``, e.g. ``{"MOTCUA_TAX_OFFICES": "H99.01=T99.01"}`` for a plugin that
    reads its configuration from the application's config."""
    return {}


@pytest.fixture
def motcua_app(_motcua_templates, motcua_plugins, motcua_extra_plugins, motcua_settings,
               tmp_path):
    """The application with the plugins enabled, on a fresh migrated database holding
    the test province and the plugins' procedures (see the module doc)."""
    build_world = _core_or_fail().build_world
    plugins, extra = tuple(motcua_plugins), tuple(motcua_extra_plugins)
    template = _motcua_templates(plugins, extra)
    from motcua.core import create_app
    from motcua.core.plugin_manager.catalogue import sync_catalogue

    with template.fresh(tmp_path) as url:
        app = create_app(instance_path=tmp_path / "instance", database_url=url,
                         secret_key="motcua-test-kit", TESTING=True, WTF_CSRF_ENABLED=False,
                         plugins=plugins, extra_plugins=extra, **motcua_settings)
        manager = app.extensions["motcua.plugins"]
        refused = [f"{r.name}: {r.reason}" for r in manager.records.values()
                   if r.name in plugins + tuple(n for n, _p in extra) and not r.enabled]
        if refused:
            pytest.fail("motcua test kit: plugin refused: " + "; ".join(refused),
                        pytrace=False)
        database = app.extensions["motcua.db"]
        with app.app_context():
            # Units for the functions the plugins declare (MOTCUA_UNIT_FUNCTIONS).
            world = build_world(database.session, unit_functions=manager.unit_functions())
            sync_catalogue(database.session, manager)
            database.session.commit()
            database.remove()
        app.extensions["motcua.test_world"] = world
        try:
            yield app
        finally:
            database.dispose()


@pytest.fixture
def motcua_world(motcua_app):  # noqa: ANN201 - a motcua.core.testing.World
    """The test province of ``motcua_app`` (units and accounts, detached objects)."""
    return motcua_app.extensions["motcua.test_world"]


@pytest.fixture
def motcua_session(motcua_app) -> Iterator[Any]:
    """The app's database session, inside an application context."""
    with motcua_app.app_context():
        yield motcua_app.extensions["motcua.db"].session


def login(client, username: str, password: str | None = None):  # noqa: ANN001, ANN201
    """Log ``client`` in through the real login form (the test accounts' password by
    default); returns the client."""
    password = core_testing().PASSWORD if password is None else password
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed: {response.data[:300]}"
    return client


class Clients:
    """Logged-in test clients per role, made on first use."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self._app = app
        self._made: dict[str, Any] = {}

    def __getattr__(self, role: str):  # noqa: ANN204
        if role.startswith("_"):
            raise AttributeError(role)
        if role not in self._made:
            client = self._app.test_client()
            if role != "anonymous":
                kit = core_testing()
                ROLES, USERNAMES = kit.ROLES, kit.USERNAMES  # noqa: N806
                if role not in USERNAMES:
                    raise AttributeError(f"no test account for role {role!r}; roles: "
                                         f"{', '.join(ROLES)} or anonymous")
                login(client, USERNAMES[role])
            self._made[role] = client
        return self._made[role]


@pytest.fixture
def motcua_clients(motcua_app) -> Clients:
    """Logged-in test clients per role (``motcua_clients.specialist`` ...)."""
    return Clients(motcua_app)


@pytest.fixture
def motcua_flow(motcua_app) -> DossierFlow:
    """Helpers to take in, route and finish dossiers (:class:`DossierFlow`)."""
    return DossierFlow(motcua_app)


# ---------------------------------------------------------------------------- flow


@dataclass
class DossierFlow:
    """Drive dossiers through the real intake and routing functions, as the test
    province's officers. Each call runs in its own app context and commits."""

    app: Any
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (code, action, who)

    @contextmanager
    def _session(self) -> Iterator[Any]:
        database = self.app.extensions["motcua.db"]
        with self.app.app_context():
            try:
                yield database.session
            finally:
                database.remove()

    def _account(self, session, role: str):  # noqa: ANN001, ANN202
        from sqlalchemy import select

        from motcua.core.models import Account

        username = core_testing().USERNAMES[role]
        return session.scalar(select(Account).where(Account.username == username))

    def _dossier(self, session, code: str):  # noqa: ANN001, ANN202
        from motcua.core.intake import find_dossier

        return find_dossier(session, code)

    def view(self, code: str) -> DossierView:
        """The dossier as plugins see it."""
        from motcua.core.plugin_manager.views import dossier_view

        with self._session() as session:
            return dossier_view(self._dossier(session, code))

    def take_in(self, procedure_code: str, *, specialist_data: dict | None = None,
                applicant: dict | None = None, unit_code: str | None = None,
                validate: bool = True) -> DossierView:
        """Receive a complete dossier at the desk (every required document handed in).
        With ``validate`` (the default) ``specialist_data`` is loaded through the
        plugin's schema first; ``validate=False`` stores it as the desk typed it."""
        from sqlalchemy import select

        from motcua.core.intake import DeskContext
        from motcua.core.intake import take_in as core_take_in
        from motcua.core.models import Procedure
        from motcua.core.plugin_manager import validate_specialist_data
        from motcua.core.plugin_manager.views import dossier_view

        with self._session() as session:
            procedure = session.scalar(select(Procedure).where(Procedure.code == procedure_code))
            if procedure is None:
                raise LookupError(f"procedure {procedure_code} is not in the catalogue")
            if unit_code is None:
                if not procedure.receiving_units:
                    raise LookupError(f"procedure {procedure_code} has no receiving unit")
                unit_code = procedure.receiving_units[0].code
            data = {
                "procedure_code": procedure_code,
                "unit_code": unit_code,
                "applicant": {"name": "Nguyễn Văn An", "citizen_id": "001090001234",
                              "phone": "0912345678", "email": "an@example.vn",
                              "address": "12 đường Số 1, phường Một", **(applicant or {})},
                "submitted_documents": [d.id for d in procedure.documents if d.required],
                "specialist_data": validate_specialist_data(procedure_code,
                                                            specialist_data or {})
                if validate else (specialist_data or {}),
            }
            actor = self._account(session, "reception")
            ctx = DeskContext(session=session, actor=actor,
                              settings=self.app.config["MOTCUA"])
            dossier = core_take_in(ctx, data)
            session.commit()
            self.log.append((dossier.code, "take_in", actor.username))
            return dossier_view(dossier)

    def take_in_sample(self, sample: SampleDossier) -> DossierView:
        """Take in one of a plugin's :class:`~motcua_sdk.types.SampleDossier`."""
        applicant = {"name": sample.applicant_name}
        if sample.applicant_citizen_id:
            applicant["citizen_id"] = sample.applicant_citizen_id
        if sample.applicant_address:
            applicant["address"] = sample.applicant_address
        return self.take_in(sample.procedure_code, specialist_data=dict(
            sample.specialist_data), applicant=applicant)

    def act(self, code: str, action: str, role: str, **arguments: Any) -> DossierView:
        """Take routing ``action`` as the test account of ``role`` and commit."""
        from motcua.core.plugin_manager.views import dossier_view
        from motcua.core.workflow import actions

        with self._session() as session:
            dossier, actor = self._dossier(session, code), self._account(session, role)
            getattr(actions, action)(session, dossier, actor, **arguments)
            session.commit()
            self.log.append((code, action, actor.username))
            return dossier_view(dossier)

    def available(self, code: str, role: str) -> list[str]:
        """The actions the test account of ``role`` may take now."""
        from motcua.core.workflow.actions import available_actions

        with self._session() as session:
            return available_actions(session, self._dossier(session, code),
                                     self._account(session, role))

    def _who_can(self, code: str, names: tuple[str, ...]) -> tuple[str, str] | None:
        for name in names:
            for role in ("specialist", "leader", "reception"):
                if name in self.available(code, role):
                    return name, role
        return None

    def route(self, code: str, *, max_moves: int = 40) -> DossierView:
        """Move the dossier along its workflow (claim, forward, submit, approve) until
        someone may issue its result; fails if it gets stuck."""
        for _move in range(max_moves):
            if self._who_can(code, ("issue_result",)):
                return self.view(code)
            found = self._who_can(code, PROGRESS)
            if found is None:
                view = self.view(code)
                raise AssertionError(f"dossier {code} is stuck in status {view.status} "
                                     f"at {view.holder_unit_code}: nobody can move it")
            self.act(code, found[0], found[1])
        raise AssertionError(f"dossier {code} did not reach its result in {max_moves} moves")

    def issue(self, code: str, *, result: dict | None = None) -> DossierView:
        """Issue the result: ``result`` if given, else the handling plugin's
        ``motcua_issue_result`` (as the core does)."""
        from motcua.core.plugin_manager import issue_result
        from motcua.core.plugin_manager.views import dossier_view
        from motcua.core.workflow import actions

        found = self._who_can(code, ("issue_result",))
        if found is None:
            raise AssertionError(f"nobody may issue the result of {code} now")
        with self._session() as session:
            dossier, actor = self._dossier(session, code), self._account(session, found[1])
            value = result if result is not None else issue_result(dossier, actor)
            actions.issue_result(session, dossier, actor, result=value or {})
            session.commit()
            self.log.append((code, "issue_result", actor.username))
            return dossier_view(dossier)

    def finish(self, code: str, *, result: dict | None = None, hand_over: bool = True,
               collected_by: str = "Nguyễn Văn An") -> DossierView:
        """Route, issue the result and (``hand_over``) return it to the applicant."""
        self.route(code)
        view = self.issue(code, result=result)
        if hand_over:
            view = self.act(code, "return_result", "reception", collected_by=collected_by,
                            method="in_person")
        return view


# ---------------------------------------------------------------------------- browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")


@pytest.fixture
def motcua_live_url(motcua_app) -> Iterator[str]:
    """The application served by a real HTTP server on a loopback port (threaded)."""
    import threading

    from werkzeug.serving import make_server

    motcua_app.config["WTF_CSRF_ENABLED"] = True  # real forms post their CSRF token
    server = make_server("127.0.0.1", 0, motcua_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def motcua_browser() -> Iterator[Any]:
    """A headless Chromium (a playwright ``Browser``), closed after the test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def browser_login(browser, base_url: str, username: str, password: str | None = None):  # noqa: ANN001, ANN201
    """A new page of ``browser`` logged in through the login form as ``username`` (the
    test accounts' password by default); it waits until the officer has left the login
    page (each lands on their start page)."""
    password = core_testing().PASSWORD if password is None else password
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    return page
