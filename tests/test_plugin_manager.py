"""The plugin manager: tiny in-test plugins registered directly, and fake installed
distributions found through the ``motcua.plugins`` entry-point group."""

from __future__ import annotations

import contextlib
import sys
import textwrap
import types

import pytest
from click.testing import CliRunner
from flask import Blueprint
from sqlalchemy import MetaData, select

from motcua.core import create_app
from motcua.core.config import plugin_names, plugin_units
from motcua.core.errors import ConfigurationError
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Dossier, DossierEvent, Procedure
from motcua.core.plugin_manager import PluginManager
from motcua.core.plugin_manager.catalogue import sync_catalogue
from motcua.core.plugin_manager.purity import core_imports
from motcua.core.sync.entries import resync_payload
from motcua.core.workflow.definitions import default_steps
from motcua_sdk import DocumentSpec, MenuItem, ProcedureSpec, Report, SampleDossier, hookimpl
from motcua_sdk import signals as sdk_signals
from tests.conftest import login
from tests.factories import build_world, intake_data


def make_plugin(api: str | None = ">=0.1,<0.2", **hooks) -> types.SimpleNamespace:
    """A plugin object with ``MOTCUA_API`` and the given hook functions."""
    plugin = types.SimpleNamespace(**{name: hookimpl(function)
                                      for name, function in hooks.items()})
    if api is not None:
        plugin.MOTCUA_API = api
    return plugin


def plugin_app(templates, backend, tmp_path, *plugins, **settings):
    """An app with only ``plugins`` (``(name, object)`` pairs) unless ``plugins=`` names
    installed ones: plugins installed in this environment stay out of these tests."""
    settings.setdefault("plugins", ())
    url = templates(backend).fresh_url(tmp_path)
    return create_app(instance_path=tmp_path / "instance", database_url=url,
                      secret_key="test-secret", TESTING=True, WTF_CSRF_ENABLED=False,
                      extra_plugins=tuple(plugins), **settings)


@pytest.fixture
def make_app(templates, backend, tmp_path):
    made = []

    def make(*plugins, **settings):
        app = plugin_app(templates, backend, tmp_path, *plugins, **settings)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["motcua.db"].dispose()


def with_world(app):
    database = app.extensions["motcua.db"]
    with app.app_context():
        world = build_world(database.session)
        database.remove()
    return world


def receive(app, world, **overrides) -> str:
    """Take in a household-business dossier at the district desk; its code."""
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        actor = session.merge(world.accounts["reception"])
        dossier = take_in(DeskContext(session=session, actor=actor,
                                      settings=app.config["MOTCUA"]),
                          intake_data(world, **overrides))
        session.commit()
        code = dossier.code
        database.remove()
    return code


# ---------------------------------------------------------------------------- settings


def test_motcua_plugins_setting():
    assert plugin_names(None) is None
    assert plugin_names(" all ") is None
    assert plugin_names("none") == ()
    assert plugin_names("a, b,,a") == ("a", "b")
    assert plugin_units("a=h72.01, H72.02; b=X72.1") == {"a": ("H72.01", "H72.02"),
                                                          "b": ("X72.1",)}
    assert plugin_units("") == {}
    with pytest.raises(ConfigurationError, match="MOTCUA_PLUGIN_UNITS must look like"):
        plugin_units("a")


def test_a_plugin_limited_to_some_units(make_app):
    spec = ProcedureSpec(code="9.000002", name="Thủ tục vùng", field="Thử nghiệm",
                         level="district", processing_days=2, result_type="Giấy")
    bp = Blueprint("regional", __name__, url_prefix="/regional")
    bp.add_url_rule("/", "index", lambda: "regional")
    plugin = make_plugin(motcua_procedures=lambda: [spec], motcua_blueprints=lambda: [bp],
                         motcua_menu_items=lambda account: [MenuItem("Regional",
                                                                     "regional.index")])
    app = make_app(("regional", plugin), plugin_units={"regional": ("H72.02",)})
    world = with_world(app)
    manager = app.extensions["motcua.plugins"]
    assert manager.records["regional"].units == ("H72.02",)
    database = app.extensions["motcua.db"]
    with app.app_context():
        sync_catalogue(database.session, manager)
        database.session.commit()
        procedure = database.session.scalar(select(Procedure).where(Procedure.code == spec.code))
        assert [u.code for u in procedure.receiving_units] == ["H72.02"]
    inside = login(app.test_client(), world.accounts["other_reception"].username)
    assert "Regional" in inside.get("/").get_data(as_text=True)
    outside = login(app.test_client(), world.accounts["reception"].username)
    assert "Regional" not in outside.get("/").get_data(as_text=True)
    admin = login(app.test_client(), world.accounts["ict_admin"].username)
    assert 'data-state="enabled" data-units="H72.02"' in admin.get("/admin/plugins/").get_data(
        as_text=True)


def test_reports_samples_and_models_are_collected_and_checked(make_app):
    metadata = MetaData()
    report = Report(name="count", title="Count", columns=("n",), build=lambda *a: [])
    sample = SampleDossier(procedure_code="9.1", applicant_name="A", specialist_data={})
    plugin = make_plugin(motcua_reports=lambda: [report, "not a report"],
                         motcua_sample_dossiers=lambda: [sample],
                         motcua_models=lambda: metadata)
    manager = make_app(("collect", plugin)).extensions["motcua.plugins"]
    assert manager.reports() == [("collect", report)]
    assert manager.sample_dossiers() == [("collect", sample)]
    assert manager.models() == [("collect", metadata)]
    assert [(f.plugin, f.hook) for f in manager.failures] == [("collect", "motcua_reports")]


# ---------------------------------------------------------------------------- versions


@pytest.mark.parametrize(("api", "reason"), [
    (">=0.3,<0.4", "needs motcua API >=0.3,<0.4 but this motcua provides API 0.2.0"),
    (None, "declares no MOTCUA_API range"),
    ("zero point one", "is not a valid version range"),
    (1, "MOTCUA_API must be a string"),
])
def test_an_incompatible_plugin_is_refused_with_a_message(make_app, api, reason):
    bp = Blueprint("incompatible", __name__, url_prefix="/incompatible")
    bp.add_url_rule("/", "index", lambda: "should not be served")
    plugin = make_plugin(api, motcua_blueprints=lambda: [bp])
    app = make_app(("incompatible", plugin))
    record = app.extensions["motcua.plugins"].records["incompatible"]
    assert record.state == "refused"
    assert reason in record.reason
    assert "incompatible" not in app.blueprints
    assert app.test_client().get("/incompatible/").status_code == 404


def test_a_compatible_plugin_is_enabled_and_contributes(make_app):
    bp = Blueprint("tiny", __name__, url_prefix="/tiny")
    bp.add_url_rule("/", "index", lambda: "tiny screen")
    spec = ProcedureSpec(code="9.000001", name="Thủ tục thử", field="Thử nghiệm",
                         level="district", processing_days=4, result_type="Giấy thử",
                         workflow=[{"name": "Thẩm định", "role": "specialist", "days": 3,
                                    "unit": "receiving"}])
    plugin = make_plugin(
        motcua_blueprints=lambda: [bp],
        motcua_procedures=lambda: [spec],
        motcua_menu_items=lambda account: [MenuItem(label="Tiny register",
                                                    endpoint="tiny.index")],
    )
    app = make_app(("tiny", plugin))
    world = with_world(app)
    manager = app.extensions["motcua.plugins"]
    assert manager.records["tiny"].state == "enabled"
    assert manager.records["tiny"].api_range == ">=0.1,<0.2"
    assert app.test_client().get("/tiny/").get_data(as_text=True) == "tiny screen"
    client = login(app.test_client(), world.accounts["reception"].username)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tiny/"' in home and "Tiny register" in home

    database = app.extensions["motcua.db"]
    with app.app_context():
        changes = sync_catalogue(database.session, manager)
        database.session.commit()
        assert changes.added == ["9.000001"]
        procedure = database.session.scalar(select(Procedure).where(Procedure.code == "9.000001"))
        assert procedure.handler_plugin == "tiny"
        assert [u.code for u in procedure.receiving_units] == [
            world.district_desk.code, world.other_district.code]
        assert default_steps(procedure)[0]["name"] == "Thẩm định"
        again = sync_catalogue(database.session, manager)
        assert again.unchanged == ["9.000001"] and not again.added


def test_a_plugin_with_an_unknown_hook_or_a_wrapper_is_refused(make_app):
    def motcua_frobnicate():
        return 1

    unknown = types.SimpleNamespace(MOTCUA_API=">=0.1", motcua_frobnicate=hookimpl(
        motcua_frobnicate))

    def motcua_reports():
        yield

    wrapper = types.SimpleNamespace(MOTCUA_API=">=0.1", motcua_reports=hookimpl(
        wrapper=True)(motcua_reports))
    app = make_app(("unknown", unknown), ("wrapping", wrapper))
    records = app.extensions["motcua.plugins"].records
    assert records["unknown"].state == "refused"
    assert "motcua_frobnicate" in records["unknown"].reason
    assert records["wrapping"].state == "refused"
    assert "wrapper" in records["wrapping"].reason


def test_a_bad_plugin_name_is_refused():
    manager = PluginManager(None)
    record = manager.register(make_plugin(), "Bad-Name")
    assert record.state == "refused" and "lowercase" in record.reason


# ---------------------------------------------------------------------------- isolation


HOUSEHOLD = ProcedureSpec(
    code="1.001612", name="Đăng ký thành lập hộ kinh doanh",
    field="Thành lập và hoạt động của hộ kinh doanh", level="district", processing_days=3,
    fee=100000, result_type="Giấy chứng nhận đăng ký hộ kinh doanh",
    documents=(DocumentSpec("Giấy đề nghị đăng ký hộ kinh doanh"),
               DocumentSpec("Bản sao giấy tờ pháp lý của cá nhân", copy_kind="copy"),
               DocumentSpec("Văn bản ủy quyền (nếu có)", required=False)))


def module_plugin(name: str, **hooks) -> types.ModuleType:
    """A plugin module ``name`` (so its signal receivers are attributed to it)."""
    module = types.ModuleType(name)
    module.MOTCUA_API = ">=0.1,<0.2"
    for hook, function in hooks.items():
        setattr(module, hook, hookimpl(function))
    return module


@contextlib.contextmanager
def connected(signal, receiver):
    signal.connect(receiver, weak=False)
    try:
        yield
    finally:
        signal.disconnect(receiver)


def failing_receiver(module: str, calls: list):
    def on_received(dossier, event):
        calls.append(dossier.code)
        raise RuntimeError("receiver bug")

    on_received.__module__ = module
    return on_received


def test_a_hook_exception_does_not_break_intake(make_app):
    """The plugin handling the desk's procedure raises in every hook and receiver the
    intake and its follow-ups touch: the dossier is taken in through the web desk all
    the same, intact, and the ICT admin page shows each failure."""
    def broken(**_kwargs):
        raise RuntimeError("plugin bug")

    def menu_items(account):
        raise RuntimeError("menu bug")

    plugin = module_plugin("brokenplug", motcua_procedures=lambda: [HOUSEHOLD],
                           motcua_menu_items=menu_items,
                           motcua_public_fields=lambda dossier: broken(),
                           motcua_sync_payload=lambda dossier: broken())
    app = make_app(("broken", plugin))
    world = with_world(app)
    database = app.extensions["motcua.db"]
    with app.app_context():
        sync_catalogue(database.session, app.extensions["motcua.plugins"])
        database.session.commit()
        procedure = database.session.scalar(select(Procedure).where(
            Procedure.code == HOUSEHOLD.code))
        assert procedure.handler_plugin == "broken"
        database.remove()

    heard: list[str] = []
    desk = login(app.test_client(), world.accounts["reception"].username)
    with connected(sdk_signals.received, failing_receiver("brokenplug", heard)):
        assert desk.get("/").status_code == 200
        code = web_receive(desk, world)
    assert heard == [code]  # the receiver ran, raised, and intake went on
    lookup = app.test_client().get(f"/tra-cuu/{code}")
    assert lookup.status_code == 200 and code in lookup.get_data(as_text=True)
    with app.app_context():
        session = database.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert (dossier.status, dossier.procedure.code) == ("received", HOUSEHOLD.code)
        assert dossier.applicant_name == "Nguyễn Văn An"
        assert [e.kind for e in session.scalars(select(DossierEvent).where(
            DossierEvent.dossier_id == dossier.id))] == ["received"]
        assert "broken" not in resync_payload(session, dossier)["plugins"]
        database.remove()

    failed = {(f.plugin, f.hook) for f in app.extensions["motcua.plugins"].failures}
    assert failed == {("broken", "motcua_menu_items"), ("broken", "signal received"),
                      ("broken", "motcua_public_fields"), ("broken", "motcua_sync_payload")}
    admin = login(app.test_client(), world.accounts["ict_admin"].username)
    page = admin.get("/admin/plugins/").get_data(as_text=True)
    for hook in ("motcua_menu_items", "signal received", "motcua_public_fields",
                 "motcua_sync_payload"):
        assert f'data-failure="broken" data-hook="{hook}"' in page
    assert "RuntimeError: receiver bug" in page and "RuntimeError: plugin bug" in page


def web_receive(client, world) -> str:
    """Take in a household-business dossier through the desk's intake form; its code."""
    from tests.test_desk_web import receive as desk_receive

    return desk_receive(client, world)


def test_a_failing_hook_of_another_plugin_does_not_stop_the_others(make_app):
    def menu_items(account):
        raise RuntimeError("menu bug")

    calls = []
    healthy = make_plugin(motcua_menu_items=lambda account: calls.append(account.username))
    app = make_app(("broken", make_plugin(motcua_menu_items=menu_items)), ("healthy", healthy))
    world = with_world(app)
    client = login(app.test_client(), world.accounts["reception"].username)
    assert client.get("/").status_code == 200
    assert calls == [world.accounts["reception"].username]
    failures = app.extensions["motcua.plugins"].failures
    assert [(f.plugin, f.hook) for f in failures] == [("broken", "motcua_menu_items")]
    assert "menu bug" in failures[0].message


def test_signal_receivers_of_a_plugin_not_used_at_the_unit_are_skipped(make_app):
    inside, outside = [], []
    app = make_app(("here", module_plugin("hereplug")), ("elsewhere", module_plugin(
        "elsewhereplug")), plugin_units={"elsewhere": ("H72.02",)})
    world = with_world(app)

    def listener(module, calls):
        def on_received(dossier, event):
            calls.append(dossier.code)

        on_received.__module__ = module
        return on_received

    with connected(sdk_signals.received, listener("hereplug", inside)), \
            connected(sdk_signals.received, listener("elsewhereplug", outside)):
        code = receive(app, world)  # at the desk of H72.01, not H72.02
    assert inside == [code]
    assert outside == []


def test_pages_of_a_plugin_limited_to_some_units_refuse_officers_elsewhere(make_app):
    bp = Blueprint("regional", __name__, url_prefix="/regional")
    bp.add_url_rule("/", "index", lambda: "regional")
    app = make_app(("regional", make_plugin(motcua_blueprints=lambda: [bp])),
                   plugin_units={"regional": ("H72.02",)})
    world = with_world(app)
    inside = login(app.test_client(), world.accounts["other_reception"].username)
    assert inside.get("/regional/").get_data(as_text=True) == "regional"
    outside = login(app.test_client(), world.accounts["reception"].username)
    assert outside.get("/regional/").status_code == 403


def test_a_one_off_failure_of_the_procedures_hook_is_not_cached(make_app):
    answers = iter([RuntimeError("database hiccup")])

    def procedures():
        failure = next(answers, None)
        if failure is not None:
            raise failure
        return [HOUSEHOLD]

    manager = make_app(("flaky", make_plugin(motcua_procedures=procedures))).extensions[
        "motcua.plugins"]
    assert manager.procedures() == {}
    assert manager.procedures() == {HOUSEHOLD.code: ("flaky", HOUSEHOLD)}
    assert manager.procedure_spec(HOUSEHOLD.code) is HOUSEHOLD


def test_admin_page_and_cli_show_states(make_app, tmp_path):
    app = make_app(("good", make_plugin()), ("old", make_plugin(">=0.0,<0.1")))
    world = with_world(app)
    admin = login(app.test_client(), world.accounts["ict_admin"].username)
    page = admin.get("/admin/plugins/").get_data(as_text=True)
    assert 'data-plugin="good" data-state="enabled" data-units=""' in page
    assert 'data-plugin="old" data-state="refused"' in page
    # The reason's values are data (translate="no"); its sentence is in the page's language.
    assert 'needs motcua API <span translate="no">&gt;=0.0,&lt;0.1</span>' in page
    page = admin.get("/admin/plugins/?lang=vi").get_data(as_text=True)
    assert ('cần giao diện phân hệ motcua <span translate="no">&gt;=0.0,&lt;0.1</span> '
            "nhưng hệ thống này cung cấp phiên bản") in page
    assert "không áp dụng: được đăng ký trực tiếp trong tiến trình" in page
    desk = login(app.test_client(), world.accounts["reception"].username)
    assert desk.get("/admin/plugins/").status_code == 403


def test_a_plugin_is_called_by_its_declared_display_name(make_app):
    named = make_plugin()
    named.MOTCUA_DISPLAY_NAME = {"vi": "Cấp phép thử", "en": "Trial licensing", "fr": 3}
    app = make_app(("named", named), ("plain", make_plugin()))
    records = app.extensions["motcua.plugins"].records
    assert records["named"].display_names == {"vi": "Cấp phép thử", "en": "Trial licensing"}
    assert records["named"].title("vi") == "Cấp phép thử"
    assert records["named"].title("de") == "Trial licensing"  # English when not declared
    assert records["plain"].title("vi") == "plain"
    world = with_world(app)
    admin = login(app.test_client(), world.accounts["ict_admin"].username)
    page = admin.get("/admin/plugins/?lang=vi").get_data(as_text=True)
    assert 'Cấp phép thử <code translate="no">named</code>' in page
    assert '<td><code translate="no">plain</code></td>' in page


# ---------------------------------------------------------------------------- discovery


def fake_distribution(root, name, module, source, *, version="1.2.3"):
    """A distribution installed in ``root`` (a sys.path entry) with one entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"motcua_fake_{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: motcua-fake-{name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[motcua.plugins]\n{name} = {module}\n")


@pytest.fixture
def fake_site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [m for m in sys.modules if m.startswith("fakeplug_")]:
        del sys.modules[name]


GOOD = """
    from motcua_sdk import hookimpl
    MOTCUA_API = ">=0.1,<0.2"

    @hookimpl
    def motcua_reports():
        return []
"""


def test_installed_plugins_are_discovered_checked_and_refused(fake_site, templates, tmp_path):
    fake_distribution(fake_site, "good", "fakeplug_good", GOOD)
    fake_distribution(fake_site, "impure", "fakeplug_impure", """
        import motcua.core.models
        MOTCUA_API = ">=0.1"
    """)
    fake_distribution(fake_site, "crashing", "fakeplug_crashing", """
        raise ImportError("a dependency is missing")
    """)
    fake_distribution(fake_site, "future", "fakeplug_future", """
        MOTCUA_API = ">=1.0"
    """)
    fake_distribution(fake_site, "off", "fakeplug_off", GOOD)
    app = plugin_app(templates, "sqlite", tmp_path, plugins=(
        "good", "impure", "crashing", "future", "missing"))
    records = app.extensions["motcua.plugins"].records
    assert records["good"].state == "enabled"
    assert (records["good"].distribution, records["good"].version) == ("motcua-fake-good",
                                                                       "1.2.3")
    assert records["impure"].state == "refused"
    assert "imports motcua.core instead of motcua_sdk" in records["impure"].reason
    assert "fakeplug_impure.py:2 imports motcua.core.models" in records["impure"].reason
    assert "fakeplug_impure" not in sys.modules  # refused before running any of its code
    assert records["crashing"].state == "refused"
    assert "a dependency is missing" in records["crashing"].reason
    assert records["future"].state == "refused"
    assert "needs motcua API >=1.0" in records["future"].reason
    assert records["off"].state == "disabled"
    assert "fakeplug_off" not in sys.modules
    assert records["missing"].state == "refused"
    assert "not installed" in records["missing"].reason
    app.extensions["motcua.db"].dispose()

    from motcua.core.cli import main

    result = CliRunner().invoke(main, ["plugins", "list"], env={
        "MOTCUA_INSTANCE_PATH": str(tmp_path / "cli"),
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MOTCUA_PLUGINS": "good,future"})
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[2:]}
    assert lines["good"].split()[1:5] == ["motcua-fake-good", "1.2.3", ">=0.1,<0.2",
                                          "enabled"]
    assert "refused" in lines["future"] and "needs motcua API >=1.0" in lines["future"]
    assert "disabled" in lines["off"]
    # A command has no page: it speaks the deployment's language.
    result = CliRunner().invoke(main, ["plugins", "list"], env={
        "MOTCUA_INSTANCE_PATH": str(tmp_path / "cli"), "MOTCUA_LANGUAGE": "vi",
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MOTCUA_PLUGINS": "good,future"})
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[2:]}
    assert "cần giao diện phân hệ motcua >=1.0 nhưng" in lines["future"], result.output
    assert "không có trong danh sách MOTCUA_PLUGINS" in lines["off"], result.output


def test_plugin_cli_commands_become_a_group(fake_site, tmp_path):
    fake_distribution(fake_site, "withcli", "fakeplug_withcli", """
        import click
        from flask import current_app
        from motcua_sdk import hookimpl
        MOTCUA_API = ">=0.1,<0.2"

        @click.command("hello")
        def hello():
            '''Say hello from inside the application.'''
            click.echo("hello from " + current_app.name)

        @hookimpl
        def motcua_cli_commands():
            return [hello]
    """)
    from motcua.core.commands.plugins import plugin_command_groups

    groups = plugin_command_groups({"db"})
    group = next(g for g in groups if g.name == "withcli")
    from motcua.core.cli import main

    main.add_command(group)
    try:
        result = CliRunner().invoke(main, ["withcli", "hello"], env={
            "MOTCUA_INSTANCE_PATH": str(tmp_path / "cli"),
            "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"})
    finally:
        main.commands.pop("withcli", None)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hello from motcua.core"


def test_plugins_check_command(tmp_path):
    from motcua.core.cli import main

    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "__init__.py").write_text("from motcua_sdk import hookimpl\n")
    # A project folder: its package is checked, its own tests folder is not.
    (tmp_path / "dirty" / "dirty_pkg").mkdir(parents=True)
    (tmp_path / "dirty" / "dirty_pkg" / "__init__.py").write_text(
        "import importlib\nmod = importlib.import_module('motcua.core.db')\n")
    (tmp_path / "dirty" / "tests").mkdir()
    (tmp_path / "dirty" / "tests" / "test_x.py").write_text("import motcua.core\n")
    (tmp_path / "dirty" / "conftest.py").write_text("import motcua.core\n")
    ok = CliRunner().invoke(main, ["plugins", "check", str(tmp_path / "clean")])
    assert ok.exit_code == 0 and "imports motcua_sdk only" in ok.output
    bad = CliRunner().invoke(main, ["plugins", "check", str(tmp_path / "dirty")])
    assert bad.exit_code == 1
    assert "dirty/dirty_pkg/__init__.py:2 imports motcua.core.db" in bad.output
    assert "test_x" not in bad.output  # the project's tests may use the test kit
    assert "conftest" not in bad.output
    assert "Error: 1 import(s) of motcua.core" in bad.output


@pytest.mark.parametrize(("source", "found"), [
    ("import motcua\nmodels = motcua.core.models\n", "1 imports motcua|2 imports motcua.core"),
    ("import motcua as m\n", "1 imports motcua"),
    ("from motcua import core\n", "1 imports motcua.core"),
    ("from motcua import lookup, core\n", "1 imports motcua"),
    ("import sys\nmodels = sys.modules['motcua.core.models']\n",
     "2 imports motcua.core.models"),
    ("import sys\nplatform = sys.modules.get('motcua')\n", "2 imports motcua"),
    ("import importlib\ncore = importlib.import_module('motcua.' + 'core')\n",
     "2 imports motcua.core"),
    ("import importlib\ncore = importlib.import_module('motcua')\n", "2 imports motcua"),
    ("part = 'core'\ncore = __import__(f'motcua.{part}')\n", "2 imports motcua.…"),
    ("NAME = 'motcua.core.models'\n", "1 imports motcua.core.models"),
    ("NAME = 'motcua' + '.core'\n", "1 imports motcua.core"),
    ("def f(m):\n    return motcua.core\n", "2 imports motcua.core"),
])
def test_every_way_into_the_core_is_detected(tmp_path, source, found):
    package = tmp_path / "sneaky"
    package.mkdir()
    (package / "__init__.py").write_text('"""Uses motcua.core? No: only this docstring."""\n')
    (package / "tricks.py").write_text(source)
    assert core_imports(package) == [f"sneaky/tricks.py:{one}" for one in found.split("|")]


@pytest.mark.parametrize("where", ["tests/helpers.py", "test/helpers.py", "build/lib.py",
                                   "dist/lib.py", "conftest.py", "sub/tests/deep.py"])
def test_folders_inside_the_package_are_checked(tmp_path, where):
    package = tmp_path / "sneaky"
    (package / where).parent.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("from . import helpers  # noqa\n")
    (package / where).write_text("from motcua.core.models import Dossier\n")
    assert core_imports(package) == [f"sneaky/{where}:1 imports motcua.core.models"]


def test_the_sdk_and_a_docstring_naming_the_core_pass(tmp_path):
    package = tmp_path / "honest"
    package.mkdir()
    (package / "__init__.py").write_text(
        '"""Never imports motcua.core."""\nimport motcua_sdk\nfrom motcua_sdk import hookimpl\n'
        'import importlib\nmod = importlib.import_module("motcua_sdk.types")\n')
    assert core_imports(package) == []


def test_default_workflow_of_a_failing_plugin_leaves_intake_working(make_app):
    def procedures():
        raise RuntimeError("procedures bug")

    app = make_app(("failing", make_plugin(motcua_procedures=procedures)))
    world = with_world(app)
    code = receive(app, world)
    with app.app_context():
        dossier = app.extensions["motcua.db"].session.scalar(
            select(Dossier).where(Dossier.code == code))
        assert dossier.status == "received"
    failures = app.extensions["motcua.plugins"].failures
    assert {(f.plugin, f.hook) for f in failures} == {("failing", "motcua_procedures")}


# ---------------------------------------------------------------------------- kept failures


def test_failures_are_kept_in_the_database_for_every_worker_and_restart(
        templates, backend, tmp_path):
    """Two applications on one database (two gunicorn workers, or before and after a
    restart): each shows the failures of both, counted."""
    def menu_items(account):
        if account.username == "letan":  # the desk officer's pages, not the admin's
            raise RuntimeError("menu bug")
        return []

    url = templates(backend).fresh_url(tmp_path)

    def worker():
        return create_app(instance_path=tmp_path / "instance", database_url=url,
                          secret_key="test-secret", TESTING=True, WTF_CSRF_ENABLED=False,
                          plugins=(), extra_plugins=(("broken", make_plugin(
                              motcua_menu_items=menu_items)),))

    first, second = worker(), worker()
    try:
        world = with_world(first)
        username = world.accounts["reception"].username
        login(first.test_client(), username).get("/")
        login(second.test_client(), username).get("/")
        assert len(second.extensions["motcua.plugins"].failures) == 1  # its own only
        restarted = worker()
        try:
            admin = login(restarted.test_client(), world.accounts["ict_admin"].username)
            page = admin.get("/admin/plugins/").get_data(as_text=True)
        finally:
            restarted.extensions["motcua.db"].dispose()
    finally:
        first.extensions["motcua.db"].dispose()
        second.extensions["motcua.db"].dispose()
    assert not restarted.extensions["motcua.plugins"].failures
    assert page.count('data-failure="broken"') == 1
    assert 'data-failure="broken" data-hook="motcua_menu_items" data-count="2"' in page
    assert "RuntimeError: menu bug" in page


def test_the_same_failure_written_at_once_by_many_workers_is_counted_once_each(
        templates, backend, tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from motcua.core.models import PluginFailure
    from motcua.core.plugin_manager import HookFailure, failures

    app = plugin_app(templates, backend, tmp_path)
    failure = HookFailure("broken", "motcua_reports", "RuntimeError: bug", datetime.now(UTC))
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _n: failures.write(app, [failure]), range(40)))
        with app.app_context():
            rows = app.extensions["motcua.db"].session.scalars(select(PluginFailure)).all()
            assert [(row.plugin, row.hook, row.count) for row in rows] == [
                ("broken", "motcua_reports", 40)]
    finally:
        app.extensions["motcua.db"].dispose()
