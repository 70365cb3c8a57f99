"""Idempotency keys on REST API writes: a retried request is answered once and written
once, per account, also when connections drop under load (issue #23)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, text, update

from motcua.core.api.idempotency import KEEP
from motcua.core.models import IdempotencyKey
from motcua.core.timeutil import now
from tests.browser import serve
from tests.factories import applicant, intake_data
from tests.test_api import counts, make_token


@pytest.fixture
def auth(app, world) -> dict:
    return {"Authorization": f"Bearer {make_token(app, world.accounts['reception'].id)}"}


def keyed(auth: dict, key: str) -> dict:
    return {**auth, "Idempotency-Key": key}


def dossier_count(app) -> int:
    return counts(app)["dossiers"]


def test_a_retried_intake_with_the_same_key_is_answered_once_and_written_once(
        app, world, auth):
    client, before = app.test_client(), dossier_count(app)
    first = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, "k-1"))
    again = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, "k-1"))
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert dossier_count(app) == before + 1
    # Another key is another intake.
    other = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, "k-2"))
    assert other.status_code == 201 and other.get_json()["code"] != first.get_json()["code"]
    assert dossier_count(app) == before + 2


def test_the_same_key_with_another_body_is_422_and_writes_nothing(app, world, auth):
    client = app.test_client()
    assert client.post("/api/v1/dossiers", json=intake_data(world),
                       headers=keyed(auth, "k-1")).status_code == 201
    before = counts(app)
    changed = intake_data(world, applicant=applicant(full_name="Trần Văn Khác"))
    refused = client.post("/api/v1/dossiers", json=changed, headers=keyed(auth, "k-1"))
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.get_json()["error"]
    assert counts(app) == before
    bad = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, " "))
    assert bad.status_code == 400 and bad.get_json()["field"] == "Idempotency-Key"


def test_a_failed_write_keeps_no_key_so_its_corrected_retry_runs(app, world, auth):
    client, before = app.test_client(), dossier_count(app)
    broken = intake_data(world, applicant=applicant(citizen_id="12"))
    assert client.post("/api/v1/dossiers", json=broken,
                       headers=keyed(auth, "k-1")).status_code == 422
    assert client.post("/api/v1/dossiers", json=broken,
                       headers=keyed(auth, "k-1")).status_code == 422
    with app.app_context():
        session = app.extensions["motcua.db"].session
        assert session.scalars(select(IdempotencyKey)).all() == []
    assert dossier_count(app) == before


def test_keys_belong_to_one_account(app, world, auth):
    client = app.test_client()
    first = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, "k-1"))
    assert first.status_code == 201
    other = {"Authorization": f"Bearer {make_token(app, world.accounts['other_reception'].id)}"}
    # The other account's request runs as its own (refused at a desk not its own); it is
    # never answered with the first account's dossier.
    theirs = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(other, "k-1"))
    assert theirs.status_code == 403 and "code" not in theirs.get_json()


def test_a_key_expires(app, world, auth):
    client, before = app.test_client(), dossier_count(app)
    first = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, "k-1"))
    with app.extensions["motcua.db"].engine.begin() as connection:
        connection.execute(update(IdempotencyKey).values(
            created_at=now() - KEEP - timedelta(minutes=1)))
    later = client.post("/api/v1/dossiers", json=intake_data(world), headers=keyed(auth, "k-1"))
    assert later.status_code == 201 and later.get_json()["code"] != first.get_json()["code"]
    assert dossier_count(app) == before + 2
    with app.app_context():  # the expired row was purged, the new one kept
        session = app.extensions["motcua.db"].session
        assert len(session.scalars(select(IdempotencyKey)).all()) == 1


def test_concurrent_requests_with_one_key_write_once(app, world, auth):
    before, answers, start = dossier_count(app), [], threading.Barrier(2)

    def post() -> None:
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/dossiers", json=intake_data(world),
                               headers=keyed(auth, "together"))
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert dossier_count(app) == before + 1


def test_dropped_connections_under_load_lose_nothing_and_double_nothing(app, world, auth,
                                                                        backend):
    """A client ledger retries every failure with the same key while the server's
    PostgreSQL connections are terminated again and again."""
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    engine = app.extensions["motcua.db"].engine
    database, before = engine.url.database, dossier_count(app)
    ledger: dict[str, str] = {}  # key -> the code the server acknowledged
    failures, stop = [], threading.Event()

    def terminate() -> None:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            while not stop.wait(0.3):
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database})

    def client(base: str, count: int) -> None:
        with requests.Session() as http:
            for _ in range(count):
                key = str(uuid.uuid4())
                for _attempt in range(200):
                    try:
                        response = http.post(f"{base}/api/v1/dossiers", json=intake_data(world),
                                             headers=keyed(auth, key), timeout=30)
                    except requests.RequestException as error:
                        failures.append(repr(error))
                        continue
                    if response.status_code == 201:
                        ledger[key] = response.json()["code"]
                        break
                    failures.append(response.status_code)

    with serve(app) as base:
        killer = threading.Thread(target=terminate)
        killer.start()
        clients = [threading.Thread(target=client, args=(base, 12)) for _ in range(3)]
        try:
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join(timeout=300)
        finally:
            stop.set()
            killer.join(timeout=30)
    assert failures, "no connection was dropped: the test proved nothing"
    assert len(ledger) == 36  # 0 lost: every intake acknowledged in the end
    assert len(set(ledger.values())) == 36
    assert dossier_count(app) == before + 36  # 0 doubled
    with engine.connect() as connection:
        stored = dict(connection.execute(select(IdempotencyKey.key, IdempotencyKey.body)).all())
    assert set(stored) == set(ledger)
    assert all(ledger[key] in stored[key] for key in ledger)
