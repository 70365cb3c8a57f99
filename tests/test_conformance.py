"""The conformance suite really discriminates: the business-registration plugin and the
plugin ``motcua plugin new`` writes pass it; each deliberately broken plugin
(tests/conformance_plugins.py) fails the check named with it; a certificate admits
exactly the certified files.

Everything runs as an ICT officer would: ``motcua conformance ...`` and ``motcua plugins
list`` in separate processes, the scaffolded plugins installed by path (their metadata
next to the package, the folder on that process's ``PYTHONPATH`` only), so nothing
here is seen by other tests sharing this environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from motcua.core.cli import main
from tests.conformance_plugins import BROKEN, PACKAGE, apply

MOTCUA = [sys.executable, "-c", "from motcua.core.cli import main; main()"]
POSTGRES = os.environ.get("MOTCUA_TEST_POSTGRES_URL")
PASSING = {"pass", "not applicable"}


def _env(project: Path | None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "MOTCUA_"))}
    if project is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project),
                                                          env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def motcua(*args: str, cwd: Path, project: Path | None = None, **env: str
           ) -> subprocess.CompletedProcess:
    return subprocess.run([*MOTCUA, *args], cwd=cwd, env=_env(project, **env),
                          capture_output=True, text=True, timeout=900)


def conformance(plugin: str, tmp_path: Path, project: Path | None = None, *extra: str
                ) -> tuple[int, dict, str]:
    """Run the suite; (exit code, report.json, output)."""
    report = tmp_path / "report"
    done = motcua("conformance", "run", plugin, "--report", str(report), *extra,
                  cwd=tmp_path, project=project)
    output = done.stdout + done.stderr
    assert (report / "report.json").exists(), output
    assert 'data-status="' in (report / "report.html").read_text(encoding="utf-8")
    return done.returncode, json.loads((report / "report.json").read_text()), output


def statuses(report: dict) -> dict[str, str]:
    return {check["name"]: check["status"] for check in report["checks"]}


@pytest.fixture(scope="session")
def scaffold(tmp_path_factory) -> Path:
    """The plugin project ``motcua plugin new land_use`` writes, with its metadata."""
    base = tmp_path_factory.mktemp("conformance-scaffold")
    written = CliRunner().invoke(main, ["plugin", "new", "land_use", "--dir", str(base)])
    assert written.exit_code == 0, written.output
    project = base / "motcua-plugin-land-use"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q",
                    "egg_info"], cwd=project, env=_env(None), check=True, capture_output=True)
    return project


@pytest.fixture
def plugin_copy(scaffold, tmp_path) -> Path:
    return Path(shutil.copytree(scaffold, tmp_path / "plugin"))


def test_a_scaffolded_plugin_passes_without_edits(plugin_copy, tmp_path):
    extra = ("--database", POSTGRES) if POSTGRES else ()
    code, report, output = conformance("land_use", tmp_path, plugin_copy, *extra)
    assert code == 0, output
    assert set(statuses(report).values()) <= PASSING, statuses(report)
    assert report["passed"] is True
    assert report["databases"] == (["SQLite", "PostgreSQL"] if POSTGRES else ["SQLite"])
    assert statuses(report)["lifecycle"] == "pass" and statuses(report)["sync"] == "pass"
    assert "land_use 0.1.0: PASSED" in output


def _plugins_in_repository() -> list[str]:
    """The plugin names declared by the distributions in plugins/ (all installed by CI)."""
    names = []
    for pyproject in sorted((Path(__file__).parent.parent / "plugins").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        names += list(project.get("entry-points", {}).get("motcua.plugins", {}))
    return names


@pytest.mark.parametrize("plugin", _plugins_in_repository())
def test_every_plugin_of_the_repository_passes(plugin, tmp_path):
    extra = ("--database", POSTGRES) if POSTGRES else ()
    code, report, output = conformance(plugin, tmp_path, None, *extra)
    assert code == 0, output
    found = statuses(report)
    assert set(found.values()) <= PASSING, found
    # Only a plugin working on other plugins' dossiers has no catalogue of its own.
    assert {name for name, status in found.items() if status != "pass"} <= {"catalogue"}
    lifecycle = next(c for c in report["checks"] if c["name"] == "lifecycle")
    procedures = next(c for c in report["checks"] if c["name"] == "catalogue")
    returned = sum(" → returned" in line for line in lifecycle["evidence"])
    assert returned >= max(1, len(procedures["data"].get("procedures", [])))


@pytest.mark.parametrize("broken", BROKEN, ids=[b.name for b in BROKEN])
def test_a_broken_plugin_fails_its_check(broken, plugin_copy, tmp_path):
    apply(plugin_copy, broken)
    code, report, output = conformance("land_use", tmp_path, plugin_copy)
    found = statuses(report)
    assert code == 1, output
    assert found[broken.fails] == "fail", f"{broken.fault}: {found}\n{output}"
    assert "land_use 0.1.0: FAILED" in output
    if broken.fails == "contract":
        assert set(found.values()) == {"fail", "not run"}
    else:
        # The fault shows where it is: the contract holds and the instance was built.
        assert found["contract"] == "pass" and found["lifecycle"] in PASSING | {"fail"}
    failure = next(c for c in report["checks"] if c["name"] == broken.fails)["failures"]
    assert failure and all(line.strip() for line in failure)


def test_a_plugin_that_is_not_installed_is_named(tmp_path):
    done = motcua("conformance", "run", "no_such_plugin", cwd=tmp_path)
    assert done.returncode == 1
    assert "No plugin named 'no_such_plugin' is installed" in done.stderr


def _listing(tmp_path: Path, project: Path, certificates: Path) -> str:
    done = motcua("plugins", "list", cwd=tmp_path, project=project,
                  MOTCUA_INSTANCE_PATH=str(tmp_path / "instance"),
                  MOTCUA_DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
                  MOTCUA_PLUGINS="land_use", MOTCUA_REQUIRE_CERTIFIED="true",
                  MOTCUA_CERTIFICATES_DIR=str(certificates))
    assert done.returncode == 0, done.stderr
    return done.stdout


def _state(listing: str) -> tuple[str, str]:
    line = next(line for line in listing.splitlines() if line.startswith("land_use"))
    return line.split()[4], line.split()[5]  # state, certificate


def test_a_certificate_admits_exactly_the_certified_files(plugin_copy, tmp_path):
    ict, certificates = tmp_path / "ict", tmp_path / "certificates"
    keys = motcua("conformance", "keygen", "--out", str(ict), cwd=tmp_path)
    assert keys.returncode == 0, keys.stderr
    assert oct((ict / "ict-conformance.key").stat().st_mode & 0o777) == "0o600"
    refused = motcua("conformance", "keygen", "--out", str(ict), cwd=tmp_path)
    assert refused.returncode == 1 and "exists" in refused.stderr

    # Without a certificate the platform refuses the plugin, before running its code.
    certificates.mkdir()
    shutil.copy(ict / "ict-conformance.pub", certificates)
    assert _state(_listing(tmp_path, plugin_copy, certificates)) == ("refused", "missing")

    code, _report, output = conformance("land_use", tmp_path, plugin_copy, "--key",
                                        str(ict / "ict-conformance.key"),
                                        "--certificates", str(certificates))
    assert code == 0 and "Certificate " in output, output
    certificate = json.loads((certificates / "land_use.json").read_text())
    assert certificate["plugin"] == "land_use" and certificate["version"] == "0.1.0"
    assert "views.py" in certificate["files"]
    assert _state(_listing(tmp_path, plugin_copy, certificates)) == ("enabled", "valid")

    # One byte changed in one file: refused, naming the file.
    views = plugin_copy / PACKAGE / "views.py"
    original = views.read_bytes()
    views.write_bytes(original.replace(b"dossiers waiting", b"dossiers Waiting", 1))
    listing = _listing(tmp_path, plugin_copy, certificates)
    assert _state(listing) == ("refused", "invalid")
    assert "not certified" in listing and "changed views.py" in listing

    # A file added to the package is as much a change.
    views.write_bytes(original)
    assert _state(_listing(tmp_path, plugin_copy, certificates)) == ("enabled", "valid")
    (plugin_copy / PACKAGE / "extra.py").write_text("print('hello')\n")
    assert "added extra.py" in _listing(tmp_path, plugin_copy, certificates)
    (plugin_copy / PACKAGE / "extra.py").unlink()

    # A forged certificate (edited after signing) is refused.
    forged = dict(certificate, version="0.2.0")
    (certificates / "land_use.json").write_text(json.dumps(forged))
    listing = _listing(tmp_path, plugin_copy, certificates)
    assert _state(listing) == ("refused", "invalid") and "signature" in listing
    (certificates / "land_use.json").write_text(json.dumps(certificate))

    # Revoked: refused with the reason.
    revoked = motcua("conformance", "revoke", certificate["serial"], "--reason",
                     "Lỗi bảo mật ở bản 0.1.0", "--certificates", str(certificates),
                     cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    listing = _listing(tmp_path, plugin_copy, certificates)
    assert _state(listing) == ("refused", "revoked") and "Lỗi bảo mật" in listing


def test_a_failed_run_issues_no_certificate(plugin_copy, tmp_path):
    apply(plugin_copy, next(b for b in BROKEN if b.name == "no_sync_payload"))
    keys = motcua("conformance", "keygen", "--out", str(tmp_path / "ict"), cwd=tmp_path)
    assert keys.returncode == 0
    code, _report, output = conformance("land_use", tmp_path, plugin_copy, "--key",
                                        str(tmp_path / "ict" / "ict-conformance.key"),
                                        "--certificates", str(tmp_path / "certificates"))
    assert code == 1 and "Certificate" not in output
    assert not (tmp_path / "certificates").exists()


def test_database_option_takes_a_postgresql_server_only(tmp_path):
    done = motcua("conformance", "run", "business_registration", "--database",
                  "sqlite:///x.db", cwd=tmp_path)
    assert done.returncode == 1
    assert "--database takes a PostgreSQL server URL" in done.stderr
