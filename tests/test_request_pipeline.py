"""What a public, anonymous request pays for (issue 24): no session cookie, no account
looked up, one database round trip for a lookup; and what it must not lose doing so
(an officer with a temporary password is still stopped; a dropped database connection
is not handed to the next request)."""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import event, text

from motcua.core.db import make_engine
from motcua.core.models import Account, Unit
from tests.conftest import login
from tests.factories import PASSWORD
from tests.test_lookup_web import receive


@pytest.fixture
def code(app, world) -> str:
    return receive(app, world)


def public_requests(code: str) -> dict[str, str]:
    """The citizen's lookup on every channel (the SMS gateway calls from this machine)."""
    return {
        "json": f"/api/lookup/{code}",
        "page": f"/tra-cuu/{code}",
        "kiosk": f"/kiosk/tra-cuu?code={code}",
        "sms": f"/sms/inbound?from=0912345678&text=TRACUU+{code}",
    }


@contextmanager
def statements(engine):
    """The SQL statements run on ``engine`` meanwhile."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _many):  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def round_trips(engine):
    """Count the exchanges with PostgreSQL: ``count()`` is how many so far, as libpq sees
    them (every query, BEGIN, COMMIT, ROLLBACK or ping ends with the server's
    ReadyForQuery). Every connection is traced from its start, checks at checkout too."""
    traced = []
    with tempfile.TemporaryFile("w+") as trace:
        def watch(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.pgconn.trace(trace.fileno())
            traced.append(dbapi_connection)

        def count() -> int:
            trace.flush()
            trace.seek(0)
            return sum("ReadyForQuery" in line for line in trace)

        event.listen(engine, "connect", watch)
        engine.dispose()  # the pooled connections were not traced: new ones are
        try:
            yield count
        finally:
            event.remove(engine, "connect", watch)
            for connection in traced:
                if not connection.closed:
                    connection.pgconn.untrace()
            engine.dispose()


@pytest.mark.parametrize("channel", ["json", "page", "kiosk", "sms"])
def test_an_anonymous_lookup_sets_no_cookie_and_looks_no_account_up(app, code, channel):
    engine = app.extensions["motcua.db"].engine
    client = app.test_client()
    client.get(public_requests(code)[channel])  # the statements are prepared, caches warm
    with client, statements(engine) as seen:
        response = client.get(public_requests(code)[channel])
        assert response.status_code == 200
        # Flask-Login keeps the loaded user here; it is never asked for.
        assert "_login_user" not in g
    assert "Set-Cookie" not in response.headers
    assert not [statement for statement in seen if "FROM accounts" in statement]


@pytest.mark.parametrize("channel", ["json", "page", "kiosk", "sms"])
def test_an_anonymous_lookup_costs_one_round_trip(app, code, backend, channel):
    """The lookup's one statement, in autocommit: no ping at checkout, no BEGIN, COMMIT
    or ROLLBACK; SMS reads the units' abbreviations with it."""
    if backend != "postgresql":
        pytest.skip("counted on PostgreSQL's wire protocol")
    engine = app.extensions["motcua.db"].engine
    client = app.test_client()
    path = public_requests(code)[channel]
    with round_trips(engine) as count:
        client.get(path)  # connections made, statements prepared
        before = count()
        assert client.get(path).status_code == 200
        assert count() - before == 1


def test_an_officer_with_a_temporary_password_is_still_sent_to_change_it(app, world, code):
    db = app.extensions["motcua.db"]
    with app.app_context():
        # What an administrator's reset leaves (core/account_admin.py).
        db.session.get(Account, world.accounts["reception"].id).must_change_password = True
        db.session.commit()
        db.remove()
    officer = login(app.test_client(), "letan", PASSWORD)
    for path in ("/", *public_requests(code).values()):
        answer = officer.get(path)
        assert answer.status_code == 302 and answer.location.endswith("/account/password"), \
            path
    assert officer.get("/account/password").status_code == 200


def test_the_request_after_its_connections_were_dropped_succeeds(app, world, code, backend):
    """The pool checks each connection it hands out without a round trip; one the server
    has ended (restart, ``pg_terminate_backend``) is replaced, not used."""
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    engine = app.extensions["motcua.db"].engine
    killer_engine = make_engine(app.config["MOTCUA"].database_url)
    citizen = app.test_client()
    officer = login(app.test_client(), "letan")
    assert citizen.get(f"/api/lookup/{code}").status_code == 200
    assert officer.get("/").status_code == 200
    assert engine.pool.checkedin() >= 1
    with killer_engine.connect() as killer:
        killer.execution_options(isolation_level="AUTOCOMMIT")
        ended = killer.execute(text(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
        assert ended
        pids = [row.pid for row in ended]
        deadline = time.monotonic() + 10
        while killer.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"),
                             {"p": pids}).scalar() and time.monotonic() < deadline:
            time.sleep(0.05)
    killer_engine.dispose()
    assert citizen.get(f"/api/lookup/{code}").status_code == 200
    assert officer.get("/").status_code == 200


def test_an_sms_reply_names_units_by_the_abbreviations_set_on_them(app, world, code):
    """Read with the lookup's one statement now: a set abbreviation is still the one used,
    and an answer on the other channels does not carry it."""
    db = app.extensions["motcua.db"]
    with app.app_context():
        db.session.get(Unit, world.district_desk.id).abbreviation = "BPMC TPTN"
        db.session.commit()
        db.remove()
    client = app.test_client()
    reply = client.get(public_requests(code)["sms"]).text
    assert "BPMC TPTN" in reply
    assert "unit_abbreviations" not in client.get(public_requests(code)["json"]).get_json()
