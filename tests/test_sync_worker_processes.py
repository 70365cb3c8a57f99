"""The long-lived worker under steady load, with real processes on loopback: the hub
(gunicorn), ``motcua sync run`` workers, and a client writing dossiers the whole time
(its ledger: every code it got back). A round is bounded, so SIGTERM is honoured and the
inbox is read while the outbox never empties. Each ends with node = hub for every dossier
and event: 0 lost, 0 doubled. Every wait is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text

from motcua.core.db import make_engine
from motcua.core.models import Dossier, OutboxEntry, SyncAppliedBatch, SyncBatch, SyncNode
from motcua.core.sync.node import drain
from motcua.core.sync.reconcile import compare_with_hub
from tests.test_sync_faults import count
from tests.test_sync_helpers import province, receive
from tests.test_sync_processes import (
    BOUND,
    FaultyProxy,
    Printed,
    north_with,
    postgresql_only,  # noqa: F401 - a fixture
    wait_until_delivered,
    worker_process,
)
from tests.test_sync_transfer import record

# Seconds from SIGTERM to the worker's exit: the batch on the wire (0.5 s here) and the
# process's own end, with room for a busy test machine; unbounded rounds never stop
# while the client writes.
STOP_WITHIN = 8.0


class Background:
    """Something a test runs in a thread of its own during a ``with ....running():``."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def _stopped(self) -> None:
        """Clean up once the thread has ended."""

    @contextmanager
    def running(self) -> Iterator[Background]:
        self.thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            self.thread.join(timeout=BOUND)
            self._stopped()


class Ledger(Background):
    """A client taking in dossiers at node ``name`` one after another until stopped;
    ``codes``: every dossier whose intake was acknowledged."""

    def __init__(self, p, name: str, *, at_south: bool = False) -> None:  # noqa: ANN001
        super().__init__()
        self.p, self.name, self.at_south = p, name, at_south
        self.codes: list[str] = []
        self.failures: list[str] = []

    def _run(self) -> None:
        app, world = self.p.nodes[self.name], self.p.worlds[self.name]
        while not self.stopping.is_set():
            try:
                self.codes.append(receive(app, world, at_south=self.at_south))
            except Exception as error:  # noqa: BLE001 - not acknowledged: not in the ledger
                self.failures.append(repr(error))
                app.extensions["motcua.db"].remove()  # a session whose connection died
                time.sleep(0.05)


def wait_for(condition, what: str, seconds: float = BOUND) -> float:  # noqa: ANN001
    """Wait until ``condition()``; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - started


def has_dossier(app, code: str) -> bool:  # noqa: ANN001
    return count(app, Dossier, Dossier.code == code) == 1


def assert_node_equals_hub(p, name: str, ledger: list[str]) -> None:  # noqa: ANN001
    """Every acknowledged dossier is at the node and, with all its events, at the hub;
    each outbox row was applied exactly once, in gapless batches."""
    node_app = p.nodes[name]
    assert all(has_dossier(node_app, code) for code in ledger)
    with p.hub.extensions["motcua.db"].session_factory() as session:
        hub_node = session.get(SyncNode, name)
        assert hub_node.applied_entries == count(node_app, OutboxEntry)  # 0 doubled
        sequences = list(session.scalars(select(SyncAppliedBatch.sequence).where(
            SyncAppliedBatch.node_id == name).order_by(SyncAppliedBatch.sequence)))
    assert sequences == list(range(1, len(sequences) + 1))
    assert count(node_app, SyncBatch) == len(sequences)
    assert count(node_app, OutboxEntry, OutboxEntry.sent_at.is_(None)) == 0
    assert compare_with_hub(p.node(name)).differences == []  # 0 lost, every event


def test_under_steady_load_the_inbox_is_read_and_sigterm_is_honoured(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, hub_process=True) as p:
        north_app, south_app = p.nodes["north"], p.nodes["south"]
        code = receive(north_app, p.worlds["north"])
        assert drain(p.node("north")).error is None
        # A slow link to the hub (each push answered after 0.5 s) and one change per
        # batch: the client writes faster than south's worker sends, the outbox never
        # empties while it writes.
        proxy = FaultyProxy(p.server.url, "stall", faults=10**6, delay=0.5)
        try:
            with Ledger(p, "south", at_south=True).running() as ledger:
                worker = Printed(worker_process(p, "south", hub_url=proxy.url,
                                                batch_size=1))
                stopping = time.monotonic()
                try:
                    # The worker's process starts in seconds or, on a busy machine, more.
                    wait_for(lambda: len(ledger.codes) >= 5 and proxy.spoiled >= 2,
                             "south writing and sending", 30)
                    record(north_app, code, "transferred", username="letan",
                           to_unit="H72.02")
                    assert drain(p.node("north")).handoffs  # at the hub for south now
                    # Unbounded rounds read the inbox only once the outbox is empty,
                    # which it never is while the client writes.
                    wait_for(lambda: has_dossier(south_app, code),
                             "the hand-over reaching south")
                    assert count(south_app, OutboxEntry, OutboxEntry.sent_at.is_(None)) > 0
                    stopping = time.monotonic()
                finally:
                    output = worker.stop()  # SIGTERM with the outbox still not empty
                    stopped = time.monotonic() - stopping
                    print(output)  # shown when the test fails
        finally:
            proxy.close()
        assert stopped < STOP_WITHIN, f"the worker took {stopped:.1f} s to stop"
        assert "Took over dossier " + code in output
        assert not ledger.failures
        assert drain(p.node("south"), deadline=time.monotonic() + BOUND).error is None
        assert_node_equals_hub(p, "south", ledger.codes)
        assert_node_equals_hub(p, "north", [])
        with p.hub.extensions["motcua.db"].session_factory() as session:
            assert session.get(SyncNode, "south").duplicates == 0


class ConnectionKiller(Background):
    """Terminates connections to ``app``'s PostgreSQL database every ``period`` seconds
    (``pg_terminate_backend``): the one holding the sender lock (an idle connection
    dropped, its worker unaware), and every fourth time all the others too."""

    HOLDERS = ("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
               "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    EVERYONE = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def __init__(self, app, period: float) -> None:  # noqa: ANN001
        super().__init__()
        self.engine = make_engine(app.config["MOTCUA"].database_url)
        self.period, self.killed, self.rounds = period, 0, 0

    def _run(self) -> None:
        while not self.stopping.wait(self.period):
            with self.engine.connect() as connection:
                query = self.EVERYONE if self.rounds % 4 == 3 else self.HOLDERS
                self.killed += len(connection.execute(text(query)).all())
                self.rounds += 1

    def _stopped(self) -> None:
        self.engine.dispose()


def test_dropped_connections_never_let_two_workers_send_the_same_changes(
        templates, backend, tmp_path, postgresql_only):  # noqa: F811
    with north_with(templates, backend, tmp_path, 3) as p:
        node = p.nodes["north"]
        workers = [Printed(worker_process(p, "north")) for _ in range(2)]
        try:
            wait_for(lambda: all(w.says("running") for w in workers), "workers starting", 30)
            with Ledger(p, "north").running() as ledger:
                with ConnectionKiller(node, 0.5).running() as killer:
                    wait_for(lambda: killer.rounds >= 24, "connections dropped", 30)
            assert killer.killed >= 15 and len(ledger.codes) >= 10
            wait_until_delivered(node, 40)
        finally:
            outputs = [worker.stop() for worker in workers]
            print(*outputs, sep="\n")  # shown when the test fails
        assert all(w.worker.returncode == 0 for w in workers)
        assert_node_equals_hub(p, "north", ledger.codes)
