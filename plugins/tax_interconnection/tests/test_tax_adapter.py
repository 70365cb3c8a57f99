"""The external adapter against the tax-office simulator running as a separate process.

Only the plugin's table is used (an SQLite file with ``Base.metadata``): the adapter needs
nothing else, and the simulator is started, killed and restarted as a real process so
connection errors, lost acknowledgements and restarts are the real thing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from motcua_tax_interconnection import adapter, protocol
from motcua_tax_interconnection.adapter import (
    TaxSystemClient,
    TaxSystemRefused,
    backoff,
    deliver,
    message_of,
)
from motcua_tax_interconnection.models import Base, Exchange
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

PLUGIN_ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
CITIZEN_ID = "001085012345"
PRICE = 2_000_000_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    """The simulator as a child process; its state (SQLite) outlives restarts."""

    def __init__(self, workdir: Path, partner_key: str, answer_delay: float = 0) -> None:
        self.private_key, self.public_key = protocol.generate_keypair()
        self.key_file = workdir / "tax.key"
        self.key_file.write_text(self.private_key, encoding="utf-8")
        self.db = workdir / "tax-simulator.sqlite3"
        self.log = workdir / "tax-simulator.log"
        self.partner_key = partner_key
        self.answer_delay = answer_delay
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        # Importable even when the plugin is not installed (the tests run from a checkout).
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PLUGIN_ROOT),
                                                         env.get("PYTHONPATH")]))
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "motcua_tax_interconnection.simulator",
                 "--port", str(self.port), "--db", str(self.db),
                 # "=": a base64url key may begin with "-", which argparse would take
                 # for an option if it came as a separate argument.
                 "--key-file", str(self.key_file), f"--partner-key={self.partner_key}",
                 "--answer-delay", str(self.answer_delay)],
                stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the simulator exited: {self.log.read_text(errors='replace')}")
            try:
                requests.get(self.url + "/api/v1/stats", timeout=1).raise_for_status()
                return
            except requests.RequestException:
                time.sleep(0.1)
        pytest.fail(f"the simulator did not answer: {self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        """Stop it the hard way (SIGKILL: a crash), or gently if asked by :meth:`stop`."""
        self.stop(sig=signal.SIGKILL)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stats(self) -> dict:
        response = requests.get(self.url + "/api/v1/stats", timeout=5)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def keys() -> tuple[str, str]:
    """motcua's (private, public) key pair for the tax system."""
    return protocol.generate_keypair()


@pytest.fixture
def simulator(tmp_path, keys):
    """A simulator, not started: each test starts (and kills) it when it needs to."""
    sim = Simulator(tmp_path, keys[1])
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'motcua.sqlite3'}")
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


def client_for(sim: Simulator, keys, **overrides) -> TaxSystemClient:
    options = {"base_url": sim.url, "sender_id": "motcua-test", "private_key": keys[0],
               "tax_public_key": sim.public_key, "timeout": 5}
    options.update(overrides)
    return TaxSystemClient(**options)


def add_exchange(session: Session, kind: str, payload: dict, *, channel: str = "external",
                 number: int = 1) -> Exchange:
    exchange = Exchange(
        message_id=str(uuid.uuid4()), kind=kind, dossier_code=f"H99.01-250901-{number:04d}",
        procedure_code="1.001612" if kind == "business" else "1.004227",
        unit_code="H99.01", tax_office_code="T99.01", channel=channel, payload=payload,
        status="waiting", created_at=T0, due_at=T0 + timedelta(days=3), attempts=0,
        next_attempt_at=T0 if channel == "external" else None)
    session.add(exchange)
    session.commit()
    return exchange


def business(citizen_id: str | None = CITIZEN_ID) -> dict:
    return {"business_name": "Hộ kinh doanh Phở Hà", "registration_number": "01A8012345",
            "owner": {"full_name": "Nguyễn Văn An", "citizen_id": citizen_id}}


def add_rows(session: Session, count: int = 4) -> list[Exchange]:
    """``count`` external rows alternating business and land, and one internal row."""
    rows = []
    for number in range(1, count + 1):
        if number % 2:
            rows.append(add_exchange(session, "business",
                                     business(f"0010850{number:05d}"), number=number))
        else:
            rows.append(add_exchange(session, "land", {"price": PRICE * number},
                                     number=number))
    add_exchange(session, "business", business(), channel="internal", number=999)
    return rows


class Recorder:
    """An ``on_answer`` that applies the answer like the plugin does and counts calls."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.answers: dict[str, dict] = {}

    def __call__(self, session: Session, exchange: Exchange, answer: dict) -> None:
        self.calls[exchange.message_id] += 1
        self.answers[exchange.message_id] = answer
        exchange.answer = answer
        exchange.answered_at = T0
        exchange.status = "query" if answer["outcome"] == "query" else "answered"


def external(session: Session) -> list[Exchange]:
    session.expire_all()
    return list(session.scalars(select(Exchange).where(Exchange.channel == "external")
                                .order_by(Exchange.id)))


def assert_all_done_once(session: Session, sim: Simulator, on_answer: Recorder,
                         count: int) -> None:
    rows = external(session)
    assert len(rows) == count
    assert all(row.delivered_at is not None and row.answer is not None for row in rows)
    assert on_answer.calls == Counter({row.message_id: 1 for row in rows})
    stats = sim.stats()
    assert stats["unique"] == count


# ------------------------------------------------------------------------------ tests


def test_backoff_doubles_from_30_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600]
    assert backoff(10_000) == timedelta(hours=1)


def test_protocol_signatures_round_trip():
    private, public = protocol.generate_keypair()
    body = protocol.canonical({"b": 1, "a": "Thuế"})
    assert body == '{"a":"Thuế","b":1}'.encode()
    signature = protocol.sign(private, body)
    assert protocol.verify(public, body, signature)
    assert not protocol.verify(public, body + b" ", signature)
    assert not protocol.verify(protocol.generate_keypair()[1], body, signature)
    assert not protocol.verify(public, body, "not base64!")
    assert not protocol.verify(public, body, None)


def test_down_then_up_delivers_every_row_once(session, simulator, keys):
    rows = add_rows(session, 4)
    missing_id = add_exchange(session, "business", business(None), number=5)
    count = len(rows) + 1
    on_answer = Recorder()
    client = client_for(simulator, keys)

    # (a) The tax system is down (not started): nothing escapes, nothing is lost.
    first = deliver(session, client, now=T0, on_answer=on_answer)
    assert (first.sent, first.duplicates, first.failed, first.answered) == (0, 0, 1, 0)
    assert first.errors and "connection error" in first.errors[0]
    # Still down ten seconds later: the first row waits its backoff, the next is tried.
    second = deliver(session, client, now=T0 + timedelta(seconds=10), on_answer=on_answer)
    assert second.failed == 1
    tried = external(session)
    assert all(row.delivered_at is None for row in tried)
    assert tried[0].attempts == 1 and tried[0].last_error
    assert tried[0].next_attempt_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=30)
    assert tried[1].attempts == 1
    assert tried[1].next_attempt_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=40)
    assert not on_answer.calls

    # Before the backoff has passed, a pass does not hammer the rows already tried.
    simulator.start()
    early = deliver(session, client, now=T0 + timedelta(seconds=20), on_answer=on_answer)
    assert early.sent == count - 2 and early.failed == 0
    assert sum(row.delivered_at is None for row in external(session)) == 2

    # (b) Past the backoff: every row delivered once, every answer applied once.
    late = deliver(session, client, now=T0 + timedelta(minutes=1), on_answer=on_answer)
    assert late.sent == 2 and late.failed == 0 and not late.errors
    assert early.answered + late.answered == count
    assert_all_done_once(session, simulator, on_answer, count)
    assert simulator.stats() == {"received": count, "duplicates": 0, "unique": count}
    assert all(row.last_error is None for row in external(session))

    # The answers are the tax office's: tax code = owner's citizen ID; land notice.
    by_id = {row.message_id: row for row in external(session)}
    for message_id, answer in on_answer.answers.items():
        row = by_id[message_id]
        if message_id == missing_id.message_id:
            assert answer["outcome"] == "query" and answer["question"]
            assert row.status == "query"
        elif row.kind == "business":
            assert answer["outcome"] == "tax_code"
            assert answer["tax_code"] == row.payload["owner"]["citizen_id"]
            assert answer["tax_office"] == "Chi cục Thuế khu vực (mô phỏng)"
        else:
            price = row.payload["price"]
            assert answer["outcome"] == "notice"
            assert answer["notice_number"].startswith("TB-")
            assert answer["items"] == [
                {"name": "Lệ phí trước bạ", "amount": price * 5 // 1000},
                {"name": "Thuế thu nhập cá nhân", "amount": price * 2 // 100}]
            assert answer["total"] == price * 25 // 1000
            answered = datetime.fromisoformat(answer["answered_at"]).date()
            assert answer["pay_by"] == (answered + timedelta(days=30)).isoformat()

    # (c) Running again sends and applies nothing more.
    again = deliver(session, client, now=T0 + timedelta(hours=3), on_answer=on_answer)
    assert (again.sent, again.duplicates, again.failed, again.answered) == (0, 0, 0, 0)
    assert simulator.stats() == {"received": count, "duplicates": 0, "unique": count}
    assert_all_done_once(session, simulator, on_answer, count)
    internal = session.scalar(select(Exchange).where(Exchange.channel == "internal"))
    assert internal.delivered_at is None and internal.attempts == 0


def test_lost_acknowledgement_is_answered_duplicate_and_counted_once(session, simulator, keys):
    rows = add_rows(session, 3)
    on_answer = Recorder()
    client = client_for(simulator, keys)
    simulator.start()
    # (d) The message reached the tax system but the acknowledgement never came back.
    assert client.send(message_of(rows[0], T0)) == "accepted"

    result = deliver(session, client, now=T0, on_answer=on_answer)
    assert (result.sent, result.duplicates, result.failed) == (2, 1, 0)
    assert result.answered == 3
    assert_all_done_once(session, simulator, on_answer, 3)
    assert simulator.stats() == {"received": 4, "duplicates": 1, "unique": 3}


def test_bad_signatures_are_refused_both_ways(session, simulator, keys):
    rows = add_rows(session, 2)
    simulator.start()
    message = message_of(rows[0], T0)
    body = protocol.canonical(message)
    url = simulator.url + adapter.MESSAGES_PATH

    # (e) Signed with another key, tampered after signing, or not signed at all: 401.
    stranger = protocol.generate_keypair()[0]
    tampered = body.replace(b"H99.01-", b"H99.02-")
    for data, signature in ((body, protocol.sign(stranger, body)),
                            (tampered, protocol.sign(keys[0], body)),
                            (body, None)):
        headers = {protocol.SENDER_HEADER: "motcua-test"}
        if signature:
            headers[protocol.SIGNATURE_HEADER] = signature
        response = requests.post(url, data=data, headers=headers, timeout=5)
        assert response.status_code == 401
    # Well signed but malformed: 422.
    broken = protocol.canonical({**message, "kind": "boat"})
    response = requests.post(url, data=broken, timeout=5, headers={
        protocol.SENDER_HEADER: "motcua-test",
        protocol.SIGNATURE_HEADER: protocol.sign(keys[0], broken)})
    assert response.status_code == 422
    assert simulator.stats() == {"received": 0, "duplicates": 0, "unique": 0}

    # The client with a key the tax system does not know is refused, and says so.
    with pytest.raises(TaxSystemRefused) as refused:
        client_for(simulator, (stranger, None)).send(message)
    assert refused.value.status == 401

    # An answer altered on the way is not trusted: the client refuses it ...
    client = client_for(simulator, keys)
    assert client.send(message) == "accepted"
    assert client.fetch_answer(message["message_id"])["tax_code"] == "001085000001"
    client.http = TamperingSession()
    with pytest.raises(TaxSystemRefused, match="signature"):
        client.fetch_answer(message["message_id"])
    # ... and so does a client expecting another tax system's key.
    with pytest.raises(TaxSystemRefused, match="signature"):
        client_for(simulator, keys, tax_public_key=protocol.generate_keypair()[1]) \
            .fetch_answer(message["message_id"])
    assert client_for(simulator, keys).fetch_answer(str(uuid.uuid4())) is None

    # deliver() keeps the tampered answer out and says why on the row.
    on_answer = Recorder()
    result = deliver(session, client, now=T0, on_answer=on_answer)
    assert result.duplicates == 1 and result.sent == 1 and result.answered == 0
    assert result.failed == 2 and len(result.errors) == 2
    assert not on_answer.calls
    assert all(row.answer is None and row.status == "waiting" and "signature" in row.last_error
               for row in external(session))
    # A refused answer is not asked for again on every pass: the rows back off ...
    honest = client_for(simulator, keys)
    result = deliver(session, honest, now=T0 + timedelta(minutes=5), on_answer=on_answer)
    assert (result.answered, result.failed) == (0, 0) and not on_answer.calls
    # ... and once the back-off has passed, with the honest channel back, the answers
    # are applied (once).
    result = deliver(session, honest, now=T0 + adapter.REFUSED_RETRY, on_answer=on_answer)
    assert result.answered == 2 and result.sent == 0
    assert_all_done_once(session, simulator, on_answer, 2)


class TamperingSession(requests.Session):
    """A man in the middle changing the tax code, or the total of a notice, of an answer."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        if response.status_code == 200 and response.request.method == "GET":
            answer = json.loads(response.content)
            if "tax_code" in answer:
                answer["tax_code"] = "999999999999"
            else:
                answer["total"] = answer["total"] - 1_000_000
            response._content = protocol.canonical(answer)
        return response


def test_simulator_killed_and_restarted_between_passes(tmp_path, session, keys):
    rows = add_rows(session, 6)
    on_answer = Recorder()
    # Answers come two seconds after a message: some are still pending at the crash.
    sim = Simulator(tmp_path, keys[1], answer_delay=2)
    client = client_for(sim, keys)
    try:
        sim.start()
        first = deliver(session, client, now=T0, on_answer=on_answer, limit=3)
        assert (first.sent, first.failed) == (3, 0)
        assert first.answered == 0  # not answered yet

        # (f) The tax system crashes between two passes.
        sim.kill()
        down = deliver(session, client, now=T0 + timedelta(minutes=1), on_answer=on_answer)
        assert down.sent == 0 and down.failed == 1 and down.answered == 0
        assert sum(row.delivered_at is None for row in external(session)) == 3

        sim.start()
        assert sim.stats() == {"received": 3, "duplicates": 0, "unique": 3}
        deadline = time.monotonic() + 30
        now = T0 + timedelta(hours=2)
        while time.monotonic() < deadline and len(on_answer.calls) < len(rows):
            deliver(session, client, now=now, on_answer=on_answer)
            # The clock moves on as in production, past any backoff a pass may cause.
            now += timedelta(hours=1)
            time.sleep(0.3)
        assert_all_done_once(session, sim, on_answer, len(rows))
        assert sim.stats() == {"received": 6, "duplicates": 0, "unique": 6}

        # Killed again once all is done: a restart changes nothing and resends nothing.
        sim.kill()
        sim.start()
        last = deliver(session, client, now=now + timedelta(hours=1), on_answer=on_answer)
        assert (last.sent, last.duplicates, last.failed, last.answered) == (0, 0, 0, 0)
        assert_all_done_once(session, sim, on_answer, len(rows))
        assert sim.stats() == {"received": 6, "duplicates": 0, "unique": 6}
    finally:
        sim.stop()


def test_openapi_document_is_valid_and_served(simulator):
    import openapi_spec_validator as validator

    spec_path = PLUGIN_ROOT / "motcua_tax_interconnection" / "openapi.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    validator.validate(spec)
    assert {"/api/v1/messages", "/api/v1/messages/{message_id}/answer"} <= set(spec["paths"])
    simulator.start()
    assert requests.get(simulator.url + "/openapi.json", timeout=5).json() == spec
