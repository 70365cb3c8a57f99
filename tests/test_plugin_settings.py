"""Plugin settings (``motcua_sdk.settings``): declared once, read as
``MOTCUA_<PLUGIN>_<NAME>``, checked when the plugin loads (a bad value refuses the
plugin, naming the key and the expected type), shown with secrets masked on the ICT
plugins page and by ``motcua plugins list`` / ``show``; both example plugins use them."""

from __future__ import annotations

import re
import types

import motcua_business_registration
import motcua_tax_interconnection
import pytest
from flask import Blueprint, jsonify

from motcua.core import create_app
from motcua.core.cli import main
from motcua_sdk import hookimpl
from motcua_sdk.settings import PluginSettings, Setting, SettingError, between
from tests.conftest import login

SETTINGS = PluginSettings("land_probe", [
    Setting("PAGE_SIZE", int, default=50, validator=between(1, 500),
            description="Rows per page."),
    Setting("RATE", float, default=1.5),
    Setting("ENABLED", bool, default=False),
    Setting("CODES", list, default=("1.0001",)),
    Setting("ARCHIVE_TOKEN", str, default="", secret=True, description="Archive token."),
    Setting("ARCHIVE_URL", str, default="", old_names=("MOTCUA_LAND_ARCHIVE",)),
])

bp = Blueprint("land_probe", __name__, url_prefix="/land-probe")


@bp.get("/")
def show():
    return jsonify(page_size=SETTINGS.get("PAGE_SIZE"), codes=list(SETTINGS.get("CODES")),
                   url=SETTINGS.get("ARCHIVE_URL"), enabled=SETTINGS.get("ENABLED"))


def _plugin() -> types.SimpleNamespace:
    return types.SimpleNamespace(MOTCUA_API=">=0.1", MOTCUA_SETTINGS=SETTINGS,
                                 motcua_blueprints=hookimpl(lambda: [bp]))


def _resolve(**given):  # noqa: ANN202
    return SETTINGS.resolve([("configuration", given)])


# ---------------------------------------------------------------------------- the SDK


def test_unset_settings_take_their_defaults():
    values = _resolve()
    assert {name: v.value for name, v in values.items()} == {
        "PAGE_SIZE": 50, "RATE": 1.5, "ENABLED": False, "CODES": ("1.0001",),
        "ARCHIVE_TOKEN": "", "ARCHIVE_URL": ""}
    assert values["PAGE_SIZE"].key == "MOTCUA_LAND_PROBE_PAGE_SIZE"
    assert values["PAGE_SIZE"].source == "default"


def test_texts_from_the_environment_become_the_declared_types():
    values = SETTINGS.resolve([("environment", {
        "MOTCUA_LAND_PROBE_PAGE_SIZE": " 120 ", "MOTCUA_LAND_PROBE_RATE": "2,5",
        "MOTCUA_LAND_PROBE_ENABLED": "yes", "MOTCUA_LAND_PROBE_CODES": "1.1, 2.2,,",
        "MOTCUA_LAND_PROBE_ARCHIVE_URL": "  "})])  # blank: not set
    assert values["PAGE_SIZE"].value == 120
    assert values["PAGE_SIZE"].source == "MOTCUA_LAND_PROBE_PAGE_SIZE (environment)"
    assert values["RATE"].value == 2.5 and values["ENABLED"].value is True
    assert values["CODES"].value == ("1.1", "2.2")
    assert values["ARCHIVE_URL"].source == "default"


def test_the_configuration_wins_over_the_environment():
    values = SETTINGS.resolve([("configuration", {"MOTCUA_LAND_PROBE_PAGE_SIZE": 7}),
                               ("environment", {"MOTCUA_LAND_PROBE_PAGE_SIZE": "9"})])
    assert values["PAGE_SIZE"].value == 7


@pytest.mark.parametrize(("key", "raw", "message"), [
    ("MOTCUA_LAND_PROBE_PAGE_SIZE", "fifty", "must be a whole number, not 'fifty' "
                                             "(expected: whole number)"),
    ("MOTCUA_LAND_PROBE_PAGE_SIZE", "0", "must be from 1 to 500 (expected: whole number)"),
    ("MOTCUA_LAND_PROBE_RATE", "nhanh", "must be a number, not 'nhanh'"),
    ("MOTCUA_LAND_PROBE_ENABLED", "maybe", "must be a true/false value (true, false, yes, "
                                           "no, 1, 0), not 'maybe'"),
])
def test_a_bad_value_names_the_key_and_the_expected_type(key, raw, message):
    with pytest.raises(SettingError) as caught:
        SETTINGS.resolve([("environment", {key: raw})])
    assert caught.value.key == key
    assert message in str(caught.value) and str(caught.value).startswith(key)


def test_an_old_key_still_works_with_a_deprecation_notice():
    values = _resolve(MOTCUA_LAND_ARCHIVE="https://archive.example.vn")
    assert values["ARCHIVE_URL"].value == "https://archive.example.vn"
    assert values["ARCHIVE_URL"].notice == ("MOTCUA_LAND_ARCHIVE is deprecated: set "
                                            "MOTCUA_LAND_PROBE_ARCHIVE_URL instead")
    both = _resolve(MOTCUA_LAND_ARCHIVE="https://old.example.vn",
                    MOTCUA_LAND_PROBE_ARCHIVE_URL="https://new.example.vn")
    assert both["ARCHIVE_URL"].value == "https://new.example.vn"
    assert both["ARCHIVE_URL"].notice is None


def test_secrets_are_masked_wherever_shown():
    values = _resolve(MOTCUA_LAND_PROBE_ARCHIVE_TOKEN="s3cret-token")
    assert values["ARCHIVE_TOKEN"].value == "s3cret-token"
    assert values["ARCHIVE_TOKEN"].shown == "********"
    assert _resolve()["ARCHIVE_TOKEN"].shown == ""  # an unset secret shows it is unset


def test_outside_an_application_the_environment_answers(monkeypatch):
    """A hook the conformance suite calls with no application running still gets the
    deployment's value (checked as at start-up)."""
    monkeypatch.setenv("MOTCUA_LAND_PROBE_PAGE_SIZE", "70")
    assert SETTINGS.get("PAGE_SIZE") == 70
    monkeypatch.setenv("MOTCUA_LAND_PROBE_PAGE_SIZE", "seventy")
    with pytest.raises(SettingError, match="MOTCUA_LAND_PROBE_PAGE_SIZE"):
        SETTINGS.get("PAGE_SIZE")


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="upper-case"):
        Setting("page_size", int)
    with pytest.raises(ValueError, match="type must be one of"):
        Setting("WHEN", dict)
    with pytest.raises(ValueError, match="declared twice"):
        PluginSettings("x_plugin", [Setting("A"), Setting("A")])
    with pytest.raises(KeyError, match="declares no setting 'PAGE'"):
        SETTINGS.get("PAGE")


# ---------------------------------------------------------------------------- the core


@pytest.fixture
def make_app(templates, backend, tmp_path):
    made = []

    def make(**settings):  # noqa: ANN202
        app = create_app(instance_path=tmp_path / f"instance{len(made)}",
                         database_url=templates(backend).fresh_url(tmp_path),
                         secret_key="test-secret", TESTING=True, WTF_CSRF_ENABLED=False,
                         plugins=(), extra_plugins=(("land_probe", _plugin()),), **settings)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["motcua.db"].dispose()


def test_the_plugin_reads_its_checked_values(make_app):
    app = make_app(MOTCUA_LAND_PROBE_PAGE_SIZE="25", MOTCUA_LAND_PROBE_CODES="2.1,2.2")
    record = app.extensions["motcua.plugins"].records["land_probe"]
    assert record.enabled
    answer = app.test_client().get("/land-probe/").get_json()
    assert answer == {"page_size": 25, "codes": ["2.1", "2.2"], "url": "", "enabled": False}


def test_the_environment_is_read_too(make_app, monkeypatch):
    monkeypatch.setenv("MOTCUA_LAND_PROBE_PAGE_SIZE", "33")
    app = make_app()
    assert app.test_client().get("/land-probe/").get_json()["page_size"] == 33


def test_a_bad_value_refuses_the_plugin_with_the_key_and_type(make_app):
    app = make_app(MOTCUA_LAND_PROBE_PAGE_SIZE="many")
    record = app.extensions["motcua.plugins"].records["land_probe"]
    assert record.state == "refused"
    assert str(record.reason) == ("its setting MOTCUA_LAND_PROBE_PAGE_SIZE is invalid: must "
                                  "be a whole number, not 'many' (expected: whole number)")
    # Nothing of the plugin runs: its pages do not exist.
    assert app.test_client().get("/land-probe/").status_code == 404
    listed = app.test_cli_runner().invoke(main, ["plugins", "list"])
    assert listed.exit_code == 0
    line = next(row for row in listed.output.splitlines() if row.startswith("land_probe "))
    assert "refused" in line and "MOTCUA_LAND_PROBE_PAGE_SIZE" in line


def test_effective_values_are_shown_with_secrets_masked(make_app, world_for):
    app = make_app(MOTCUA_LAND_PROBE_ARCHIVE_TOKEN="s3cret-token",
                   MOTCUA_LAND_ARCHIVE="https://archive.example.vn")
    world_for(app)
    page = login(app.test_client(), "cntt").get("/admin/plugins/?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "s3cret-token" not in text
    row = re.search(r'<tr data-setting="MOTCUA_LAND_PROBE_ARCHIVE_TOKEN".*?</tr>', text, re.S)
    assert row and "********" in row.group(0)
    url = re.search(r'<tr data-setting="MOTCUA_LAND_PROBE_ARCHIVE_URL".*?</tr>', text, re.S)
    assert "https://archive.example.vn" in url.group(0)
    assert "MOTCUA_LAND_ARCHIVE is deprecated" in url.group(0)
    size = re.search(r'<tr data-setting="MOTCUA_LAND_PROBE_PAGE_SIZE".*?</tr>', text, re.S)
    assert ">50<" in size.group(0) and 'data-source="default"' in size.group(0)

    runner = app.test_cli_runner()
    listed = runner.invoke(main, ["plugins", "list"]).output
    assert "setting of land_probe: MOTCUA_LAND_PROBE_ARCHIVE_TOKEN = ******** (" in listed
    assert "s3cret-token" not in listed
    shown = runner.invoke(main, ["plugins", "show", "land_probe"])
    assert shown.exit_code == 0 and "s3cret-token" not in shown.output
    assert "MOTCUA_LAND_PROBE_PAGE_SIZE = 50 (default)" in shown.output
    assert "notice: MOTCUA_LAND_ARCHIVE is deprecated" in shown.output
    unknown = runner.invoke(main, ["plugins", "show", "nothing_here"])
    assert unknown.exit_code == 1 and unknown.output.startswith("Error: No plugin nothing_here")


def test_settings_declared_for_another_name_refuse_the_plugin(tmp_path):
    app = create_app(instance_path=tmp_path / "other", database_url="sqlite://",
                     secret_key="test-secret", TESTING=True, plugins=(),
                     extra_plugins=(("land_copy", _plugin()),))
    record = app.extensions["motcua.plugins"].records["land_copy"]
    assert record.state == "refused"
    assert str(record.reason) == ("MOTCUA_SETTINGS names plugin land_probe but it runs as "
                                  "land_copy: its keys must start with MOTCUA_LAND_COPY_")


@pytest.fixture
def world_for(backend):
    from tests.factories import build_world

    def build(app):  # noqa: ANN001, ANN202
        with app.app_context():
            build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()

    return build


# ---------------------------------------------------------------------------- the examples


def _example_app(templates, tmp_path, **settings):  # noqa: ANN001, ANN202
    plugins = (("business_registration", motcua_business_registration),
               ("tax_interconnection", motcua_tax_interconnection))
    return create_app(instance_path=tmp_path / "instance",
                      database_url=templates("sqlite").fresh_url(tmp_path),
                      secret_key="test-secret", TESTING=True, plugins=(),
                      extra_plugins=plugins, **settings)


def test_both_example_plugins_declare_their_settings(templates, tmp_path):
    app = _example_app(templates, tmp_path,
                       MOTCUA_BUSINESS_REGISTRATION_REGISTER_PAGE_SIZE="20",
                       MOTCUA_TAX_INTERCONNECTION_OFFICES="H99.01=T99.01",
                       MOTCUA_TAX_INTERCONNECTION_KEY="private-key-text")
    records = app.extensions["motcua.plugins"].records
    register = records["business_registration"].settings["REGISTER_PAGE_SIZE"]
    assert (register.key, register.value) == (
        "MOTCUA_BUSINESS_REGISTRATION_REGISTER_PAGE_SIZE", 20)
    tax = records["tax_interconnection"].settings
    assert tax["OFFICES"].value == "H99.01=T99.01" and tax["KEY"].shown == "********"
    assert tax["LAND_PROCEDURES"].value == ()
    app.extensions["motcua.db"].dispose()


def test_the_tax_plugins_old_keys_still_work_with_a_notice(templates, tmp_path):
    app = _example_app(templates, tmp_path, MOTCUA_TAX_OFFICES="H99.01=T99.01")
    offices = app.extensions["motcua.plugins"].records["tax_interconnection"].settings[
        "OFFICES"]
    assert offices.value == "H99.01=T99.01"
    assert offices.notice == ("MOTCUA_TAX_OFFICES is deprecated: set "
                              "MOTCUA_TAX_INTERCONNECTION_OFFICES instead")
    with app.app_context():
        from motcua_tax_interconnection.settings import route_for

        assert route_for("H99.01.01").office_code == "T99.01"
    app.extensions["motcua.db"].dispose()


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("MOTCUA_BUSINESS_REGISTRATION_REGISTER_PAGE_SIZE", "5", "must be from 10 to 500"),
    ("MOTCUA_TAX_INTERCONNECTION_OFFICES", "H99.01", "must be <unit code prefix>="),
    ("MOTCUA_TAX_INTERCONNECTION_SYSTEM_URL", "tax.example.vn", "http:// or https://"),
])
def test_the_example_plugins_refuse_bad_values(templates, tmp_path, key, value, problem):
    app = _example_app(templates, tmp_path, **{key: value})
    name = "business_registration" if "BUSINESS" in key else "tax_interconnection"
    record = app.extensions["motcua.plugins"].records[name]
    assert record.state == "refused"
    assert f"its setting {key} is invalid: " in str(record.reason)
    assert problem in str(record.reason)
    app.extensions["motcua.db"].dispose()
