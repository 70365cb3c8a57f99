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

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib._bootstrap_external import _code_to_timestamp_pyc
from pathlib import Path

import pytest
from click.testing import CliRunner

from motcua.conformance.limits import BY_CHECK, GENERAL, NOTICE, limits
from motcua.conformance.runner import CHECKS
from motcua.core.cli import main
from motcua.core.plugin_manager.certification import installed_files, shipped_files
from tests.conformance_plugins import BROKEN, DECLARED_UNIT_FUNCTION, PACKAGE, apply

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
    html = (report / "report.html").read_text(encoding="utf-8")
    assert 'data-status="' in html and '<section id="limits">' in html
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


def test_a_plugin_declaring_its_unit_function_passes_with_its_shipped_workflow(plugin_copy,
                                                                               tmp_path):
    apply(plugin_copy, DECLARED_UNIT_FUNCTION)
    extra = ("--database", POSTGRES) if POSTGRES else ()
    code, report, output = conformance("land_use", tmp_path, plugin_copy, *extra)
    assert code == 0, output
    assert set(statuses(report).values()) <= PASSING, statuses(report)
    assert statuses(report)["lifecycle"] == "pass" and statuses(report)["sync"] == "pass"


def test_an_undeclared_unit_function_is_named_as_the_cause(plugin_copy, tmp_path):
    broken = next(b for b in BROKEN if b.name == "undeclared_unit_function")
    apply(plugin_copy, broken)
    _code, report, _output = conformance("land_use", tmp_path, plugin_copy)
    failures = {check["name"]: " ".join(check["failures"]) for check in report["checks"]}
    assert "names function:construction" in failures["catalogue"]
    assert "MOTCUA_UNIT_FUNCTIONS" in failures["catalogue"]
    # The knock-on findings say why there was nothing to work on.
    for name in broken.also_fails:
        assert "function 'construction'" in failures[name] or \
            "could not take its sample dossiers in" in failures[name], (name, failures[name])


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
    # Only a plugin working on other plugins' dossiers has no catalogue of its own, and
    # no result of its own to number, and no dossier whose payload would be its own (its
    # annotations are the sync check's).
    own_dossiers = {"results", "sync_complete"}
    skipped = {name for name, status in found.items() if status != "pass"}
    assert skipped <= {"catalogue", *own_dossiers}, found
    if found["catalogue"] == "pass":
        assert not skipped & own_dossiers, found
    lifecycle = next(c for c in report["checks"] if c["name"] == "lifecycle")
    procedures = next(c for c in report["checks"] if c["name"] == "catalogue")
    returned = sum(" → returned" in line for line in lifecycle["evidence"])
    assert returned >= max(1, len(procedures["data"].get("procedures", [])))


@pytest.mark.parametrize("broken", BROKEN, ids=[b.name for b in BROKEN])
def test_a_broken_plugin_fails_its_check(broken, plugin_copy, tmp_path):
    apply(plugin_copy, broken)
    for name, text in broken.plant:  # found in the folder the suite runs from
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, report, output = conformance("land_use", tmp_path, plugin_copy)
    found = statuses(report)
    assert code == 1, output
    assert found[broken.fails] == "fail", f"{broken.fault}: {found}\n{output}"
    assert "land_use 0.1.0: FAILED" in output
    # The fault shows where it is: every other check passes, does not apply or was not
    # run, but for the knock-on failures listed with the broken plugin.
    others = {name: status for name, status in found.items()
              if name != broken.fails and name not in broken.also_fails}
    assert set(others.values()) <= PASSING | {"not run"}, f"{broken.fault}: {found}"
    assert all(found[name] == "fail" for name in broken.also_fails), found
    if broken.fails == "contract":
        assert set(others.values()) == {"not run"}
    failure = next(c for c in report["checks"] if c["name"] == broken.fails)["failures"]
    assert failure and all(line.strip() for line in failure)


def test_a_plugin_that_is_not_installed_is_named(tmp_path):
    done = motcua("conformance", "run", "no_such_plugin", cwd=tmp_path)
    assert done.returncode == 1
    assert "No plugin named 'no_such_plugin' is installed" in done.stderr


def _listing(tmp_path: Path, project: Path, certificates: Path, require: str = "true") -> str:
    done = motcua("plugins", "list", cwd=tmp_path, project=project,
                  MOTCUA_INSTANCE_PATH=str(tmp_path / "instance"),
                  MOTCUA_DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
                  MOTCUA_PLUGINS="land_use", MOTCUA_REQUIRE_CERTIFIED=require,
                  MOTCUA_CERTIFICATES_DIR=str(certificates),
                  MOTCUA_LANGUAGE="en")  # the listing is read in English below
    assert done.returncode == 0, done.stderr
    return done.stdout


def _state(listing: str) -> tuple[str, str]:
    line = next(line for line in listing.splitlines() if line.startswith("land_use"))
    return line.split()[4], line.split()[5]  # state, certificate


@pytest.fixture(scope="session")
def certified(scaffold, tmp_path_factory) -> tuple[Path, Path]:
    """The scaffolded plugin, passed and certified by a conformance run with a new ICT
    key: (its project, a certificates folder holding the public key and certificate)."""
    base = tmp_path_factory.mktemp("conformance-certified")
    project = Path(shutil.copytree(scaffold, base / "plugin"))
    ict, certificates = base / "ict", base / "certificates"
    assert motcua("conformance", "keygen", "--out", str(ict), cwd=base).returncode == 0
    certificates.mkdir()
    shutil.copy(ict / "ict-conformance.pub", certificates)
    code, _report, output = conformance("land_use", base, project, "--key",
                                        str(ict / "ict-conformance.key"),
                                        "--certificates", str(certificates))
    assert code == 0 and "Certificate " in output, output
    return project, certificates


@pytest.fixture
def deployed(certified, tmp_path) -> tuple[Path, Path]:
    """A server's copy of the certified plugin and of its certificates folder."""
    project, certificates = certified
    return (Path(shutil.copytree(project, tmp_path / "plugin")),
            Path(shutil.copytree(certificates, tmp_path / "certificates")))


def test_keygen_writes_an_owner_only_private_key_and_never_replaces_it(tmp_path):
    ict = tmp_path / "ict"
    keys = motcua("conformance", "keygen", "--out", str(ict), cwd=tmp_path)
    assert keys.returncode == 0, keys.stderr
    assert oct((ict / "ict-conformance.key").stat().st_mode & 0o777) == "0o600"
    refused = motcua("conformance", "keygen", "--out", str(ict), cwd=tmp_path)
    assert refused.returncode == 1 and "exists" in refused.stderr


def test_a_plugin_without_certificate_is_refused(deployed, tmp_path):
    project, certificates = deployed
    (certificates / "land_use.json").unlink()
    assert _state(_listing(tmp_path, project, certificates)) == ("refused", "missing")


def test_a_certificate_admits_exactly_the_certified_files(deployed, tmp_path):
    project, certificates = deployed
    certificate = json.loads((certificates / "land_use.json").read_text())
    assert certificate["plugin"] == "land_use" and certificate["version"] == "0.1.0"
    assert {f"{PACKAGE}/views.py", "pyproject.toml"} <= set(certificate["files"])
    assert _state(_listing(tmp_path, project, certificates)) == ("enabled", "valid")

    # One byte changed in one file: refused, naming the file.
    views = project / PACKAGE / "views.py"
    original = views.read_bytes()
    views.write_bytes(original.replace(b"dossiers waiting", b"dossiers Waiting", 1))
    listing = _listing(tmp_path, project, certificates)
    assert _state(listing) == ("refused", "invalid")
    assert "not certified" in listing and f"changed {PACKAGE}/views.py" in listing

    # A file added to the package is as much a change, and so is compiled code beside
    # the sources (Python would import it).
    views.write_bytes(original)
    assert _state(_listing(tmp_path, project, certificates)) == ("enabled", "valid")
    for added in ("extra.py", "extra.pyc"):
        (project / PACKAGE / added).write_bytes(b"print('hello')\n")
        assert f"added {PACKAGE}/{added}" in _listing(tmp_path, project, certificates)
        (project / PACKAGE / added).unlink()

    # A forged certificate (edited after signing) is refused.
    forged = dict(certificate, version="0.2.0")
    (certificates / "land_use.json").write_text(json.dumps(forged))
    listing = _listing(tmp_path, project, certificates)
    assert _state(listing) == ("refused", "invalid") and "signature" in listing
    (certificates / "land_use.json").write_text(json.dumps(certificate))

    # Revoked: refused with the reason.
    revoked = motcua("conformance", "revoke", certificate["serial"], "--reason",
                     "Lỗi bảo mật ở bản 0.1.0", "--certificates", str(certificates),
                     cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    listing = _listing(tmp_path, project, certificates)
    assert _state(listing) == ("refused", "revoked") and "Lỗi bảo mật" in listing


def test_every_check_states_what_it_cannot_prove():
    assert set(BY_CHECK) == set(CHECKS)
    assert all(lines and all(line.strip() for line in lines) for lines in BY_CHECK.values())


def test_a_certificate_states_what_the_run_does_not_prove(deployed, tmp_path):
    project, certificates = deployed
    path = certificates / "land_use.json"
    certificate = json.loads(path.read_text())
    assert set(certificate["checks"]) == set(CHECKS)
    assert set(certificate["checks"].values()) <= PASSING
    assert certificate["limits"] == limits()
    shown = motcua("conformance", "show", str(path), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert certificate["serial"] in shown.stdout and NOTICE in shown.stdout
    for name, lines in BY_CHECK.items():
        assert f"  - {name}: {lines[0]}" in shown.stdout
    assert all(f"  - {line}" in shown.stdout for line in GENERAL)

    # The limits are signed with the rest: a certificate stripped of them is refused.
    path.write_text(json.dumps(dict(certificate, limits={})))
    listing = _listing(tmp_path, project, certificates)
    assert _state(listing) == ("refused", "invalid") and "signature" in listing

    not_a_certificate = tmp_path / "other.json"
    not_a_certificate.write_text("[]")
    refused = motcua("conformance", "show", str(not_a_certificate), cwd=tmp_path)
    assert refused.returncode == 1 and "is not a plugin certificate" in refused.stderr


def test_a_certified_plugin_runs_its_source_not_edited_cached_bytecode(deployed, tmp_path):
    project, certificates = deployed
    source = project / PACKAGE / "__init__.py"
    ran = tmp_path / "edited-bytecode-ran"
    # A cached .pyc whose header matches the source (time and size) but whose code was
    # edited: Python's own import runs it without looking at the source.
    edited = compile(source.read_text(encoding="utf-8") + f"\nopen({str(ran)!r}, 'w').close()\n",
                     str(source), "exec")
    stat = source.stat()
    cached = Path(importlib.util.cache_from_source(str(source)))
    cached.parent.mkdir(exist_ok=True)
    cached.write_bytes(_code_to_timestamp_pyc(edited, int(stat.st_mtime), stat.st_size))

    # Uncertified (no certificate, not required): the edited bytecode runs.
    _listing(tmp_path, project, tmp_path / "no-certificates", require="false")
    assert ran.exists()
    ran.unlink()

    # Certified: the same files are admitted, and the certified source is what runs.
    listing = _listing(tmp_path, project, certificates)
    assert _state(listing) == ("enabled", "valid")
    assert not ran.exists()


def test_a_certificate_binds_the_files_the_distribution_ships(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "demo_pkg" / "__pycache__").mkdir(parents=True)
    (site / "demo_pkg" / "__init__.py").write_text("VALUE = 1\n")
    (site / "demo_pkg" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"cache")
    (site / "demo_data.json").write_text("{}\n")  # shipped beside the package
    meta = site / "demo_pkg-1.0.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n")
    (meta / "RECORD").write_text("\n".join([
        "demo_pkg/__init__.py,,", "demo_pkg/__pycache__/__init__.cpython-311.pyc,,",
        "demo_data.json,,", "demo_pkg-1.0.dist-info/METADATA,,",
        "demo_pkg-1.0.dist-info/RECORD,,", "../../bin/demo,,"]) + "\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()

    assert set(shipped_files("demo-pkg")) == {"demo_pkg/__init__.py", "demo_data.json"}
    (site / "demo_pkg" / "added.py").write_text("print('added')\n")
    files = installed_files("demo-pkg", "demo_pkg")
    assert set(files) == {"demo_pkg/__init__.py", "demo_pkg/added.py", "demo_data.json"}
    assert files["demo_data.json"] == hashlib.sha256(b"{}\n").hexdigest()


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
