"""Reconciliation that cannot lose data, with real processes: the hub under gunicorn,
``motcua sync run`` workers and ``motcua sync reconcile`` runs on the nodes, while a
client takes dossiers in and keeps a ledger of every code it was given. Each test ends
with node = hub for every dossier and event, 0 lost, 0 doubled. Every wait is bounded."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import defaultdict
from datetime import timedelta

import requests
from sqlalchemy import select, update

from motcua.core.cli import main
from motcua.core.models import (
    Dossier,
    DossierEvent,
    HubDossier,
    HubDossierEvent,
    OutboxEntry,
    SyncHandoff,
    SyncOwnership,
)
from motcua.core.sync.reconcile import compare_with_hub
from motcua.core.timeutil import local_date
from tests.conftest import login
from tests.test_sync_faults import count
from tests.test_sync_helpers import province, receive
from tests.test_sync_processes import (
    MOTCUA,
    Printed,
    node_env,
    wait_until_delivered,
    worker_process,
)
from tests.test_sync_transfer import record

BOUND = 45  # seconds: no wait in this module lasts longer
NORTH_SOUTH = {"north": ["H72.01.01"], "south": ["H72.02"]}


class Ledger:
    """A client taking dossiers in at a node's desk in a thread, one every ``pause``
    seconds; ``codes``: every dossier it got a receipt for (an acknowledged write)."""

    def __init__(self, p, name: str, *, at_south: bool = False, pause: float = 0.1) -> None:  # noqa: ANN001
        self.app, self.world = p.nodes[name], p.worlds[name]
        self.at_south, self.pause = at_south, pause
        self.codes: list[str] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.codes.append(receive(self.app, self.world, at_south=self.at_south))
            except BaseException as error:  # noqa: BLE001 - reported by the test
                self.errors.append(error)
                return
            self.stop.wait(self.pause)

    def wait_for(self, n: int) -> None:
        deadline = time.monotonic() + BOUND
        while len(self.codes) < n:
            assert not self.errors and time.monotonic() < deadline, self.errors
            time.sleep(0.05)

    def __enter__(self) -> Ledger:
        self.thread.start()
        return self

    def __exit__(self, *_) -> None:  # noqa: ANN002
        self.stop.set()
        self.thread.join(timeout=BOUND)
        assert not self.errors, self.errors


def reconcile_process(p, name: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    """``motcua sync reconcile`` on node ``name``, in its own process."""
    return subprocess.run([*MOTCUA, "sync", "reconcile"], env=node_env(p, name),
                          capture_output=True, text=True, timeout=BOUND)


def _events(session, model, owner_filter) -> dict[str, list]:  # noqa: ANN001
    dossier = HubDossier if model is HubDossierEvent else Dossier
    found = defaultdict(list)
    for code, sequence, kind in session.execute(
            select(dossier.code, model.sequence, model.kind)
            .join(model, model.dossier_id == dossier.id, isouter=True)
            .where(owner_filter).order_by(dossier.code, model.sequence)):
        found[code].extend([(sequence, kind)] if sequence is not None else [])
    return dict(found)


def assert_node_equals_hub(p, ledger: list[str]) -> None:  # noqa: ANN001
    """0 lost, 0 doubled: every acknowledged dossier is at the hub (and answers its
    public lookup); the hub holds for each node exactly the dossiers it holds, each with exactly its
    events, and their fingerprints agree."""
    # A few by the public lookup (it limits its rate); every one below, by the copies.
    for code in ledger[::max(1, len(ledger) // 4)][:5]:
        answer = requests.get(f"{p.server.url}/api/lookup/{code}", timeout=BOUND)
        assert answer.status_code == 200, (code, answer.status_code)
    held_total = 0
    for name, app in p.nodes.items():
        given_away = select(SyncOwnership.dossier_code).where(SyncOwnership.owned.is_(False))
        with app.extensions["motcua.db"].session_factory() as session:
            mine = _events(session, DossierEvent, Dossier.code.not_in(given_away))
        with p.hub.extensions["motcua.db"].session_factory() as session:
            theirs = _events(session, HubDossierEvent, HubDossier.owner_node == name)
        assert theirs == mine, name
        held_total += len(mine)
        report = compare_with_hub(p.node(name), wait=BOUND)
        assert report.settled and report.differences == [] and report.unsettled == []
    assert count(p.hub, HubDossier) == held_total
    assert set(ledger) <= {code for (code,) in _all_codes(p)}


def _all_codes(p) -> list:  # noqa: ANN001
    with p.hub.extensions["motcua.db"].session_factory() as session:
        return session.execute(select(HubDossier.code)).all()


def at_hub(p, codes: list[str]) -> bool:  # noqa: ANN001
    return count(p.hub, HubDossier, HubDossier.code.in_(codes)) == len(codes)


def wait_until(predicate, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + BOUND
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not within {BOUND} s"
        time.sleep(0.1)


def test_reconcile_every_few_seconds_during_traffic_retracts_nothing(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]},
                  hub_process=True) as p:
        worker = Printed(worker_process(p, "north"))
        runs = []
        try:
            with Ledger(p, "north", pause=0.2) as ledger:
                ledger.wait_for(3)
                for _ in range(3):  # one after the other, the client writing throughout
                    runs.append(reconcile_process(p, "north"))
                    time.sleep(0.5)
            wait_until_delivered(p.nodes["north"], BOUND)
        finally:
            print(worker.stop())  # shown when the test fails
        assert len(ledger.codes) >= 10
        assert all(run.returncode == 0 for run in runs), [run.stdout + run.stderr
                                                           for run in runs]
        # Nothing was ever retracted: every repair was a re-send, if any.
        assert count(p.nodes["north"], OutboxEntry,
                     OutboxEntry.topic == "dossier.retract") == 0
        assert_node_equals_hub(p, ledger.codes)


def test_one_reconcile_repairs_damaged_routing_columns_during_traffic(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes=NORTH_SOUTH, hub_process=True) as p:
        worker = Printed(worker_process(p, "north"))
        try:
            with Ledger(p, "north") as ledger:
                ledger.wait_for(6)
                damaged = ledger.codes[:4]
                wait_until(lambda: at_hub(p, damaged), "the first dossiers at the hub")
                hub_db = p.hub.extensions["motcua.db"]
                with hub_db.write_session() as session:
                    day = session.scalar(select(HubDossier.received_day)
                                         .where(HubDossier.code == damaged[0]))
                    wrong = {damaged[0]: {"received_day": day - timedelta(days=3)},
                             damaged[1]: {"unit_code": "H72.02"},
                             damaged[2]: {"owner_node": "south"},
                             damaged[3]: {"received_day": day + timedelta(days=1),
                                          "unit_code": "H72.02", "owner_node": "south"}}
                    for code, values in wrong.items():
                        session.execute(update(HubDossier).where(HubDossier.code == code)
                                        .values(**values))
                # A change to a copy the hub now thinks is south's: refused, set aside.
                record(p.nodes["north"], damaged[2], "claimed", username="letan")
                run = reconcile_process(p, "north")
                assert run.returncode == 0, run.stdout + run.stderr
                # One run repaired every copy in place: none deleted, columns right.
                with hub_db.session_factory() as session:
                    rows = session.execute(select(
                        HubDossier.code, HubDossier.unit_code, HubDossier.owner_node,
                        HubDossier.received_day, HubDossier.received_at)
                        .where(HubDossier.code.in_(damaged))).all()
                assert sorted(row.code for row in rows) == sorted(damaged)
                for row in rows:
                    assert (row.unit_code, row.owner_node) == ("H72.01.01", "north")
                    assert row.received_day == local_date(row.received_at)
            wait_until_delivered(p.nodes["north"], BOUND)
        finally:
            print(worker.stop())
        assert count(p.nodes["north"], OutboxEntry, OutboxEntry.refused_at.is_not(None)) == 0
        assert_node_equals_hub(p, ledger.codes)


def test_a_handover_then_reconcile_on_the_receiver_keeps_its_sync_going(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes=NORTH_SOUTH, hub_process=True) as p:
        north_app = p.nodes["north"]
        handed = [receive(north_app, p.worlds["north"]) for _ in range(4)]
        for code in handed:
            record(north_app, code, "transferred", username="letan", to_unit="H72.02")
        north = Printed(worker_process(p, "north"))
        try:
            wait_until_delivered(north_app, BOUND)
            assert count(p.hub, SyncHandoff) == len(handed)
            # The receiver reconciles before its worker has taken the dossiers over.
            first = reconcile_process(p, "south")
            assert first.returncode == 0, first.stdout + first.stderr
            assert at_hub(p, handed)
            south = Printed(worker_process(p, "south"))
            try:
                with Ledger(p, "south", at_south=True, pause=0.2) as ledger:
                    ledger.wait_for(3)
                    wait_until(lambda: count(p.nodes["south"], Dossier,
                                             Dossier.code.in_(handed)) == len(handed),
                               "the take-over")
                    for code in handed[:2]:  # the receiver works on them
                        record(p.nodes["south"], code, "claimed", username="letan.hoathanh")
                    for _ in range(3):
                        run = reconcile_process(p, "south")
                        assert run.returncode == 0, run.stdout + run.stderr
                wait_until_delivered(p.nodes["south"], BOUND)
            finally:
                print(south.stop())
        finally:
            print(north.stop())
        with p.hub.extensions["motcua.db"].session_factory() as session:
            owners = dict(session.execute(select(HubDossier.code, HubDossier.owner_node)
                                          .where(HubDossier.code.in_(handed))).all())
        assert owners == dict.fromkeys(handed, "south")
        assert count(p.nodes["south"], OutboxEntry, OutboxEntry.refused_at.is_not(None)) == 0
        assert_node_equals_hub(p, handed + ledger.codes)


def test_a_refused_entry_becomes_a_dead_letter_and_later_changes_go_on(
        templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes=NORTH_SOUTH, hub_process=True) as p:
        north_app = p.nodes["north"]
        worker = Printed(worker_process(p, "north"))
        try:
            with Ledger(p, "north", pause=0.2) as ledger:
                ledger.wait_for(2)
                stuck = ledger.codes[0]
                wait_until(lambda: at_hub(p, [stuck]), "the first dossier at the hub")
                with p.hub.extensions["motcua.db"].write_session() as session:
                    session.execute(update(HubDossier).where(HubDossier.code == stuck)
                                    .values(owner_node="south"))
                record(north_app, stuck, "claimed", username="letan")
                wait_until(lambda: count(north_app, OutboxEntry,
                                         OutboxEntry.refused_at.is_not(None)) == 1,
                           "the dead letter")
                after = len(ledger.codes)
                ledger.wait_for(after + 5)
            # Later changes were not held back by the refused one.
            wait_until_delivered(north_app, BOUND)
            assert at_hub(p, ledger.codes)
            listed = north_app.test_cli_runner().invoke(main, ["sync", "dead-letters"])
            assert listed.exit_code == 0, listed.output
            assert "1 dead letters." in listed.output and stuck in listed.output
            assert "held by node south" in listed.output
            client = login(north_app.test_client(), "cntt")
            page = client.get("/ict/sync/").get_data(as_text=True)
            assert "data-dead-letters" in page and stuck in page
            # The cause fixed at the hub's side is not needed here: the records give the
            # dossier to north, so its whole copy is accepted and repairs the owner.
            bad = client.post("/ict/sync/dead-letters/resend", data={"id": "x"})
            assert bad.status_code == 400
            assert "Choose dead letters by their number." in bad.get_data(as_text=True)
            assert count(north_app, OutboxEntry, OutboxEntry.refused_at.is_not(None)) == 1
            answer = client.post("/ict/sync/dead-letters/resend", data={})
            assert answer.status_code == 302
            assert "data-dead-letters" not in client.get("/ict/sync/").get_data(as_text=True)
            wait_until_delivered(north_app, BOUND)
        finally:
            print(worker.stop())
        assert count(north_app, OutboxEntry, OutboxEntry.refused_at.is_not(None)) == 0
        assert_node_equals_hub(p, ledger.codes)
