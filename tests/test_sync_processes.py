"""Faults with real processes on loopback: the hub (gunicorn, its own process group)
SIGKILLed in the middle of applying a batch and started again; two ``motcua sync run``
processes competing for one node; duplicated and reordered deliveries; a read timeout and
connection resets between node and hub. Each ends with 0 lost, 0 doubled and equal
digests (``compare_with_hub``). Every wait is bounded."""

from __future__ import annotations

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import text

from motcua.core.models import OutboxEntry, SyncBatch, SyncNode, SyncNodeState
from motcua.core.sync.locking import sender_lock
from motcua.core.sync.node import drain, seal
from motcua.core.sync.reconcile import compare_with_hub
from tests.test_sync_faults import assert_in_sync, count
from tests.test_sync_helpers import HubProcess, free_port, province, receive

BOUND = 20  # seconds: no wait in this module lasts longer


MOTCUA = [sys.executable, "-c", "from motcua.core.cli import main; main()"]


def node_env(p, name: str) -> dict[str, str]:  # noqa: ANN001
    """The environment of a ``motcua`` command run on node ``name``."""
    settings = p.nodes[name].config["MOTCUA"]
    return {**os.environ, "MOTCUA_DATABASE_URL": settings.database_url,
            "MOTCUA_INSTANCE_PATH": str(settings.instance_path), "MOTCUA_PLUGINS": "none",
            "MOTCUA_SECRET_KEY": "test-secret", "MOTCUA_ROLE": "node",
            "MOTCUA_SYNC_NODE_ID": name, "MOTCUA_SYNC_HUB_URL": p.server.url,
            "MOTCUA_SYNC_KEY": p.keys[name], "MOTCUA_SYNC_BATCH_SIZE": "3",
            "MOTCUA_LANGUAGE": "en"}


def worker_process(p, name: str, *extra: str) -> subprocess.Popen:  # noqa: ANN001
    """``motcua sync run`` for node ``name`` in its own process (output to a pipe)."""
    return subprocess.Popen(
        [*MOTCUA, "sync", "run", "--idle", "0.1", *extra], env=node_env(p, name),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_worker(worker: subprocess.Popen) -> str:
    """SIGTERM (the worker finishes its round and exits); returns what it printed."""
    worker.send_signal(signal.SIGTERM)
    try:
        output, _ = worker.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate(timeout=10)
    return output


def wait_until_delivered(app, seconds: float = BOUND) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not (count(app, OutboxEntry, OutboxEntry.sent_at.is_(None))
                or count(app, SyncBatch, SyncBatch.acked_at.is_(None))):
            return
        time.sleep(0.2)
    raise AssertionError(f"not delivered within {seconds} s")


@contextmanager
def north_with(templates, backend, tmp_path, dossiers: int) -> Iterator:  # noqa: ANN001
    """The hub in its own processes and node north holding ``dossiers`` new dossiers."""
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]},
                  hub_process=True) as p:
        for _ in range(dossiers):
            receive(p.nodes["north"], p.worlds["north"])
        yield p


@pytest.fixture
def postgresql_only(backend) -> None:  # noqa: ANN001
    if backend != "postgresql":
        pytest.skip("row locks and advisory locks of PostgreSQL")


def test_the_hub_killed_mid_apply_and_restarted_loses_and_doubles_nothing(
        templates, backend, tmp_path, postgresql_only):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]},
                  hub_process=True) as p:
        codes = [receive(p.nodes["north"], p.worlds["north"]) for _ in range(6)]
        engine = p.hub.extensions["motcua.db"].engine
        # Hold the hub in the middle of batch 1: our uncommitted row takes the code of the
        # batch's last dossier, so the hub's INSERT of the batch's dossiers waits on it,
        # the first ones already written in its open transaction.
        blocker = engine.connect()
        blocker.begin()
        blocker.execute(text(
            "INSERT INTO hub_dossiers (code, owner_node, unit_code, received_day, status, "
            "applicant_name, received_at, version, snapshot, details, plugin_data, "
            "updated_at) VALUES (:code, 'north', 'H72.01.01', :day, 'received', 'x', :at, "
            "1, '{}', '{}', '{}', :at)"),
            {"code": codes[2], "day": datetime.now(UTC).date(), "at": datetime.now(UTC)})
        worker = worker_process(p, "north")
        try:
            deadline = time.monotonic() + BOUND
            with engine.connect() as probe:
                while probe.scalar(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                        "'Lock' AND datname = current_database()")) == 0:
                    assert time.monotonic() < deadline, "the hub never reached the apply"
                    probe.rollback()  # pg_stat_activity is read once per transaction
                    time.sleep(0.1)
            p.server.kill()
            blocker.rollback()
            blocker.close()
            assert count(p.hub, SyncNode, SyncNode.last_sequence > 0) == 0  # nothing kept
            time.sleep(1.0)  # the hub stays down a while
            p.server = HubProcess(p.hub, p.server.port).start()
            wait_until_delivered(p.nodes["north"])
        finally:
            output = stop_worker(worker)
            print(output)  # shown when the test fails
        assert "Will retry: hub unreachable" in output
        assert_in_sync(p, "north", 6)


class Printed:
    """What a worker process prints, read line by line as it comes (a thread per pipe)."""

    def __init__(self, worker: subprocess.Popen) -> None:
        self.worker, self.lines = worker, []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.worker.stdout:
            self.lines.append(line)

    def says(self, words: str) -> bool:
        return any(words in line for line in list(self.lines))

    def stop(self) -> str:
        """SIGTERM, as :func:`stop_worker`; returns everything printed."""
        self.worker.send_signal(signal.SIGTERM)
        try:
            self.worker.wait(timeout=BOUND)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait(timeout=10)
        self.reader.join(timeout=10)
        return "".join(self.lines)


def test_two_sync_run_processes_compete_and_send_each_change_once(
        templates, backend, tmp_path, postgresql_only):
    with north_with(templates, backend, tmp_path, 6) as p:
        node = p.nodes["north"]
        workers = [Printed(worker_process(p, "north")) for _ in range(2)]
        outputs = []
        try:
            # The node's sender lock held elsewhere: both workers must stand by, not send.
            with sender_lock(node.extensions["motcua.db"], "north", "test") as held:
                assert held
                deadline = time.monotonic() + BOUND
                while not all(w.says("Another worker is sending for node north")
                              for w in workers):
                    assert time.monotonic() < deadline, "a worker never stood by"
                    time.sleep(0.1)
                assert count(node, OutboxEntry, OutboxEntry.sent_at.is_not(None)) == 0
            # Released: the two race for it while changes keep coming.
            for _ in range(18):
                receive(node, p.worlds["north"])
                time.sleep(0.05)
            wait_until_delivered(node)
        finally:
            outputs = [worker.stop() for worker in workers]
        delivered = [sum(int(n) for n in re.findall(r"Delivered (\d+) changes", out))
                     for out in outputs]
        # Each change was sent by exactly one of the two.
        assert sum(delivered) == count(node, OutboxEntry)
        assert_in_sync(p, "north", 24)
        with p.hub.extensions["motcua.db"].session_factory() as session:
            assert session.get(SyncNode, "north").duplicates == 0


def test_duplicated_and_reordered_deliveries_end_equal(templates, backend, tmp_path):
    with north_with(templates, backend, tmp_path, 6) as p:
        node = p.node("north")
        node.batch_size = 2
        batches = {b.sequence: b for b in (seal(node) for _ in range(3))}
        answers = []
        for sequence in (2, 1, 1, 3, 2, 3, 3, 1):
            batch = batches[sequence]
            response = requests.post(
                f"{p.server.url}/sync/v1/batches", data=batch.body.encode(), timeout=BOUND,
                headers={"Content-Type": "application/json", "X-Motcua-Node": "north",
                         "X-Motcua-Signature": batch.signature})
            answers.append((sequence, response.status_code,
                            response.json().get("status") or response.json().get("field")))
        assert answers == [(2, 409, "sequence"), (1, 200, "applied"), (1, 200, "duplicate"),
                           (3, 409, "sequence"), (2, 200, "applied"), (3, 200, "applied"),
                           (3, 200, "duplicate"), (1, 200, "duplicate")]
        # The node learns it all arrived: its own pushes are answered as duplicates.
        result = drain(node, deadline=time.monotonic() + BOUND)
        assert result.error is None and result.duplicates == 3
        assert_in_sync(p, "north", 6)
        assert compare_with_hub(p.node("north")).differences == []


class FaultyProxy:
    """An HTTP proxy on loopback in front of the hub that spoils the first ``faults``
    batch pushes: ``"stall"`` forwards the push (the hub applies it) and answers only
    after ``delay`` seconds; ``"reset"`` forwards it and then resets the connection
    (TCP RST) instead of answering. Queries pass through untouched."""

    def __init__(self, upstream: str, mode: str, faults: int, delay: float = 0) -> None:
        self.upstream, self.mode, self.left, self.delay = upstream, mode, faults, delay
        self.spoiled = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = requests.post(proxy.upstream + self.path, data=body, timeout=BOUND,
                                       headers={k: v for k, v in self.headers.items()
                                                if k.lower().startswith(("x-", "content-t"))})
                if self.path == "/sync/v1/batches" and proxy.take_fault():
                    if proxy.mode == "reset":
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                   struct.pack("ii", 1, 0))
                        self.connection.close()
                        return
                    time.sleep(proxy.delay)
                try:
                    self.send_response(answer.status_code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the node gave up waiting (the read timeout under test)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take_fault(self) -> bool:
        with self.lock:
            if self.left > 0:
                self.left -= 1
                self.spoiled += 1
                return True
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _through(p, proxy: FaultyProxy, read_timeout: float = 10.0):  # noqa: ANN001, ANN202
    node = p.node("north")
    node.transport.base_url = proxy.url
    node.transport.timeout = (2, read_timeout)
    node.batch_size = 2
    return node


def test_a_read_timeout_after_the_hub_applied_is_retried_as_a_duplicate(
        templates, backend, tmp_path):
    with north_with(templates, backend, tmp_path, 4) as p:
        proxy = FaultyProxy(p.server.url, "stall", faults=1, delay=3.0)
        try:
            node = _through(p, proxy, read_timeout=1.0)
            first = drain(node, deadline=time.monotonic() + 0.5)
            assert first.error and "timed out" in first.error
            result = drain(node, deadline=time.monotonic() + BOUND)
        finally:
            proxy.close()
        assert result.error is None and result.duplicates == 1
        assert_in_sync(p, "north", 4)


def test_connections_reset_after_the_hub_applied_lose_and_double_nothing(
        templates, backend, tmp_path):
    with north_with(templates, backend, tmp_path, 4) as p:
        proxy = FaultyProxy(p.server.url, "reset", faults=2)
        try:
            node = _through(p, proxy)
            first = drain(node, deadline=time.monotonic() + 0.1)
            # Then the re-send of the same batch is reset too, and the third one answered.
            result = drain(node, deadline=time.monotonic() + BOUND)
        finally:
            proxy.close()
        assert first.error and "reset" in first.error.lower()
        assert proxy.spoiled == 2
        assert result.error is None and result.duplicates == 1
        with p.nodes["north"].extensions["motcua.db"].session_factory() as session:
            assert session.get(SyncNodeState, "north").failures == 0
        assert_in_sync(p, "north", 4)
