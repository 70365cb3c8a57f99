"""Citizen lookups over HTTP with a million dossiers, against a bare application's SELECT.

    python bench/lookup_http.py [--dossiers 1000000] [--seconds 10] [--connections 4]
                                [--workers 2] [--rounds 5]

On a throw-away PostgreSQL database (``MOTCUA_TEST_POSTGRES_URL`` or a local server):

1. migrates it, takes in one real dossier through the desk, then copies it in SQL to
   ``--dossiers`` dossiers (each with its ``received`` event; codes vary by day and number),
   and spreads them over the nine statuses as the workflow leaves them (:data:`STAGES`):
   holder unit and officer, finished and returned dates, and one to four events each;
2. serves, each with gunicorn (``--workers`` sync workers, the production way, see
   README): the baseline, ``bench/bare_wsgi.py``, a minimal Flask application outside
   motcua (one indexed SELECT by code over its own psycopg connection, as JSON); and the
   application from ``bench/lookup_wsgi.py``, which adds the same SELECT as a route
   inside it, ``/bench/bare/<code>``;
3. drives each endpoint in turn with ``wrk`` (``--connections`` keep-alive connections,
   existing codes), ``--rounds`` rounds, the endpoints alternating within each round: the
   bare application, the in-application SELECT, the JSON API ``/api/lookup/<code>``, the
   public page ``/tra-cuu/<code>``, and the SMS handler ``/sms/inbound?text=TRACUU <code>``.

Prints a Markdown table: median requests/s and p50, worst p99, and each endpoint's ratio
to the bare application in the same round (the machine's load drifts between rounds;
within a round the endpoints see the same conditions), with the median ratio. The
in-application SELECT's ratio is what the application's per-request machinery costs
before any lookup work. Needs ``wrk`` (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from motcua.core import create_app, migrate  # noqa: E402
from motcua.core.db import make_engine  # noqa: E402
from motcua.core.intake import DeskContext, take_in  # noqa: E402
from motcua.core.models import Dossier, DossierEvent  # noqa: E402
from motcua.core.testing import postgres_database, use_fast_password_hashing  # noqa: E402
from tests.factories import build_world, intake_data  # noqa: E402

# The docstring's "or a local server": a PostgreSQL on the local port when no URL is set.
os.environ.setdefault("MOTCUA_TEST_POSTGRES_URL",
                      "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# (name, server, path prefix): "bare" is bench/bare_wsgi.py, "app" the application.
ENDPOINTS = [
    ("baseline: bare Flask application, one indexed SELECT", "bare", "/bench/bare/"),
    ("the same SELECT as a route inside the application", "app", "/bench/bare/"),
    ("JSON API GET /api/lookup/<code>", "app", "/api/lookup/"),
    ("public page GET /tra-cuu/<code>", "app", "/tra-cuu/"),
    ("SMS handler GET /sms/inbound?text=TRACUU <code>", "app",
     "/sms/inbound?from=0912345678&text=TRACUU+"),
]
WRK_SCRIPT = """
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local prefix = os.getenv("BENCH_PREFIX")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", prefix .. codes[(counter * 7919) % #codes + 1])
end
"""
# Columns that the copy computes rather than repeats.
COMPUTED = {"id", "code", "received_at", "due_at", "entered_at"}
# Dossier ``id % 9`` picks its stage: (status, holder unit, officer, events after "received"
# as (kind, to_status, to_unit)). Units and officers are the test province's (factories).
STAGES = [
    ("received", "desk", None, []),
    ("in_processing", "finance", "specialist", [("transferred", "in_processing", "finance")]),
    ("waiting_supplement", "desk", "reception",
     [("transferred", "in_processing", "finance"),
      ("supplement_requested", "waiting_supplement", "desk")]),
    ("waiting_other_agency", "finance", "specialist",
     [("transferred", "in_processing", "finance"),
      ("sent_to_other_agency", "waiting_other_agency", "finance")]),
    ("waiting_approval", "district", "leader",
     [("transferred", "in_processing", "finance"),
      ("submitted_for_approval", "waiting_approval", "district")]),
    ("result_ready", "desk", "reception",
     [("transferred", "in_processing", "finance"),
      ("submitted_for_approval", "waiting_approval", "district"),
      ("result_issued", "result_ready", "desk")]),
    ("returned", "desk", "reception",
     [("transferred", "in_processing", "finance"),
      ("submitted_for_approval", "waiting_approval", "district"),
      ("result_issued", "result_ready", "desk"), ("returned", "returned", "desk")]),
    ("refused", "finance", "specialist",
     [("transferred", "in_processing", "finance"), ("refused", "refused", "finance")]),
    ("withdrawn", "desk", None, [("withdrawn", "withdrawn", "desk")]),
]


def populate(url: str, instance: Path, count: int) -> None:
    """One real intake, then ``count - 1`` copies of it made by PostgreSQL itself."""
    app = create_app(instance_path=instance, database_url=url, secret_key="bench")
    database = app.extensions["motcua.db"]
    with app.test_request_context("/"):
        session = database.session
        world = build_world(session)
        actor = session.merge(world.accounts["reception"])
        dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]), intake_data(world))
        session.commit()
        first_id, agency = dossier.id, dossier.code.rsplit("-", 2)[0]
        places = {"desk": world.district_desk.id, "finance": world.finance_office.id,
                  "district": world.district.id}
        people = {name: world.accounts[name].id
                  for name in ("reception", "specialist", "leader")}
        event_id = session.scalar(select(DossierEvent.id).where(
            DossierEvent.dossier_id == first_id))
        database.remove()
    database.dispose()
    kept = [c.name for c in Dossier.__table__.columns if c.name not in COMPUTED]
    event_kept = [c.name for c in DossierEvent.__table__.columns
                  if c.name not in ("id", "dossier_id", "at", "recorded_at")]
    engine = make_engine(url)
    with engine.begin() as connection:
        # 9,000 numbers a day, counting back from the day before the real intake.
        connection.execute(text(f"""
            INSERT INTO dossiers (code, received_at, due_at, entered_at, {", ".join(kept)})
            SELECT :agency || '-' || to_char(d.received_at - make_interval(days => day), 'YYMMDD')
                   || '-' || lpad(number::text, 4, '0'),
                   d.received_at - make_interval(days => day),
                   d.due_at - make_interval(days => day),
                   d.entered_at - make_interval(days => day),
                   {", ".join("d." + name for name in kept)}
            FROM dossiers d,
                 LATERAL (SELECT 1 + (g - 1) / 9000 AS day, (g - 1) % 9000 + 1 AS number
                          FROM generate_series(1, :copies) g) s
            WHERE d.id = :first_id
        """), {"agency": agency, "copies": count - 1, "first_id": first_id})
        event_columns = [c for c in event_kept if c != "sequence"] + ["sequence"]
        connection.execute(text(f"""
            INSERT INTO dossier_events (dossier_id, at, recorded_at, {", ".join(event_columns)})
            SELECT n.id, n.received_at, n.received_at, {", ".join("e." + c for c in event_columns)}
            FROM dossiers n, dossier_events e
            WHERE n.id <> :first_id AND e.id = :event_id
        """), {"first_id": first_id, "event_id": event_id})
    with engine.begin() as connection:
        vary(connection, first_id, places, people)
        spread = connection.execute(text(
            "SELECT status, count(*) FROM dossiers GROUP BY status ORDER BY status")).all()
        events = connection.scalar(text("SELECT count(*) FROM dossier_events"))
    print("statuses: " + ", ".join(f"{status} {n:,}" for status, n in spread)
          + f"; {events / count:.2f} events a dossier", file=sys.stderr)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE dossiers"))
        connection.execute(text("VACUUM ANALYZE dossier_events"))
    engine.dispose()


def vary(connection, first_id: int, places: dict, people: dict) -> None:  # noqa: ANN001
    """Spread the copies over :data:`STAGES`: status, holder, officer, dates, events."""
    for stage, (status, unit, officer, events) in enumerate(STAGES):
        finished = status in ("result_ready", "returned", "refused", "withdrawn")
        connection.execute(text("""
            UPDATE dossiers SET status = :status, holder_unit_id = :unit,
                   holder_account_id = :officer,
                   finished_at = CASE WHEN :finished THEN received_at + interval '3 days' END,
                   returned_at = CASE WHEN :returned THEN received_at + interval '4 days' END
            WHERE id % 9 = :stage AND id <> :first_id
        """), {"status": status, "unit": places[unit],
               "officer": people[officer] if officer else None, "finished": finished,
               "returned": status == "returned", "stage": stage, "first_id": first_id})
        before_status, before_unit = "received", places["desk"]
        for offset, (kind, to_status, to_unit) in enumerate(events, start=1):
            connection.execute(text("""
                INSERT INTO dossier_events (dossier_id, sequence, kind, at, recorded_at,
                    actor_id, from_status, to_status, from_unit_id, to_unit_id, data)
                SELECT id, :sequence, :kind, received_at + make_interval(hours => :sequence),
                       received_at + make_interval(hours => :sequence), :actor, :from_status,
                       :to_status, :from_unit, :to_unit, '{}'
                FROM dossiers WHERE id % 9 = :stage AND id <> :first_id
            """), {"sequence": offset + 1, "kind": kind, "actor": people["reception"],
                   "from_status": before_status, "to_status": to_status,
                   "from_unit": before_unit, "to_unit": places[to_unit], "stage": stage,
                   "first_id": first_id})
            before_status, before_unit = to_status, places[to_unit]


def sample_codes(url: str, path: Path, size: int = 20000) -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        codes = connection.scalars(text(
            "SELECT code FROM dossiers TABLESAMPLE SYSTEM (5) LIMIT :size"), {"size": size}).all()
    engine.dispose()
    path.write_text("\n".join(codes) + "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, instance: Path, port: int, workers: int, *,
                   application: str = "bench.lookup_wsgi:create()", ready: str = "/tra-cuu"
                   ) -> subprocess.Popen:
    """gunicorn serving ``application`` on ``port``, once ``ready`` answers."""
    env = {**os.environ, "MOTCUA_DATABASE_URL": url, "MOTCUA_INSTANCE_PATH": str(instance),
           "MOTCUA_SECRET_KEY": "bench", "MOTCUA_LANGUAGE": "vi", "MOTCUA_PLUGINS": "all",
           "BARE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", application], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def wrk(port: int, prefix: str, codes: Path, script: Path, seconds: int,
        connections: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of ``wrk`` on one endpoint."""
    env = {**os.environ, "BENCH_CODES": str(codes), "BENCH_PREFIX": prefix}
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True, check=True,
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{prefix}: some answers were not 2xx\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, _percentile(output, "50%"), _percentile(output, "99%")


def _percentile(output: str, label: str) -> float:
    value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    use_fast_password_hashing()
    with tempfile.TemporaryDirectory() as folder, postgres_database("motcua_bench") as url:
        workdir = Path(folder)
        instance = workdir / "instance"
        migrate.upgrade(make_engine(url))
        started = time.perf_counter()
        populate(url, instance, args.dossiers)
        print(f"{args.dossiers:,} dossiers in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        codes, script = workdir / "codes.txt", workdir / "codes.lua"
        sample_codes(url, codes)
        script.write_text(WRK_SCRIPT)
        ports = {"app": free_port(), "bare": free_port()}
        known = codes.read_text().split()[0]
        servers = [start_gunicorn(url, instance, ports["app"], args.workers),
                   start_gunicorn(url, instance, ports["bare"], args.workers,
                                  application="bench.bare_wsgi:create()",
                                  ready=f"/bench/bare/{known}")]
        rounds: list[dict[str, tuple[float, float, float]]] = []
        try:
            for _round in range(args.rounds):
                measured: dict[str, tuple[float, float, float]] = {}
                for name, server_name, prefix in ENDPOINTS:
                    measured[name] = wrk(ports[server_name], prefix, codes, script,
                                         args.seconds, args.connections)
                    rate, _p50, p99 = measured[name]
                    print(f"  round {_round + 1}: {name}: {rate:,.0f}/s p99 {p99:.1f} ms",
                          file=sys.stderr)
                rounds.append(measured)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    baseline_name = ENDPOINTS[0][0]
    print(f"\nPostgreSQL, {args.dossiers:,} dossiers, gunicorn {args.workers} sync workers, "
          f"wrk 1 thread {args.connections} connections, {args.rounds} rounds of "
          f"{args.seconds} s per endpoint, endpoints alternating within each round\n")
    print("| endpoint | requests/s (median) | p50 ms (median) | p99 ms (worst) "
          "| / baseline, per round | median |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, _server, _prefix in ENDPOINTS:
        ratios = [r[name][0] / r[baseline_name][0] for r in rounds]
        print(f"| {name} | {statistics.median(r[name][0] for r in rounds):,.0f} "
              f"| {statistics.median(r[name][1] for r in rounds):.1f} "
              f"| {max(r[name][2] for r in rounds):.1f} "
              f"| {' '.join(f'{x:.2f}' for x in ratios)} | {statistics.median(ratios):.2f}x |")

if __name__ == "__main__":
    main()
