"""SDK API 0.2: the version, the 0.1 plugins that still run (with a notice naming what
changed) and the ranges that are refused (naming why)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import motcua_business_registration
import motcua_tax_interconnection
import pytest
from click.testing import CliRunner

import motcua_sdk
from motcua_sdk import versioning
from motcua_sdk.versioning import CHANGES_SINCE_0_1, api_range_notice, api_range_problem
from tests.conftest import login
from tests.test_plugin_manager import (
    GOOD,
    fake_distribution,
    fake_site,  # noqa: F401 (a fixture)
    make_app,  # noqa: F401 (a fixture)
    make_plugin,
    plugin_app,
    with_world,
)

ROOT = Path(__file__).resolve().parents[1]


def test_the_sdk_and_its_distribution_are_0_2():
    assert motcua_sdk.MOTCUA_API_VERSION == versioning.MOTCUA_API_VERSION == "0.2.0"
    sdk = tomllib.loads((ROOT / "plugin_sdk" / "pyproject.toml").read_text())["project"]
    assert sdk["version"] == "0.2.0"
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "motcua-plugin-sdk>=0.2,<0.3" in core["dependencies"]


@pytest.mark.parametrize("module", [motcua_business_registration, motcua_tax_interconnection])
def test_the_example_plugins_declare_0_2_and_run_without_a_notice(module):
    assert module.MOTCUA_API == ">=0.2,<0.3"
    assert api_range_problem(module.MOTCUA_API) is None
    assert api_range_notice(module.MOTCUA_API) is None


def test_the_scaffold_declares_0_2():
    scaffold = ROOT / "core" / "plugin_manager" / "templates" / "scaffold"
    assert 'MOTCUA_API = ">=0.2,<0.3"' in (scaffold / "__PACKAGE__" / "__init__.py.tmpl"
                                           ).read_text()
    assert '"motcua-plugin-sdk>=0.2,<0.3"' in (scaffold / "pyproject.toml.tmpl").read_text()


@pytest.mark.parametrize("declared", [">=0.1,<0.2", ">=0.1.2,<0.2", "~=0.1.0", ">=0.1.1,<0.2"])
def test_a_0_1_range_runs_with_a_notice_naming_every_change(declared):
    assert api_range_problem(declared) is None
    message, values = api_range_notice(declared)
    text = message % values
    assert "written for motcua API 0.1" in text and declared in text
    assert 'MOTCUA_API = ">=0.2,<0.3"' in text
    for change in CHANGES_SINCE_0_1:
        assert change in text


@pytest.mark.parametrize(("declared", "expected"), [
    (">=0.3", "the plugin was written for a newer motcua"),
    (">=1.0,<2", "the plugin was written for a newer motcua"),
    ("==0.1.0", "changed since 0.1: " + CHANGES_SINCE_0_1[0]),
    ("<0.1", "changed since 0.1"),
])
def test_an_incompatible_range_is_refused_naming_the_change(declared, expected):
    problem = api_range_problem(declared)
    assert problem.startswith(f"needs motcua API {declared} but this motcua provides "
                              "API 0.2.0")
    assert expected in problem
    assert api_range_notice(declared) is None


def test_a_0_3_platform_refuses_a_0_1_plugin():
    # The 0.1 allowance is for 0.2 only: the next minor release drops it.
    assert api_range_problem(">=0.1,<0.2", version="0.3.0")
    assert api_range_notice(">=0.1,<0.2", version="0.3.0") is None


def test_the_changelog_explains_every_change_and_the_migration():
    changelog = (ROOT / "plugin_sdk" / "CHANGELOG.md").read_text()
    assert "## 0.2.0" in changelog and "Migrating a 0.1 plugin" in changelog
    assert 'MOTCUA_API = ">=0.2,<0.3"' in changelog
    for keyword in ("MOTCUA_UNIT_FUNCTIONS", "naming_convention", "motcua_sdk.numbers",
                    "schema"):
        assert keyword in changelog
        assert any(keyword in change for change in CHANGES_SINCE_0_1)


def test_a_0_1_plugin_loads_and_the_admin_page_shows_its_notice(make_app):  # noqa: F811
    app = make_app(("old", make_plugin(">=0.1,<0.2")), ("new", make_plugin(">=0.2,<0.3")),
                   ("future", make_plugin(">=0.3")))
    records = app.extensions["motcua.plugins"].records
    assert records["old"].state == "enabled" and records["new"].state == "enabled"
    assert "written for motcua API 0.1" in records["old"].notice
    assert records["new"].notice is None
    assert records["future"].state == "refused" and records["future"].notice is None
    assert "written for a newer motcua" in records["future"].reason
    world = with_world(app)
    admin = login(app.test_client(), world.accounts["ict_admin"].username)
    page = admin.get("/admin/plugins/").get_data(as_text=True)
    old_row = page.split('data-plugin="old"')[1].split("</tr>")[0]
    new_row = page.split('data-plugin="new"')[1].split("</tr>")[0]
    assert "data-notice" in old_row and "written for motcua API 0.1" in old_row
    assert "data-notice" not in new_row
    assert "written for a newer motcua" in page


def test_plugins_list_shows_the_notice(fake_site, templates, tmp_path):  # noqa: F811
    fake_distribution(fake_site, "good", "fakeplug_good", GOOD)  # declares ">=0.1,<0.2"
    fake_distribution(fake_site, "current", "fakeplug_current",
                      GOOD.replace('">=0.1,<0.2"', '">=0.2,<0.3"'))
    plugin_app(templates, "sqlite", tmp_path, plugins=("good", "current")
               ).extensions["motcua.db"].dispose()
    from motcua.core.cli import main

    result = CliRunner().invoke(main, ["plugins", "list"], env={
        "MOTCUA_INSTANCE_PATH": str(tmp_path / "cli"), "MOTCUA_LANGUAGE": "en",
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MOTCUA_PLUGINS": "good,current"})
    assert result.exit_code == 0, result.output
    notices = [line for line in result.output.splitlines() if line.startswith("notice for")]
    assert len(notices) == 1 and notices[0].startswith("notice for good: written for motcua "
                                                       "API 0.1 (declares >=0.1,<0.2)")
    assert all(change in notices[0] for change in CHANGES_SINCE_0_1)
    lines = {line.split()[0]: line for line in result.output.splitlines()[2:]}
    assert lines["current"].split()[3:5] == [">=0.2,<0.3", "enabled"]
    assert lines["good"].split()[3:5] == [">=0.1,<0.2", "enabled"]


# ---------------------------------------------------------------- unit functions


@pytest.mark.parametrize(("declared", "reason"), [
    (["construction"], "MOTCUA_UNIT_FUNCTIONS must be a dict"),
    ({"Construction!": "Phòng Quản lý đô thị"}, "is not a unit function"),
    ({"construction": ""}, "give the unit doing construction a name"),
])
def test_a_malformed_unit_function_declaration_refuses_the_plugin(make_app, declared,  # noqa: F811
                                                                   reason):
    plugin = make_plugin(">=0.2,<0.3")
    plugin.MOTCUA_UNIT_FUNCTIONS = declared
    record = make_app(("builder", plugin)).extensions["motcua.plugins"].records["builder"]
    assert record.state == "refused" and reason in record.reason


def test_declared_unit_functions_become_units_of_the_test_province(make_app):  # noqa: F811
    from motcua.core.testing import USERNAMES, build_world
    from motcua.core.workflow.definitions import resolve_selector

    plugin = make_plugin(">=0.2,<0.3")
    plugin.MOTCUA_UNIT_FUNCTIONS = {"construction": "Phòng Quản lý đô thị",
                                    "finance": "ignored: the province has finance"}
    app = make_app(("builder", plugin))
    manager = app.extensions["motcua.plugins"]
    assert manager.unit_functions() == {"construction": "Phòng Quản lý đô thị",
                                        "finance": "ignored: the province has finance"}
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        world = build_world(session, unit_functions=manager.unit_functions())
        unit = session.merge(world.units["function:construction"])
        assert (unit.code, unit.name, unit.function) == ("H99.01.10", "Phòng Quản lý đô thị",
                                                         "construction")
        assert "function:finance" not in world.units  # not built twice
        desk = session.merge(world.desk)
        assert resolve_selector(session, "function:construction", desk).code == "H99.01.10"
        specialist = session.merge(world.accounts["specialist"])
        assert specialist.username == USERNAMES["specialist"]
        assert any(role.unit_id == unit.id and role.role == "specialist"
                   for role in specialist.roles)
        database.remove()


def test_a_missing_function_says_how_to_declare_it(make_app):  # noqa: F811
    from motcua.core.errors import ValidationError
    from motcua.core.testing import build_world
    from motcua.core.workflow.definitions import resolve_selector

    app = make_app()
    database = app.extensions["motcua.db"]
    with app.app_context():
        world = build_world(database.session)
        with pytest.raises(ValidationError) as caught:
            resolve_selector(database.session, "function:construction",
                             database.session.merge(world.desk))
        database.remove()
    assert "No unit with function 'construction'" in caught.value.message
    assert "MOTCUA_UNIT_FUNCTIONS" in caught.value.message
    assert "motcua workflow unit-function UNIT_CODE construction" in caught.value.message


def _builder_plugin():  # noqa: ANN202
    plugin = make_plugin(">=0.2,<0.3")
    plugin.MOTCUA_UNIT_FUNCTIONS = {"construction": "Phòng Quản lý đô thị"}
    return plugin


@pytest.fixture
def motcua_plugins() -> list[str]:
    return []


@pytest.fixture
def motcua_extra_plugins():  # noqa: ANN201
    return [("builder", _builder_plugin())]


def test_the_test_kit_builds_the_declared_unit_with_the_specialist(motcua_world,
                                                                   motcua_session):
    from sqlalchemy import select

    from motcua.core.models import RoleAssignment

    unit = motcua_world.units["function:construction"]
    assert (unit.code, unit.function) == ("H99.01.10", "construction")
    holders = motcua_session.scalars(select(RoleAssignment).where(
        RoleAssignment.unit_id == unit.id)).all()
    assert {(role.account.username, role.role) for role in holders} == {
        ("kit.chuyenvien", "specialist")}
