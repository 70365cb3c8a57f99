"""Settings from the environment: the defaults in docs/configuration.md, overrides, errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from motcua.core.cli import main
from motcua.core.commands.serve import served_url
from motcua.core.config import load_settings
from motcua.core.errors import ConfigurationError
from motcua.core.extensions import public_base_url


def test_defaults_are_the_documented_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    instance = (tmp_path / "instance").resolve()
    assert settings.instance_path == instance
    assert settings.database_url == f"sqlite:///{instance / 'motcua.sqlite3'}"
    assert settings.role == "standalone"
    assert settings.language == "vi"
    assert settings.production is False
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.public_base_url == ""  # unset: the served address (docs/configuration.md)
    assert settings.province_code == "72"
    assert settings.attachment_max_bytes == 10 * 1024 * 1024
    assert "application/pdf" in settings.attachment_types
    assert settings.attachments_path == instance / "attachments"
    assert settings.forms_path == instance / "forms"
    assert settings.plugins is None
    assert settings.plugin_units == {}
    assert settings.sync_batch_size == 1000
    assert settings.sync_in_process is True
    assert settings.sync_clock_tolerance == 300
    assert settings.as_flask_config()["BABEL_DEFAULT_LOCALE"] == "vi"


def test_environment_overrides_every_default(tmp_path):
    env = {
        "MOTCUA_INSTANCE_PATH": str(tmp_path / "elsewhere"),
        "MOTCUA_DATABASE_URL": "postgresql+psycopg://motcua:pw@db.example:5432/motcua",
        "MOTCUA_SECRET_KEY": "from-the-environment",
        "MOTCUA_ROLE": "Hub",
        "MOTCUA_LANGUAGE": "en",
        "MOTCUA_PRODUCTION": "yes",
        "MOTCUA_PUBLIC_BASE_URL": "https://motcua.example.gov.vn/",
        "MOTCUA_PROVINCE_CODE": "01",
        "MOTCUA_ATTACHMENT_MAX_BYTES": "2048",
        "MOTCUA_PLUGINS": "business_registration, other",
        "MOTCUA_PLUGIN_UNITS": "business_registration=h72.01",
        "MOTCUA_SYNC_BATCH_SIZE": "50",
        "MOTCUA_SYNC_IN_PROCESS": "off",
        "MOTCUA_SYNC_CLOCK_TOLERANCE": "60",
    }
    settings = load_settings(env)
    assert settings.instance_path == (tmp_path / "elsewhere").resolve()
    assert settings.database_url == env["MOTCUA_DATABASE_URL"]
    assert settings.secret_key == "from-the-environment"
    assert settings.role == "hub"
    assert settings.language == "en"
    assert settings.production is True
    assert settings.public_base_url == "https://motcua.example.gov.vn"
    assert settings.province_code == "01"
    assert settings.attachment_max_bytes == 2048
    assert settings.plugins == ("business_registration", "other")
    assert settings.plugin_units == {"business_registration": ("H72.01",)}
    assert settings.sync_batch_size == 50
    assert settings.sync_in_process is False
    assert settings.sync_clock_tolerance == 60
    # Production with a given key writes no key file.
    assert not (tmp_path / "elsewhere" / "secret_key").exists()


def test_keyword_overrides_win_over_the_environment(tmp_path):
    settings = load_settings({"MOTCUA_ROLE": "hub", "MOTCUA_INSTANCE_PATH": str(tmp_path)},
                             role="node", language="en")
    assert (settings.role, settings.language) == ("node", "en")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("MOTCUA_ROLE", "province", "MOTCUA_ROLE must be one of standalone, node, hub, not 'province'"),
    ("MOTCUA_LANGUAGE", "fr", "MOTCUA_LANGUAGE must be one of vi, en, not 'fr'"),
    ("MOTCUA_DATABASE_URL", "not a url", "MOTCUA_DATABASE_URL is not a database URL"),
    ("MOTCUA_DATABASE_URL", "mysql://u@h/db", "must use one of sqlite, postgresql, not 'mysql'"),
    ("MOTCUA_ATTACHMENT_MAX_BYTES", "10MB",
     "MOTCUA_ATTACHMENT_MAX_BYTES must be a whole number above 0, not '10MB'"),
    ("MOTCUA_ATTACHMENT_MAX_BYTES", "0", "MOTCUA_ATTACHMENT_MAX_BYTES must be a whole number"),
    ("MOTCUA_SYNC_BATCH_SIZE", "-5", "MOTCUA_SYNC_BATCH_SIZE must be a whole number above 0"),
    ("MOTCUA_PLUGIN_UNITS", "business_registration", "MOTCUA_PLUGIN_UNITS must look like"),
    ("MOTCUA_SYNC_CLOCK_TOLERANCE", "5m",
     "MOTCUA_SYNC_CLOCK_TOLERANCE must be a whole number above 0"),
])
def test_invalid_values_are_refused_with_a_clear_message(tmp_path, name, value, message):
    with pytest.raises(ConfigurationError) as raised:
        load_settings({"MOTCUA_INSTANCE_PATH": str(tmp_path), name: value})
    assert message in raised.value.message


def test_invalid_value_is_one_error_line_on_the_command_line(tmp_path):
    result = CliRunner().invoke(main, ["db", "current"], env={
        "MOTCUA_INSTANCE_PATH": str(tmp_path), "MOTCUA_ROLE": "province"})
    assert result.exit_code == 1
    assert "Error: MOTCUA_ROLE must be one of standalone, node, hub, not 'province'." in (
        result.output)
    assert "Traceback" not in result.output


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    env = {"MOTCUA_INSTANCE_PATH": str(tmp_path / "instance")}
    first = load_settings(env)
    key_file = Path(tmp_path / "instance" / "secret_key")
    assert key_file.exists()
    assert len(first.secret_key) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = load_settings(env)
    assert second.secret_key == first.secret_key
    # Another instance folder gets a different key.
    assert load_settings({"MOTCUA_INSTANCE_PATH": str(tmp_path / "other")}).secret_key != (
        first.secret_key)


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = {"MOTCUA_INSTANCE_PATH": str(tmp_path), "MOTCUA_PRODUCTION": "true"}
    with pytest.raises(ConfigurationError) as raised:
        load_settings(env)
    assert raised.value.message == (
        "MOTCUA_SECRET_KEY must be set in production (MOTCUA_PRODUCTION=true).")
    # A development key left in the folder does not count: production needs its own.
    load_settings({"MOTCUA_INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(ConfigurationError):
        load_settings(env)
    result = CliRunner().invoke(main, ["db", "current"], env=env)
    assert result.exit_code == 1
    assert "Error: MOTCUA_SECRET_KEY must be set in production" in result.output


def test_production_requires_certified_plugins_unless_told_otherwise(tmp_path):
    base = {"MOTCUA_INSTANCE_PATH": str(tmp_path), "MOTCUA_SECRET_KEY": "k" * 64}
    assert load_settings(base).require_certified is False
    production = {**base, "MOTCUA_PRODUCTION": "true"}
    assert load_settings(production).require_certified is True
    assert load_settings({**production, "MOTCUA_REQUIRE_CERTIFIED": "false"}
                         ).require_certified is False
    settings = load_settings({**base, "MOTCUA_CERTIFICATES_DIR": str(tmp_path / "certs")})
    assert settings.certificates_path == tmp_path / "certs"
    assert load_settings(base).certificates_path == tmp_path / "certificates"


def test_unset_public_base_url_is_the_address_the_request_came_in_on(sqlite_app):
    app = sqlite_app
    with app.test_request_context("/", base_url="http://10.0.0.5:8080/"):
        assert public_base_url() == "http://10.0.0.5:8080"
    app.config["MOTCUA"].public_base_url = "https://motcua.example.gov.vn"
    with app.test_request_context("/", base_url="http://10.0.0.5:8080/"):
        assert public_base_url() == "https://motcua.example.gov.vn"


def test_motcua_serve_names_the_address_it_serves_on():
    assert served_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert served_url("::1", 5001) == "http://[::1]:5001"
    # Every interface: no single address to print, pages use the request's.
    assert served_url("0.0.0.0", 5000) is None
