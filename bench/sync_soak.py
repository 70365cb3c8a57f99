"""Sync soak: a few minutes of REST API writes at two nodes while random faults strike.

Run:  python bench/sync_soak.py --minutes 3 --seed 1 [--admin-url URL]
(admin URL default: MOTCUA_TEST_POSTGRES_URL). Real processes on loopback only: the hub
under gunicorn on PostgreSQL, node north on PostgreSQL with two ``motcua sync run``
workers, node south on SQLite with one. A client thread per node takes dossiers in through
``POST /api/v1/dossiers`` (and at north claims each one through the actions API), every
write with its own ``Idempotency-Key`` and retried with it until answered; the ledger
holds every acknowledged write. A fault thread picks, seeded, one fault every
``--period`` seconds: SIGKILL or SIGTERM a worker and start it again,
``pg_terminate_backend`` on the node's or the hub's connections, ``motcua sync reconcile``
on a node, an old signed batch replayed at the hub, a dossier transferred from north to
south, the hub killed and started again.

At the end the workers drain, each node reconciles once, and the ledger is checked:
every acknowledged intake and action at its node and at the hub exactly once, node = hub
for every dossier and event, no dead letter. Prints a summary; exits 1 on any loss,
doubling or difference. Every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from motcua.core.db import make_engine  # noqa: E402
from motcua.core.models import (  # noqa: E402
    Account,
    Dossier,
    DossierEvent,
    HubDossier,
    HubDossierEvent,
    OutboxEntry,
    Procedure,
    SyncBatch,
)
from motcua.core.sync.hub import register_node  # noqa: E402
from motcua.core.testing import MigratedTemplate  # noqa: E402
from tests.factories import intake_data  # noqa: E402
from tests.test_api import make_token  # noqa: E402
from tests.test_sync_helpers import (  # noqa: E402
    NORTH_UNITS,
    SOUTH_PROCEDURE,
    SOUTH_UNITS,
    HubProcess,
    Server,
    _world,
    make_app,
    province,
)
from tests.test_sync_processes import Printed, wait_until_delivered, worker_process  # noqa: E402
from tests.test_sync_reconcile_live import assert_node_equals_hub, reconcile_process  # noqa: E402
from tests.test_sync_refusals import post  # noqa: E402
from tests.test_sync_transfer import record  # noqa: E402
from tests.test_sync_worker_processes import ConnectionKiller  # noqa: E402
from tests.test_workflow_support import add_routing  # noqa: E402

TIMEOUT = 10  # seconds: one HTTP request
TRIES = 20  # a write is retried with its key at most this many times
CONVERGE_WITHIN = 180  # seconds: the drain at the end


class Client:
    """Writes at one node through its REST API until stopped; ``ledger``: acknowledged
    writes as ``(kind, code, key)``; ``failed``: writes never acknowledged."""

    def __init__(self, url: str, body, headers: dict, claim: dict | None) -> None:  # noqa: ANN001
        self.url, self.body, self.headers, self.claim = url, body, headers, claim
        self.ledger: list[tuple[str, str, str]] = []
        self.failed: list[str] = []
        self.retries = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _write(self, path: str, headers: dict, body: dict) -> requests.Response | None:
        """POST with a fresh key, again with the same key while unanswered or 5xx."""
        key = uuid.uuid4().hex
        for attempt in range(TRIES):
            try:
                answer = requests.post(self.url + path, json=body, timeout=TIMEOUT,
                                       headers={**headers, "Idempotency-Key": key})
            except requests.RequestException:
                answer = None
            if answer is not None and answer.status_code < 500:
                answer.key = key
                return answer
            self.retries += attempt == 0
            time.sleep(0.2)
        self.failed.append(f"{path}: no answer after {TRIES} tries")
        return None

    def _run(self) -> None:
        while not self.stopping.is_set():
            body = self.body()
            answer = self._write("/api/v1/dossiers", self.headers, body)
            if answer is None or answer.status_code != 201:
                if answer is not None:
                    self.failed.append(f"intake {answer.status_code}: {answer.text[:200]}")
                continue
            code = answer.json()["code"]
            self.ledger.append(("received", code, body["note"]))
            if self.claim is not None:
                done = self._write(f"/api/v1/dossiers/{code}/actions/claim", self.claim,
                                   {"expected_version": answer.json()["version"]})
                if done is not None and done.status_code == 200:
                    self.ledger.append(("claimed", code, done.key))
                elif done is not None:
                    self.failed.append(f"claim {done.status_code}: {done.text[:200]}")
            self.stopping.wait(0.1)


class Soak:
    def __init__(self, p, rng: random.Random) -> None:  # noqa: ANN001
        self.p, self.rng = p, rng
        self.workers = {"north-1": Printed(worker_process(p, "north")),
                        "north-2": Printed(worker_process(p, "north")),
                        "south-1": Printed(worker_process(p, "south"))}
        self.faults: Counter = Counter()
        self.surprises: list[str] = []
        self.transferred: list[str] = []
        self.outputs: list[str] = []

    def restart(self, name: str, how: str) -> None:
        worker = self.workers[name]
        if how == "kill":
            worker.worker.send_signal(signal.SIGKILL)
            worker.worker.wait(timeout=10)
            worker.reader.join(timeout=10)
            self.outputs.append("".join(worker.lines))
        else:
            # Before its handler is installed (still starting) SIGTERM ends it at once.
            started = worker.says("running")
            self.outputs.append(worker.stop())
            if started and worker.worker.returncode != 0:
                self.surprises.append(f"{name} exited {worker.worker.returncode} on SIGTERM")
        self.workers[name] = Printed(worker_process(self.p, name.split("-")[0]))

    def terminate_connections(self, app) -> None:  # noqa: ANN001
        engine = make_engine(app.config["MOTCUA"].database_url)
        try:
            with engine.connect() as connection:
                connection.execute(text(ConnectionKiller.EVERYONE)).all()
        finally:
            engine.dispose()

    def reconcile(self, name: str) -> None:
        done = reconcile_process(self.p, name)
        if done.returncode != 0:
            self.surprises.append(f"reconcile at {name} exited {done.returncode}: "
                                  f"{(done.stdout + done.stderr)[-300:]}")

    def replay(self, name: str) -> bool:
        with self.p.nodes[name].extensions["motcua.db"].session_factory() as session:
            bodies = list(session.scalars(select(SyncBatch.body).where(
                SyncBatch.acked_at.is_not(None)).order_by(SyncBatch.sequence).limit(20)))
        if not bodies:
            return False
        answer = post(self.p, self.rng.choice(bodies).encode(), name, self.p.keys[name])
        if answer.status_code != 200 or answer.json().get("status") != "duplicate":
            self.surprises.append(f"replay at the hub answered {answer.status_code} "
                                  f"{answer.text[:200]}")
        return True

    def transfer(self, ledger: list) -> bool:
        north = self.p.nodes["north"]
        taken = set(self.transferred)
        # An older dossier, one the client has finished with.
        candidates = [code for kind, code, _ in ledger[:-4]
                      if kind == "received" and code not in taken]
        if not candidates:
            return False
        code = self.rng.choice(candidates)
        record(north, code, "transferred", username="letan", to_unit="H72.02")
        self.transferred.append(code)
        return True

    def restart_hub(self) -> None:
        port = self.p.server.port
        self.p.server.kill()
        time.sleep(1.0)
        self.p.server = HubProcess(self.p.hub, port).start()

    def strike(self, north_ledger: list) -> None:
        kind = self.rng.choice(["kill_worker", "term_worker", "terminate_node_connections",
                                "terminate_hub_connections", "reconcile", "replay",
                                "transfer", "restart_hub"])
        node = self.rng.choice(["north", "south"])
        if kind in ("kill_worker", "term_worker"):
            self.restart(self.rng.choice(sorted(self.workers)), kind.split("_")[0])
        elif kind == "terminate_node_connections":
            self.terminate_connections(self.p.nodes["north"])  # the PostgreSQL node
        elif kind == "terminate_hub_connections":
            self.terminate_connections(self.p.hub)
        elif kind == "reconcile":
            self.reconcile(node)
        elif kind == "replay" and not self.replay(node):
            return
        elif kind == "transfer" and not self.transfer(north_ledger):
            return
        elif kind == "restart_hub":
            self.restart_hub()
        self.faults[kind] += 1

    def stop_workers(self) -> None:
        for name, worker in self.workers.items():
            self.outputs.append(worker.stop())
            if worker.worker.returncode != 0:
                self.surprises.append(f"{name} exited {worker.worker.returncode} at the end")


def node_count(app, model, *where) -> int:  # noqa: ANN001
    with app.extensions["motcua.db"].session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def events_of(app, code: str, kind: str, *, hub: bool) -> int:  # noqa: ANN001
    dossier, event = (HubDossier, HubDossierEvent) if hub else (Dossier, DossierEvent)
    return node_count(app, event, event.dossier_id == select(dossier.id).where(
        dossier.code == code).scalar_subquery(), event.kind == kind)


def check(p, ledgers: dict) -> tuple[int, int, list[str]]:  # noqa: ANN001
    """Lost and doubled acknowledged writes, and what else differs."""
    lost = doubled = 0
    for name, ledger in ledgers.items():
        node = p.nodes[name]
        for kind, code, key in ledger:
            at_node = (node_count(node, Dossier, Dossier.note == key) if kind == "received"
                       else events_of(node, code, kind, hub=False))
            at_hub = events_of(p.hub, code, kind, hub=True)
            lost += at_node == 0 or at_hub == 0  # a write, not a place, is counted
            doubled += at_node > 1 or at_hub > 1
    problems = []
    try:
        assert_node_equals_hub(p, [code for ledger in ledgers.values()
                                   for kind, code, _ in ledger if kind == "received"])
    except AssertionError as error:
        problems.append(f"node != hub: {error!r}"[:500])
    for name, node in p.nodes.items():
        dead = node_count(node, OutboxEntry, OutboxEntry.refused_at.is_not(None))
        if dead:
            problems.append(f"{dead} dead letters at {name}")
    return lost, doubled, problems


def south_body(app, world):  # noqa: ANN001, ANN201
    with app.extensions["motcua.db"].session_factory() as session:
        documents = [d.id for d in session.scalar(select(Procedure).where(
            Procedure.code == SOUTH_PROCEDURE)).documents]
    return lambda: intake_data(world, procedure_code=SOUTH_PROCEDURE, unit_code="H72.02",
                               submitted_documents=documents, note=uuid.uuid4().hex)


def account_id(app, username: str) -> int:  # noqa: ANN001
    with app.extensions["motcua.db"].session_factory() as session:
        return session.scalar(select(Account.id).where(Account.username == username))


def build(stack: ExitStack, folder: Path):  # noqa: ANN201
    """The hub and north on PostgreSQL, south on SQLite, each node served over HTTP."""
    made: dict = {}

    def templates(backend: str) -> MigratedTemplate:
        if backend not in made:
            (folder / f"template-{backend}").mkdir(exist_ok=True, parents=True)
            made[backend] = MigratedTemplate(backend, folder / f"template-{backend}")
        return made[backend]

    p = stack.enter_context(province(templates, "postgresql", folder,
                                     nodes={"north": NORTH_UNITS}, hub_process=True))
    stack.callback(lambda: [t.close() for t in made.values() if hasattr(t, "close")])
    with p.hub.app_context():
        session = p.hub.extensions["motcua.db"].session
        p.keys["south"] = register_node(session, "south", SOUTH_UNITS)
        session.commit()
        p.hub.extensions["motcua.db"].remove()
    (folder / "south").mkdir()
    south = make_app(templates("sqlite").fresh_url(folder / "south"), folder / "south",
                     role="node", sync_node_id="south", sync_hub_url=p.server.url,
                     sync_key=p.keys["south"], sync_batch_size=50)
    stack.callback(south.extensions["motcua.db"].dispose)
    p.nodes["south"], p.worlds["south"] = south, _world(south)
    with p.nodes["north"].app_context():
        routing = add_routing(p.nodes["north"].extensions["motcua.db"].session,
                              p.worlds["north"])
        p.nodes["north"].extensions["motcua.db"].remove()
    servers = {name: Server(app).start() for name, app in p.nodes.items()}
    for server in servers.values():
        stack.callback(server.stop)
    return p, servers, routing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--period", type=float, default=5.0, help="seconds between faults")
    parser.add_argument("--admin-url", default=os.environ.get("MOTCUA_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.admin_url:
        parser.error("--admin-url (a PostgreSQL server's admin URL) is required")
    os.environ["MOTCUA_TEST_POSTGRES_URL"] = args.admin_url
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    rng = random.Random(args.seed)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        p, servers, routing = build(stack, folder)
        north, south = p.nodes["north"], p.nodes["south"]
        bearer = {name: {"Authorization": f"Bearer {make_token(app, account)}"}
                  for name, app, account in (
                      ("north", north, p.worlds["north"].accounts["reception"].id),
                      ("south", south, account_id(south, "letan.hoathanh")),
                      ("specialist", north, routing.accounts["specialist"].id))}
        clients = {
            "north": Client(servers["north"].url,
                            lambda: intake_data(p.worlds["north"], note=uuid.uuid4().hex),
                            bearer["north"], bearer["specialist"]),
            "south": Client(servers["south"].url, south_body(south, p.worlds["south"]),
                            bearer["south"], None)}
        soak = Soak(p, rng)
        started = time.monotonic()
        for client in clients.values():
            client.thread.start()
        try:
            while time.monotonic() - started < args.minutes * 60:
                time.sleep(rng.uniform(0.5, 1.5) * args.period)
                soak.strike(clients["north"].ledger)
                print(f"{time.monotonic() - started:6.0f} s  {dict(soak.faults)}", flush=True)
        finally:
            for client in clients.values():
                client.stopping.set()
            for client in clients.values():
                client.thread.join(timeout=TIMEOUT * TRIES)
        load = time.monotonic() - started
        draining = time.monotonic()
        converged = True
        try:
            for app in p.nodes.values():
                wait_until_delivered(app, CONVERGE_WITHIN)
            for name in p.nodes:
                soak.reconcile(name)
            for app in p.nodes.values():
                wait_until_delivered(app, CONVERGE_WITHIN)
            for code in soak.transferred:  # south's worker takes each over
                deadline = time.monotonic() + CONVERGE_WITHIN
                while not node_count(south, Dossier, Dossier.code == code):
                    assert time.monotonic() < deadline, f"{code} never reached south"
                    time.sleep(0.2)
            wait_until_delivered(south, CONVERGE_WITHIN)
        except AssertionError as error:
            converged = False
            soak.surprises.append(f"did not converge: {error}")
        converge = time.monotonic() - draining
        soak.stop_workers()
        ledgers = {name: client.ledger for name, client in clients.items()}
        lost, doubled, problems = check(p, ledgers)
        problems += soak.surprises
        acknowledged = Counter(kind for ledger in ledgers.values() for kind, _, _ in ledger)
        rows = [("seed", args.seed), ("load (s)", f"{load:.0f}"),
                *((f"fault: {kind}", n) for kind, n in sorted(soak.faults.items())),
                ("faults in all", sum(soak.faults.values())),
                *((f"acknowledged: {kind}", n) for kind, n in sorted(acknowledged.items())),
                ("writes retried with their key", sum(c.retries for c in clients.values())),
                ("writes never answered", sum(len(c.failed) for c in clients.values())),
                ("lost", lost), ("doubled", doubled),
                ("converged in (s)", f"{converge:.1f}" if converged else "no"),
                ("node = hub, no dead letters", "yes" if not problems else "no")]
        print()
        for label, value in rows:
            print(f"| {label:<34} | {value!s:>8} |")
        for problem in problems:
            print("PROBLEM:", problem)
        for failure in [f for c in clients.values() for f in c.failed][:10]:
            print("not acknowledged:", failure)
        return 1 if lost or doubled or problems else 0


if __name__ == "__main__":
    sys.exit(main())
