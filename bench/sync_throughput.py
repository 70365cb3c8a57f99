"""Sync throughput on PostgreSQL: hub ingest rate, backlog catch-up, steady-state lag.

Run:  python bench/sync_throughput.py [--events 100000] [--admin-url URL]
(admin URL default: MOTCUA_BENCH_POSTGRES_URL or MOTCUA_TEST_POSTGRES_URL). It creates
throw-away databases (a node and a hub), and measures:

1. Hub ingest: events per second through ``hub.ingest`` (signature check, JSON parsing,
   validation, ownership check, apply, the report figures a hub keeps, commit; one
   transaction per 1,000-event batch),
   against a baseline measured in the same run: a raw batched INSERT (executemany, one
   transaction per batch) of exactly the rows the hub writes, into the same tables.
   Both run on the first ``--ingest-events`` events, alternating, best of ``--rounds``.
2. Catch-up: time for a node to push a backlog of ``--events`` events to a hub served by
   gunicorn (2 workers) over HTTP on loopback, sealing and signing included.
3. Steady-state lag: a producer records 100 new dossiers per second for 20 s while the
   sync worker runs (idle wait 0.5 s); lag = hub apply time minus the change's time.

Targets (issue 5): ingest >= 5,000 events/s and >= 0.5x the baseline; catch-up of 100,000
events < 60 s; lag p99 < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select, text, update

from motcua.core import migrate
from motcua.core.db import Database, make_engine
from motcua.core.models import (
    Dossier,
    DossierEvent,
    HubDossier,
    HubDossierEvent,
    OutboxEntry,
    Procedure,
    ReportFigures,
    SyncNode,
    Unit,
)
from motcua.core.sync import hub
from motcua.core.sync.apply import dossier_columns, event_row
from motcua.core.sync.demo import _seed
from motcua.core.sync.node import Node, drain, run_forever, seal
from motcua.core.sync.signing import load_private_key
from motcua.core.sync.transport import HttpHub
from motcua.core.testing import postgres_database

NODE = "bac"
UNIT = "H72.01.01"
BATCH = 1000


def _migrated(stack: ExitStack, admin_url: str, name: str) -> Database:
    os.environ["MOTCUA_TEST_POSTGRES_URL"] = admin_url
    url = stack.enter_context(postgres_database(f"motcua_bench_{name}"))
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    database = Database(url)
    stack.callback(database.dispose)
    return database


def _snapshot(code: str, at: datetime, version: int, status: str) -> dict:
    return {"code": code, "procedure_code": "1.001612", "unit_code": UNIT,
            "channel": "in_person", "status": status, "applicant_name": "Nguyễn Văn An",
            "received_at": at.isoformat(), "due_at": (at + timedelta(days=3)).isoformat(),
            "finished_at": None, "returned_at": None, "holder_unit_code": UNIT,
            "holder_account": "Lễ Tân", "back_entered": False, "version": version}


def make_changes(database: Database, first_id: int, dossiers: int, events_each: int,
                 at: datetime | None = None) -> list[str]:
    """Insert ``dossiers`` dossiers with ``events_each`` events and outbox rows each, as
    record_event would have written them (bulk, to build a large backlog quickly)."""
    with database.write_session() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == UNIT))
        procedure_id = session.scalar(select(Procedure.id).where(Procedure.code == "1.001612"))
        moment = at or datetime.now(UTC)
        rows, events, outbox, codes = [], [], [], []
        for offset in range(dossiers):
            dossier_id = first_id + offset
            code = f"{UNIT}-261123-{dossier_id:06d}"
            codes.append(code)
            rows.append({"id": dossier_id, "code": code, "procedure_id": procedure_id,
                         "unit_id": unit_id, "channel": "in_person", "status": "in_processing",
                         "applicant_name": "Nguyễn Văn An", "applicant_phone": "0912345678",
                         "received_at": moment, "due_at": moment + timedelta(days=3),
                         "entered_at": moment, "back_entered": False,
                         "holder_unit_id": unit_id, "sms_consent": False,
                         "specialist_data": {}, "fee": 0, "version": events_each})
            for sequence in range(1, events_each + 1):
                event_id = dossier_id * 10 + sequence
                status = "received" if sequence == 1 else "in_processing"
                events.append({"id": event_id, "dossier_id": dossier_id, "sequence": sequence,
                               "kind": "received" if sequence == 1 else "claimed",
                               "at": moment, "recorded_at": moment, "to_status": status,
                               "to_unit_id": unit_id, "data": {}})
                outbox.append({"id": event_id, "created_at": moment, "topic": "dossier.event",
                               "unit_id": unit_id, "dossier_id": dossier_id,
                               "event_id": event_id, "attempts": 0, "payload": {
                                   "event": {"sequence": sequence, "kind": events[-1]["kind"],
                                             "at": moment.isoformat(), "actor": "Lễ Tân",
                                             "from_status": None, "to_status": status,
                                             "note": None},
                                   "dossier": _snapshot(code, moment, sequence, status)}})
        for model, chunk in ((Dossier, rows), (DossierEvent, events), (OutboxEntry, outbox)):
            for start in range(0, len(chunk), 5000):
                session.execute(insert(model), chunk[start:start + 5000])
    return codes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _baseline_rows(body: dict) -> tuple[list[dict], list[tuple[str, dict]]]:
    dossiers, events = {}, []
    for entry in body["entries"]:
        snapshot = entry["dossier"]
        dossiers[snapshot["code"]] = {"code": snapshot["code"], "owner_node": NODE,
                                      "details": entry.get("details") or {},
                                      "plugin_data": entry.get("plugins") or {},
                                      "updated_at": datetime.now(UTC),
                                      **dossier_columns(snapshot)}
        events.append((snapshot["code"], event_row(entry["event"],
                                                   snapshot.get("holder_unit_code"))))
    return list(dossiers.values()), events


def measure_ingest(hub_db: Database, bodies: list[tuple[bytes, str]], rounds: int = 3
                   ) -> dict:
    """Events/s through hub.ingest, and the raw batched INSERT baseline of the same rows.

    The two alternate ``rounds`` times on emptied tables and the best of each counts, so
    a burst of load from other processes on the machine does not decide the ratio.
    """
    events = sum(len(json.loads(raw)["entries"]) for raw, _sig in bodies)
    dossiers = len({entry["dossier"]["code"] for raw, _sig in bodies
                    for entry in json.loads(raw)["entries"]})

    def reset() -> None:
        with hub_db.write_session() as session:
            session.execute(delete(HubDossierEvent))
            session.execute(delete(HubDossier))
            session.execute(text("DELETE FROM report_figures"))
            session.execute(text("DELETE FROM report_supplements"))
            session.execute(text("DELETE FROM sync_applied_batches"))
            session.execute(update(SyncNode).values(last_sequence=0))
        with hub_db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE hub_dossiers, hub_dossier_events"))

    def baseline() -> float:
        started = time.perf_counter()
        for raw, _signature in bodies:
            dossiers, rows = _baseline_rows(json.loads(raw))
            with hub_db.write_session() as session:
                codes = [d["code"] for d in dossiers]
                existing = dict(session.execute(select(HubDossier.code, HubDossier.id)
                                                .where(HubDossier.code.in_(codes))).all())
                new = [d for d in dossiers if d["code"] not in existing]
                if new:
                    session.execute(insert(HubDossier.__table__), new)
                    existing.update(session.execute(
                        select(HubDossier.code, HubDossier.id)
                        .where(HubDossier.code.in_([d["code"] for d in new]))).all())
                session.execute(insert(HubDossierEvent.__table__),
                                [{"dossier_id": existing[code], **row} for code, row in rows])
        return time.perf_counter() - started

    def ingest(keep_figures: bool = True) -> float:
        started = time.perf_counter()
        for raw, signature in bodies:
            session = hub_db.session_factory()
            try:
                hub.ingest(session, NODE, signature, raw, keep_figures=keep_figures)
                session.commit()
            finally:
                session.close()
        elapsed = time.perf_counter() - started
        with hub_db.session_factory() as session:
            applied = session.scalar(select(func.count()).select_from(HubDossierEvent))
        assert applied == events, (applied, events)
        if keep_figures:  # the figures were kept: a hub's reports count these dossiers
            with hub_db.session_factory() as session:
                received = session.scalar(select(func.sum(
                    ReportFigures.received_in_person + ReportFigures.received_online))
                    .where(ReportFigures.grain == "m"))
            assert received == dossiers, (received, dossiers)
        return elapsed

    baselines, ingests, bare = [], [], []
    for _round in range(rounds):
        reset()
        baselines.append(baseline())
        reset()
        ingests.append(ingest())
        reset()
        bare.append(ingest(keep_figures=False))
    best_baseline, best_ingest = min(baselines), min(ingests)
    return {"events": events, "baseline_s": best_baseline, "ingest_s": best_ingest,
            "without_figures_eps": events / min(bare),
            "baseline_eps": events / best_baseline, "ingest_eps": events / best_ingest}


def start_gunicorn(hub_db: Database, port: int) -> subprocess.Popen:
    env = {**os.environ, "MOTCUA_DATABASE_URL": hub_db.url, "MOTCUA_ROLE": "hub",
           "MOTCUA_SECRET_KEY": "bench", "MOTCUA_INSTANCE_PATH": "/tmp/motcua-bench-hub"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "motcua.core.app:create_app()"], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def measure_lag(node: Node, hub_db: Database, first_id: int, seconds: float, rate: int
                ) -> dict:
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(node, stop), kwargs={"idle": 0.5})
    worker.start()
    produced: dict[str, datetime] = {}
    next_id, tick = first_id, 0.1
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            at = datetime.now(UTC)
            for code in make_changes(node.database, next_id, int(rate * tick), 1, at=at):
                produced[code] = at
            next_id += int(rate * tick)
            time.sleep(max(0.0, tick - (time.monotonic() - started) % tick))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with hub_db.session_factory() as session:
                arrived = dict(session.execute(select(HubDossier.code, HubDossier.updated_at)
                                               .where(HubDossier.code.in_(list(produced)))).all())
            if len(arrived) == len(produced):
                break
            time.sleep(0.2)
    finally:
        stop.set()
        worker.join(timeout=30)
    lags = sorted((arrived[c] - produced[c]).total_seconds() for c in produced if c in arrived)
    return {"changes": len(produced), "arrived": len(lags),
            "p50": statistics.median(lags), "p99": lags[int(len(lags) * 0.99) - 1],
            "max": lags[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--ingest-events", type=int, default=20_000,
                        help="events (from the backlog) in each ingest/baseline round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=BATCH, help="events per batch")
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=100, help="changes/s for the lag test")
    parser.add_argument("--admin-url", default=os.environ.get("MOTCUA_BENCH_POSTGRES_URL")
                        or os.environ.get("MOTCUA_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.admin_url:
        sys.exit("Give --admin-url or MOTCUA_BENCH_POSTGRES_URL (a PostgreSQL server URL).")
    with ExitStack() as stack:
        node_db = _migrated(stack, args.admin_url, "node")
        hub_db = _migrated(stack, args.admin_url, "hub")
        for database in (node_db, hub_db):
            with database.write_session() as session:
                _seed(session, "bench-password")
        with hub_db.write_session() as session:
            private = hub.register_node(session, NODE, [UNIT])
        make_changes(node_db, 1, args.events // 2, 2)
        print(f"node backlog: {args.events} events on {args.events // 2} dossiers")

        # 1. Sealing (node side) and ingest (hub side), in process.
        node = Node(node_db, NODE, None, load_private_key(private), args.batch)
        started = time.perf_counter()
        bodies = []
        while (batch := seal(node)) is not None:
            bodies.append((batch.body.encode("utf-8"), batch.signature))
        seal_s = time.perf_counter() - started
        print(f"sealing: {args.events / seal_s:,.0f} events/s ({len(bodies)} batches)")
        ingest = measure_ingest(hub_db, bodies[:max(1, args.ingest_events // args.batch)],
                                args.rounds)
        ratio = ingest["ingest_eps"] / ingest["baseline_eps"]
        print(f"hub ingest ({ingest['events']} events, best of {args.rounds}): "
              f"{ingest['ingest_eps']:,.0f} events/s; raw batched INSERT baseline "
              f"{ingest['baseline_eps']:,.0f} events/s; ratio {ratio:.2f}x; without "
              f"keeping the report figures {ingest['without_figures_eps']:,.0f} events/s "
              f"(figures cost {ingest['without_figures_eps'] / ingest['ingest_eps']:.2f}x)")

        # 2. Catch-up over HTTP: reset both sides, the same backlog again.
        with node_db.write_session() as session:
            session.execute(update(OutboxEntry).values(sent_at=None))
            session.execute(text("DELETE FROM sync_batches"))
            session.execute(text("DELETE FROM sync_node_state"))
        with hub_db.write_session() as session:
            session.execute(delete(HubDossierEvent))
            session.execute(delete(HubDossier))
            session.execute(text("DELETE FROM report_figures"))
            session.execute(text("DELETE FROM report_supplements"))
            session.execute(text("DELETE FROM sync_applied_batches"))
            session.execute(update(SyncNode).values(last_sequence=0))
        port = _free_port()
        gunicorn = start_gunicorn(hub_db, port)
        stack.callback(lambda: (gunicorn.send_signal(signal.SIGTERM), gunicorn.wait(10)))
        node.transport = HttpHub(f"http://127.0.0.1:{port}", NODE, private)
        started = time.perf_counter()
        result = drain(node)
        catch_up = time.perf_counter() - started
        assert result.error is None and result.entries == args.events, result
        print(f"catch-up of {args.events} events over HTTP: {catch_up:.1f} s "
              f"({args.events / catch_up:,.0f} events/s)")

        # 3. Steady-state lag.
        lag = measure_lag(node, hub_db, 10 * args.events, args.lag_seconds, args.rate)
        print(f"steady state, {args.rate} changes/s for {args.lag_seconds:.0f} s: "
              f"lag p50 {lag['p50']:.2f} s, p99 {lag['p99']:.2f} s, max {lag['max']:.2f} s "
              f"({lag['arrived']}/{lag['changes']} arrived)")
        print(json.dumps({"sealing_eps": args.events / seal_s, **ingest, "ratio": ratio,
                          "catch_up_s": catch_up, "lag": lag}, default=str))


if __name__ == "__main__":
    main()
