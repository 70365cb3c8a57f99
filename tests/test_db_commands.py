"""``motcua db``: checksums of applied migration files (upgrade refuses a changed one,
check lists it, accept records it), one ``Error:`` line for every failure, help that is
not cut, and no instance created where none belongs."""

from __future__ import annotations

import contextlib
import textwrap

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from motcua.core import migrate
from motcua.core.cli import main
from motcua.core.errors import ConfigurationError
from motcua.core.testing import postgres_database, require_postgres_or_skip

BRANCH = '''
"""fakeplug: one table.

Revision ID: 0001_fakeplug
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_fakeplug"
down_revision = "0001_core"
branch_labels = ("fakeplug",)
depends_on = None


def upgrade() -> None:
    op.create_table("fakeplug_rows", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("fakeplug_rows")
'''


@contextlib.contextmanager
def empty_database(backend: str, tmp_path):  # noqa: ANN001
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    require_postgres_or_skip()
    with postgres_database("motcua_dbcli") as url:
        yield url


@pytest.fixture
def branch(tmp_path):
    folder = tmp_path / "fakeplug_migrations"
    folder.mkdir()
    (folder / "0001_fakeplug.py").write_text(textwrap.dedent(BRANCH), encoding="utf-8")
    return folder


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_changed_applied_migration_is_refused_listed_and_accepted(backend, tmp_path,
                                                                    branch):
    with empty_database(backend, tmp_path) as url:
        engine = create_engine(url)
        locations = [str(branch)]
        try:
            migrate.upgrade(engine, extra_version_locations=locations)
            assert migrate.check(engine, locations) == []
            script = branch / "0001_fakeplug.py"
            script.write_text(script.read_text().replace(
                '("id", sa.Integer(), primary_key=True))',
                '("id", sa.Integer(), primary_key=True),\n'
                '                    sa.Column("note", sa.String(20)))'))
            [change] = migrate.check(engine, locations)
            assert change.revision == "0001_fakeplug"
            assert change.filename == "0001_fakeplug.py"
            with pytest.raises(ConfigurationError) as refused:
                migrate.upgrade(engine, extra_version_locations=locations)
            assert "0001_fakeplug (0001_fakeplug.py" in refused.value.message
            assert "motcua db accept" in refused.value.message
            with pytest.raises(ConfigurationError, match="Nothing to accept for 0001_core"):
                migrate.accept(engine, ["0001_core"], locations)
            assert [c.revision for c in migrate.accept(engine, ["0001_fakeplug"],
                                                       locations)] == ["0001_fakeplug"]
            assert migrate.check(engine, locations) == []
            migrate.upgrade(engine, extra_version_locations=locations)  # accepted: runs
            # A downgrade forgets the undone revision's checksum: re-applying records anew.
            migrate.downgrade(engine, "fakeplug@base", extra_version_locations=locations)
            assert "fakeplug_rows" not in inspect(engine).get_table_names()
            migrate.upgrade(engine, extra_version_locations=locations)
            assert migrate.check(engine, locations) == []
            assert {"note"} <= {c["name"] for c in inspect(engine).get_columns("fakeplug_rows")}
        finally:
            engine.dispose()


def _cli(tmp_path, *args: str):  # noqa: ANN202
    return CliRunner().invoke(main, list(args), env={
        "MOTCUA_INSTANCE_PATH": str(tmp_path / "instance"), "MOTCUA_PLUGINS": "none",
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"})


def test_the_db_commands_check_accept_and_refuse(tmp_path, branch, monkeypatch):
    monkeypatch.setattr(migrate, "plugin_version_locations", lambda: [str(branch)])
    assert _cli(tmp_path, "db", "upgrade").exit_code == 0
    checked = _cli(tmp_path, "db", "check")
    assert checked.exit_code == 0 and "as it was applied" in checked.output
    script = branch / "0001_fakeplug.py"
    script.write_text(script.read_text() + "\n# reformatted\n")
    checked = _cli(tmp_path, "db", "check")
    assert checked.exit_code == 1
    assert "changed: 0001_fakeplug (0001_fakeplug.py" in checked.output
    refused = _cli(tmp_path, "db", "upgrade")
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: Applied migration files changed")
    assert "Traceback" not in refused.output
    bad = _cli(tmp_path, "db", "accept", "0002_nothing")
    assert bad.exit_code == 1 and bad.output.startswith("Error: Nothing to accept")
    accepted = _cli(tmp_path, "db", "accept", "0001_fakeplug")
    assert accepted.exit_code == 0 and "accepted: 0001_fakeplug" in accepted.output
    assert _cli(tmp_path, "db", "upgrade").exit_code == 0


@pytest.mark.parametrize(("args", "expected"), [
    (("db", "downgrade", "nonsense"), "Error: No migration revision 'nonsense'"),
    (("db", "upgrade", "nonsense"), "Error: No migration revision 'nonsense'"),
    (("db", "downgrade", "heads"), "Error: CommandError: "),
    # The plugin's downgrade itself fails (here: it raises).
    (("db", "downgrade", "fakeplug@base"), "Error: RuntimeError: this table cannot go"),
])
def test_every_db_error_is_one_error_line(tmp_path, branch, monkeypatch, args, expected):
    script = branch / "0001_fakeplug.py"
    script.write_text(script.read_text().replace(
        '    op.drop_table("fakeplug_rows")',
        '    raise RuntimeError("this table cannot go:\\n it holds the register")'))
    monkeypatch.setattr(migrate, "plugin_version_locations", lambda: [str(branch)])
    assert _cli(tmp_path, "db", "upgrade").exit_code == 0
    result = _cli(tmp_path, *args)
    assert result.exit_code == 1
    assert result.output.startswith(expected), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_db_help_is_not_cut():
    result = CliRunner().invoke(main, ["db", "--help"])
    assert result.exit_code == 0
    for line in ("upgrade    Apply migrations up to TARGET (default: all heads).",
                 "downgrade  Revert migrations down to TARGET, e.g. base.",
                 "check      List applied migration files changed since.",
                 "accept     Record changed migration files as applied."):
        assert line in result.output
    commands = result.output.split("Commands:")[1].splitlines()
    assert not any(line.rstrip().endswith(("(e.g.", "...")) for line in commands)


def _plugin_folder(tmp_path):  # noqa: ANN202
    folder = tmp_path / "motcua-plugin-land-use"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "motcua-plugin-land-use"\nversion = "0.1.0"\n'
        '[project.entry-points."motcua.plugins"]\nland_use = "motcua_land_use"\n')
    return folder


def test_commands_in_a_plugin_folder_create_no_instance(tmp_path, monkeypatch):
    folder = _plugin_folder(tmp_path)
    monkeypatch.chdir(folder)
    for name in ("MOTCUA_INSTANCE_PATH", "MOTCUA_DATABASE_URL", "MOTCUA_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    assert runner.invoke(main, ["plugins", "check", str(folder)]).exit_code in (0, 1)
    refused = runner.invoke(main, ["db", "upgrade"])
    assert refused.exit_code == 1
    assert refused.output.startswith(f"Error: {folder} is a plugin's source folder")
    assert "MOTCUA_INSTANCE_PATH" in refused.output
    assert runner.invoke(main, ["init"]).exit_code == 1
    assert sorted(p.name for p in folder.iterdir()) == ["pyproject.toml"]
    # Pointed at an instance, the same commands work from the plugin's folder.
    monkeypatch.setenv("MOTCUA_INSTANCE_PATH", str(tmp_path / "trial"))
    monkeypatch.setenv("MOTCUA_PLUGINS", "none")
    done = runner.invoke(main, ["init"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "trial" / "secret_key").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["pyproject.toml"]


def test_help_in_a_plain_folder_creates_nothing_and_init_still_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("MOTCUA_INSTANCE_PATH", "MOTCUA_DATABASE_URL", "MOTCUA_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTCUA_PLUGINS", "none")
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0
    assert list(tmp_path.iterdir()) == []
    done = CliRunner().invoke(main, ["init"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "instance" / "secret_key").exists()
