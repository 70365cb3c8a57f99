"""``motcua plugin new``: the generated plugin installs, passes its own tests, migrates,
enters the catalogue and shows up enabled, all in separate processes.

The plugin is run by path: its metadata is generated in its folder and the folder is put
on ``PYTHONPATH`` of those processes only, so engineers and test workers sharing this
environment never meet it (and no package index is needed).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from motcua.core.cli import main
from motcua.core.plugin_manager.purity import core_imports

MOTCUA = [sys.executable, "-c", "from motcua.core.cli import main; main()"]


def run(command, cwd, env, timeout=600):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_scaffolded_plugin_passes_its_own_tests(tmp_path):
    written = CliRunner().invoke(main, ["plugin", "new", "land_use", "--dir", str(tmp_path)])
    assert written.exit_code == 0, written.output
    project = tmp_path / "motcua-plugin-land-use"
    package = project / "motcua_land_use"
    assert {p.name for p in package.iterdir()} >= {
        "__init__.py", "schemas.py", "models.py", "views.py", "templates", "migrations"}
    assert (package / "migrations" / "0001_land_use.py").exists()
    assert core_imports(package) == []  # the plugin keeps to the SDK
    project_table = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    # The plugin needs the SDK only; its tests (the SDK's kit) need the platform too.
    assert project_table["dependencies"] == ["motcua-plugin-sdk>=0.2,<0.3"]
    assert {re.split(r"[<>=~]", dep)[0] for dep in project_table["optional-dependencies"][
        "test"]} == {"pytest", "motcua"}

    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "MOTCUA_")) or key == "MOTCUA_TEST_POSTGRES_URL"}
    # Its metadata (with the entry point) next to its package: on PYTHONPATH, the
    # project folder then counts as installed, for these processes only.
    run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "egg_info"],
        project, env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), env.get("PYTHONPATH")]))

    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    assert "7 passed" in tests, tests

    env.update(MOTCUA_INSTANCE_PATH=str(tmp_path / "instance"),
               MOTCUA_DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
               MOTCUA_PLUGINS="land_use")  # other plugins installed here stay out
    upgraded = run([*MOTCUA, "db", "upgrade"], tmp_path, env)
    assert "0001_land_use" in upgraded and "Plugin procedures: 1 added" in upgraded, upgraded
    assert "1 unchanged" in run([*MOTCUA, "plugins", "sync-catalogue"], tmp_path, env)
    listing = run([*MOTCUA, "plugins", "list"], tmp_path, env)
    line = next(line for line in listing.splitlines() if line.startswith("land_use"))
    assert line.split()[1:5] == ["motcua-plugin-land-use", "0.1.0", ">=0.2,<0.3", "enabled"]


@pytest.mark.parametrize(("name", "message"), [
    ("Land", "must be 2-40 lowercase letters"),
    ("1st", "must be 2-40 lowercase letters"),
    ("core", "is reserved by motcua"),
])
def test_bad_plugin_names_are_refused(tmp_path, name, message):
    result = CliRunner().invoke(main, ["plugin", "new", name, "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "motcua-plugin-land-use").mkdir()
    (tmp_path / "motcua-plugin-land-use" / "mine.txt").write_text("keep")
    result = CliRunner().invoke(main, ["plugin", "new", "land_use", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "already exists; nothing was written" in result.output
    assert [p.name for p in (tmp_path / "motcua-plugin-land-use").iterdir()] == ["mine.txt"]
