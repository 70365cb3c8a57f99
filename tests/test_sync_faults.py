"""Faults with real servers on loopback: hub down then back, a hub failing with 5xx,
a worker killed with SIGKILL mid-batch, two workers at once. After recovery: 0 lost,
0 doubled, and the node's and hub's digests agree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from sqlalchemy import delete, func, select, update

from motcua.core.models import (
    DossierEvent,
    HubDossier,
    HubDossierEvent,
    OutboxEntry,
    SyncAppliedBatch,
    SyncBatch,
    SyncNode,
    SyncNodeState,
)
from motcua.core.sync.node import drain, run_round
from motcua.core.sync.reconcile import compare_with_hub
from tests.test_sync_helpers import Server, province, receive


def count(app, model, *where) -> int:
    with app.extensions["motcua.db"].session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def assert_in_sync(p, name: str, dossiers: int) -> None:
    """0 lost, 0 doubled: every change applied exactly once, digests equal."""
    node_app = p.nodes[name]
    assert count(p.hub, HubDossier, HubDossier.owner_node == name) == dossiers
    assert count(p.hub, HubDossierEvent) == count(node_app, DossierEvent)
    with p.hub.extensions["motcua.db"].session_factory() as session:
        hub_node = session.get(SyncNode, name)
        assert hub_node.applied_entries == count(node_app, OutboxEntry)
        sequences = list(session.scalars(select(SyncAppliedBatch.sequence).where(
            SyncAppliedBatch.node_id == name).order_by(SyncAppliedBatch.sequence)))
    assert sequences == list(range(1, len(sequences) + 1))
    assert count(node_app, SyncBatch) == len(sequences)
    assert count(node_app, OutboxEntry, OutboxEntry.sent_at.is_(None)) == 0
    assert compare_with_hub(p.node(name)).differences == []


def test_hub_down_for_a_while_then_everything_arrives_in_order(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        port = p.server.port
        p.server.stop()
        codes = [receive(p.nodes["north"], p.worlds["north"]) for _ in range(4)]
        node = p.node("north")
        node.batch_size = 1  # four batches, so the order is visible
        results = []
        worker = threading.Thread(target=lambda: results.append(
            drain(node, deadline=time.monotonic() + 60)))
        worker.start()
        time.sleep(2.0)
        assert count(p.hub, HubDossier) == 0
        with p.nodes["north"].extensions["motcua.db"].session_factory() as session:
            state = session.get(SyncNodeState, "north")
            assert state.failures >= 1 and "unreachable" in state.last_error
        p.server = Server(p.hub, port).start()
        worker.join(timeout=60)
        assert results and results[0].error is None
        assert results[0].batches == 4
        assert_in_sync(p, "north", 4)
        with p.hub.extensions["motcua.db"].session_factory() as session:
            applied = session.execute(select(SyncAppliedBatch.sequence, SyncAppliedBatch.response)
                                      .order_by(SyncAppliedBatch.applied_at)).all()
        assert [row.sequence for row in applied] == [1, 2, 3, 4]
        assert len(codes) == 4


class FailingFirst:
    """WSGI middleware: the first ``n`` batch pushes fail with 503 (a hub restarting)."""

    def __init__(self, app, n: int) -> None:  # noqa: ANN001
        self.app, self.left = app, n

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        if environ["PATH_INFO"] == "/sync/v1/batches" and self.left > 0:
            self.left -= 1
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": "restarting"}']
        return self.app(environ, start_response)


def test_server_errors_are_retried_with_backoff(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        port = p.server.port
        p.server.stop()
        p.server = Server(FailingFirst(p.hub.wsgi_app and p.hub, 3), port).start()
        for _ in range(3):
            receive(p.nodes["north"], p.worlds["north"])
        started = time.monotonic()
        result = drain(p.node("north"), deadline=time.monotonic() + 60)
        assert result.error is None
        assert time.monotonic() - started >= 0.5 + 1 + 2 - 1  # three back-offs (with jitter)
        assert_in_sync(p, "north", 3)


class SlowBatches:
    """WSGI middleware: batch pushes wait before the hub handles them (to kill mid-batch)."""

    def __init__(self, app, delay: float) -> None:  # noqa: ANN001
        self.app, self.delay, self.arrived = app, delay, threading.Event()

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        if environ["PATH_INFO"] == "/sync/v1/batches":
            self.arrived.set()
            time.sleep(self.delay)
        return self.app(environ, start_response)


def test_a_worker_killed_with_sigkill_mid_batch_loses_and_doubles_nothing(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        port = p.server.port
        p.server.stop()
        slow = SlowBatches(p.hub, 1.0)
        p.server = Server(slow, port).start()
        for _ in range(6):
            receive(p.nodes["north"], p.worlds["north"])
        settings = p.nodes["north"].config["MOTCUA"]
        env = {**os.environ, "MOTCUA_DATABASE_URL": settings.database_url,
               "MOTCUA_INSTANCE_PATH": str(settings.instance_path),
               "MOTCUA_SECRET_KEY": "test-secret", "MOTCUA_ROLE": "node",
               "MOTCUA_SYNC_NODE_ID": "north", "MOTCUA_SYNC_HUB_URL": p.server.url,
               "MOTCUA_SYNC_KEY": p.keys["north"], "MOTCUA_SYNC_BATCH_SIZE": "2"}
        worker = subprocess.Popen([sys.executable, "-c", "from motcua.core.cli import main; main()",
                                   "sync", "run"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            assert slow.arrived.wait(timeout=60), "the worker never pushed"
            time.sleep(0.2)
            worker.send_signal(signal.SIGKILL)  # the batch is in flight
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == -signal.SIGKILL
        time.sleep(1.2)  # let the hub finish the request the worker abandoned
        slow.delay = 0
        # The killed worker's sealed batch is still there, unacknowledged.
        assert count(p.nodes["north"], SyncBatch, SyncBatch.acked_at.is_(None)) >= 1
        result = drain(p.node("north"), deadline=time.monotonic() + 60)
        assert result.error is None
        # The hub had applied the abandoned batch: the re-send is answered as a duplicate.
        assert result.duplicates == 1
        assert_in_sync(p, "north", 6)


def test_two_workers_at_once_never_double_send(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        app = p.nodes["north"]
        stop = threading.Event()
        rounds = {"held": 0, "skipped": 0, "errors": []}

        def worker() -> None:
            node = p.node("north")
            node.batch_size = 3
            while not stop.is_set():
                result = run_round(node)
                rounds["held" if result.held_lock else "skipped"] += 1
                if result.error:
                    rounds["errors"].append(result.error)
                time.sleep(0.01)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(20):
                receive(app, p.worlds["north"])
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (
                    count(app, OutboxEntry, OutboxEntry.sent_at.is_(None))
                    or count(app, SyncBatch, SyncBatch.acked_at.is_(None))):
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert rounds["errors"] == []
        assert_in_sync(p, "north", 20)
        with p.hub.extensions["motcua.db"].session_factory() as session:
            assert session.get(SyncNode, "north").duplicates == 0  # nothing sent twice


def test_a_hub_restored_from_an_older_backup_gets_the_missing_batches_again(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        node = p.node("north")
        node.batch_size = 1
        codes = [receive(p.nodes["north"], p.worlds["north"]) for _ in range(2)]
        assert drain(node).batches == 2
        with p.hub.extensions["motcua.db"].write_session() as session:
            # The hub goes back to the state after batch 1.
            session.execute(delete(HubDossier).where(HubDossier.code == codes[1]))
            session.execute(delete(SyncAppliedBatch).where(SyncAppliedBatch.sequence == 2))
            session.execute(update(SyncNode).where(SyncNode.node_id == "north")
                            .values(last_sequence=1, applied_entries=1))
        receive(p.nodes["north"], p.worlds["north"])
        result = drain(node)
        assert result.error is None
        assert result.batches == 2  # batch 2 again, then the new batch 3
        assert_in_sync(p, "north", 3)


def test_a_node_restored_from_an_older_backup_numbers_its_batches_after_the_hubs(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        node = p.node("north")
        node.batch_size = 1
        codes = [receive(p.nodes["north"], p.worlds["north"]) for _ in range(2)]
        assert drain(node).batches == 2
        with p.nodes["north"].extensions["motcua.db"].write_session() as session:
            # The node's sync tables go back to the state after batch 1.
            session.execute(delete(SyncBatch).where(SyncBatch.sequence == 2))
            session.execute(update(SyncNodeState).values(last_sequence=1, acked_sequence=1))
        codes.append(receive(p.nodes["north"], p.worlds["north"]))
        result = drain(node)
        assert result.error is None and result.batches == 1
        with p.nodes["north"].extensions["motcua.db"].session_factory() as session:
            assert list(session.scalars(select(SyncBatch.sequence)
                                        .order_by(SyncBatch.sequence))) == [1, 3]
        with p.hub.extensions["motcua.db"].session_factory() as session:
            assert set(session.scalars(select(HubDossier.code))) == set(codes)
            assert session.get(SyncNode, "north").last_sequence == 3
        assert compare_with_hub(p.node("north")).differences == []
