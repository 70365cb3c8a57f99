"""Backup and restore drill: back up, destroy the database and the files, restore, and
find the same data (digest) and intact attachments, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from motcua.core import create_app, migrate
from motcua.core.audit.chain import append
from motcua.core.backup import data_digest
from motcua.core.backup.digest import sqlite_file_digest
from motcua.core.cli import main
from motcua.core.db import make_engine
from motcua.core.models import HubDossier, HubDossierEvent
from motcua.core.testing import postgres_database
from tests.conftest import login
from tests.factories import build_world
from tests.test_desk_web import PDF, receive


@contextmanager
def deployment(templates, backend: str, tmp_path: Path):  # noqa: ANN201
    """An app on a database of its own (the drill destroys it)."""
    if backend == "sqlite":
        url, context = templates("sqlite").fresh_url(tmp_path), None
    else:
        context = postgres_database("motcua_restore")
        url = context.__enter__()
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    app = create_app(instance_path=tmp_path / "instance", database_url=url,
                     secret_key="test-secret", TESTING=True, WTF_CSRF_ENABLED=False)
    try:
        yield app
    finally:
        app.extensions["motcua.db"].dispose()
        if context is not None:
            context.__exit__(None, None, None)


def digest(app) -> dict:
    with app.extensions["motcua.db"].session_factory() as session:
        return data_digest(session)


def destroy(app) -> None:
    """Lose everything: the database's tables and the instance's stored files."""
    database = app.extensions["motcua.db"]
    database.dispose()
    settings = app.config["MOTCUA"]
    if settings.database_url.startswith("sqlite"):
        Path(database.engine.url.database).unlink()
    else:
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        database.dispose()
    shutil.rmtree(settings.attachments_path, ignore_errors=True)


def test_restore_drill_gives_back_identical_data_and_files(templates, backend, tmp_path):
    with deployment(templates, backend, tmp_path) as app:
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        desk = login(app.test_client(), "letan")
        document = world.household_business.documents[0]
        codes = [receive(desk, world, **{
            f"file_{document.id}": (io.BytesIO(PDF + bytes([n])), f"don-{n}.pdf",
                                    "application/pdf")}) for n in range(3)]
        desk.get(f"/dossiers/{codes[0]}")  # an audited view: the audit head changes too
        before = digest(app)
        assert before["dossiers"] == 3 and before["attachments"] == 3

        runner = app.test_cli_runner()
        folder = tmp_path / "backups"
        made = runner.invoke(main, ["backup", "--dir", str(folder)])
        assert made.exit_code == 0, made.output
        (archive,) = folder.glob("motcua-backup-*.tar.gz")

        destroy(app)
        restored = runner.invoke(main, ["restore", str(archive), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert "Verified: data digest" in restored.output
        assert digest(app) == before
        for code in codes:  # the application works on the restored data
            assert desk.get(f"/dossiers/{code}").status_code == 200


def test_a_backup_taken_while_officers_work_restores_to_its_digest(templates, backend,
                                                                   tmp_path):
    with deployment(templates, backend, tmp_path) as app:
        database = app.extensions["motcua.db"]
        with app.app_context():
            build_world(database.session)
            database.remove()
        done, written = threading.Event(), []

        def officers() -> None:  # every commit moves the audit head, part of the digest
            while not done.is_set():
                with database.session_factory() as session:
                    append(session, "test.busy", target=str(len(written)))
                    session.commit()
                written.append(1)

        worker = threading.Thread(target=officers)
        worker.start()
        try:
            while len(written) < 5:  # the writes are under way before the backup starts
                time.sleep(0.01)
            made = app.test_cli_runner().invoke(main, ["backup", "--dir", str(tmp_path / "b")])
            during = len(written)
        finally:
            done.set()
            worker.join(timeout=60)
        assert made.exit_code == 0, made.output
        assert during > 5, "no write happened while the backup ran"
        (archive,) = (tmp_path / "b").glob("*.tar.gz")
        restored = app.test_cli_runner().invoke(main, ["restore", str(archive), "--yes"])
        assert restored.exit_code == 0, restored.output


def test_a_damaged_archive_is_refused_and_changes_nothing(templates, tmp_path):
    with deployment(templates, "sqlite", tmp_path) as app:
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        desk = login(app.test_client(), "letan")
        receive(desk, world)
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["backup", "--dir", str(tmp_path / "b")]).exit_code == 0
        (archive,) = (tmp_path / "b").glob("*.tar.gz")
        receive(desk, world)  # a newer dossier, which a bad restore would lose
        before = digest(app)

        damaged = tmp_path / "damaged.tar.gz"  # one member's content changed, re-packed
        work = tmp_path / "unpacked"
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        dump = next((work / "database").iterdir())
        dump.write_bytes(dump.read_bytes()[:-1] + b"\x00")
        with tarfile.open(damaged, "w:gz") as tar:
            for member in sorted(work.rglob("*")):
                tar.add(member, member.relative_to(work).as_posix(), recursive=False)
        refused = runner.invoke(main, ["restore", str(damaged), "--yes"])
        assert refused.exit_code == 1 and "does not match its checksum" in refused.output

        truncated = tmp_path / "truncated.tar.gz"
        truncated.write_bytes(archive.read_bytes()[:200])
        refused = runner.invoke(main, ["restore", str(truncated), "--yes"])
        assert refused.exit_code == 1 and "cannot be read" in refused.output
        assert digest(app) == before


def test_an_archive_whose_data_differ_from_its_manifest_is_refused(templates, tmp_path):
    with deployment(templates, "sqlite", tmp_path) as app:
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        desk = login(app.test_client(), "letan")
        receive(desk, world)
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["backup", "--dir", str(tmp_path / "b")]).exit_code == 0
        (archive,) = (tmp_path / "b").glob("*.tar.gz")
        receive(desk, world)
        before = digest(app)

        work = tmp_path / "unpacked"  # checksums intact, the recorded digest another's
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        manifest["digest"]["sha256"] = "f" * 64
        (work / "manifest.json").write_text(json.dumps(manifest))
        forged = tmp_path / "forged.tar.gz"
        with tarfile.open(forged, "w:gz") as tar:
            for member in sorted(work.rglob("*")):
                tar.add(member, member.relative_to(work).as_posix(), recursive=False)
        refused = runner.invoke(main, ["restore", str(forged), "--yes"])
        assert refused.exit_code == 1
        assert "does not hold the data its manifest records" in refused.output
        assert "nothing was restored" in refused.output
        assert digest(app) == before


def test_retention_keeps_the_newest(templates, tmp_path):
    with deployment(templates, "sqlite", tmp_path) as app:
        runner = app.test_cli_runner()
        folder = tmp_path / "b"
        for _ in range(3):
            assert runner.invoke(main, ["backup", "--dir", str(folder), "--keep", "2"]
                                 ).exit_code == 0
        kept = sorted(folder.glob("*.tar.gz"))
        assert len(kept) == 2
        result = runner.invoke(main, ["backup", "--dir", str(folder), "--keep", "0"])
        assert result.exit_code == 1 and "Keep at least one backup" in result.output


@pytest.mark.parametrize("answer", ["n\n"])
def test_restore_asks_before_replacing(templates, tmp_path, answer):
    with deployment(templates, "sqlite", tmp_path) as app:
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["backup", "--dir", str(tmp_path / "b")]).exit_code == 0
        (archive,) = (tmp_path / "b").glob("*.tar.gz")
        result = runner.invoke(main, ["restore", str(archive)], input=answer)
        assert result.exit_code == 1 and "Aborted" in result.output


def _hub_copy(app, code: str = "H72.01.01-261120-0001") -> None:
    """One dossier in the hub's read model with one event, as a node's batch leaves it."""
    moment = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with app.extensions["motcua.db"].session_factory() as session:
        copy = HubDossier(code=code, owner_node="node-h72-01", unit_code="H72.01.01",
                          received_day=moment.date(), procedure_code="1.001612",
                          status="received", applicant_name="Nguyễn Văn An",
                          received_at=moment, version=1, snapshot={"code": code})
        copy.events.append(HubDossierEvent(sequence=1, kind="received", at=moment,
                                           to_status="received"))
        session.add(copy)
        session.commit()


def test_the_digest_covers_the_hub_read_model_units_and_accounts(templates, tmp_path):
    with deployment(templates, "sqlite", tmp_path) as app:
        with app.app_context():
            build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        _hub_copy(app)
        before = digest(app)
        assert (before["hub_dossiers"], before["hub_events"]) == (1, 1)
        assert before["units"] == 6 and before["accounts"] == 6
        with app.extensions["motcua.db"].engine.begin() as connection:
            connection.execute(text("UPDATE hub_dossiers SET status = 'refused'"))
        changed = digest(app)
        assert changed["sha256"] != before["sha256"]
        with app.extensions["motcua.db"].engine.begin() as connection:
            connection.execute(text("UPDATE accounts SET full_name = 'X' "
                                    "WHERE username = 'letan'"))
        assert digest(app)["sha256"] != changed["sha256"]


def test_restore_brings_back_the_hub_read_model_and_the_certificates(templates, backend,
                                                                    tmp_path):
    with deployment(templates, backend, tmp_path) as app:
        with app.app_context():
            build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        _hub_copy(app)
        certificates = app.config["MOTCUA"].certificates_path
        certificates.mkdir(parents=True)
        (certificates / "tax.json").write_text('{"plugin": "tax"}', encoding="utf-8")
        before = digest(app)
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["backup", "--dir", str(tmp_path / "b")]).exit_code == 0
        (archive,) = (tmp_path / "b").glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            assert "certificates/tax.json" in tar.getnames()
            assert not any("secret" in name for name in tar.getnames())

        destroy(app)
        shutil.rmtree(certificates)
        restored = runner.invoke(main, ["restore", str(archive), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert digest(app) == before and before["hub_dossiers"] == 1
        assert (certificates / "tax.json").read_text(encoding="utf-8") == '{"plugin": "tax"}'


def test_an_archive_from_before_digest_version_2_restores_and_verifies(templates, tmp_path):
    with deployment(templates, "sqlite", tmp_path) as app:
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
            app.extensions["motcua.db"].remove()
        receive(login(app.test_client(), "letan"), world)
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["backup", "--dir", str(tmp_path / "b")]).exit_code == 0
        (archive,) = (tmp_path / "b").glob("*.tar.gz")
        work = tmp_path / "unpacked"  # rewritten as the previous version wrote archives
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        manifest.pop("digest_version")
        manifest["digest"] = sqlite_file_digest(work / manifest["database_file"], 1)
        (work / "manifest.json").write_text(json.dumps(manifest))
        older = tmp_path / "older.tar.gz"
        with tarfile.open(older, "w:gz") as tar:
            for member in sorted(work.rglob("*")):
                tar.add(member, member.relative_to(work).as_posix(), recursive=False)
        restored = runner.invoke(main, ["restore", str(older), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert "Verified: data digest" in restored.output
