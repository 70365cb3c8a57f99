"""Lookups per second through each citizen channel, against a bare indexed SELECT.

    python bench/lookup_channels.py [--dossiers 50000] [--seconds 3] [--postgres]

Builds a database with ``--dossiers`` dossiers (each with its ``received`` event), then
measures, in the same run and the same process, lookups of random existing codes:

- baseline: ``SELECT * FROM dossiers WHERE code = :code`` (the unique index), one
  connection, nothing else;
- baseline endpoint: a bare Flask route doing that SELECT and returning JSON, through the
  Flask test client (no HTTP socket; the same for the channels below);
- the lookup service ``motcua.lookup.service.lookup()`` (dossier, units, officer,
  timeline);
- the JSON API ``GET /api/lookup/<code>``;
- the SMS handler ``GET /sms/inbound?text=TRACUU <code>``.

Prints a Markdown table with lookups/s, p99 latency and the ratio to each baseline. SQLite
in a temporary folder by default; ``--postgres`` uses a throw-away PostgreSQL database
(``MOTCUA_TEST_POSTGRES_URL`` or a local server).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import jsonify  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from motcua.core import create_app, migrate  # noqa: E402
from motcua.core.db import make_engine  # noqa: E402
from motcua.core.extensions import db_session  # noqa: E402
from motcua.core.intake import DeskContext, take_in  # noqa: E402
from motcua.core.models import Dossier, DossierEvent  # noqa: E402
from motcua.core.testing import postgres_database, use_fast_password_hashing  # noqa: E402
from motcua.lookup.service import lookup  # noqa: E402
from tests.factories import build_world, intake_data  # noqa: E402

# The docstring's "or a local server": a PostgreSQL on the local port when no URL is set.
os.environ.setdefault("MOTCUA_TEST_POSTGRES_URL",
                      "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

CHUNK = 5000


def populate(app, count: int) -> list[str]:  # noqa: ANN001
    """``count`` dossiers copied from one real intake (codes vary by day and number)."""
    database = app.extensions["motcua.db"]
    with app.test_request_context("/"):
        session = database.session
        world = build_world(session)
        actor = session.merge(world.accounts["reception"])
        dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]), intake_data(world))
        session.commit()
        row = {column.key: getattr(dossier, column.key) for column in Dossier.__table__.columns}
        event = session.scalars(select(DossierEvent).where(
            DossierEvent.dossier_id == dossier.id)).one()
        event_row = {column.key: getattr(event, column.key)
                     for column in DossierEvent.__table__.columns}
        agency, base_day = dossier.code.rsplit("-", 2)[0], dossier.received_at
        next_id = dossier.id + 1
        codes = [dossier.code]
        for start in range(0, count - 1, CHUNK):
            rows, events = [], []
            for index in range(start, min(start + CHUNK, count - 1)):
                day = base_day - timedelta(days=1 + index // 9000)
                code = f"{agency}-{day:%y%m%d}-{index % 9000 + 1:04d}"
                rows.append({**row, "id": next_id, "code": code, "received_at": day,
                             "due_at": day + timedelta(days=5)})
                events.append({**event_row, "id": None, "dossier_id": next_id, "at": day})
                codes.append(code)
                next_id += 1
            session.execute(insert(Dossier.__table__), rows)
            session.execute(insert(DossierEvent.__table__),
                            [{k: v for k, v in e.items() if k != "id"} for e in events])
            session.commit()
        database.remove()
    return codes


def measure(call, codes: list[str], seconds: float) -> tuple[float, float]:  # noqa: ANN001
    """(calls per second, p99 latency in ms) of ``call(code)`` on random codes."""
    rng = random.Random(7)
    for code in rng.sample(codes, 50):  # warm caches
        call(code)
    latencies = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        code = rng.choice(codes)
        before = time.perf_counter()
        call(code)
        latencies.append(time.perf_counter() - before)
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.quantiles(latencies, n=100)[98] * 1000


def run(url: str, workdir: Path, count: int, seconds: float) -> list[tuple[str, float, float]]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(instance_path=workdir / "instance", database_url=url, secret_key="bench",
                     LOOKUP_RATE_LIMIT="1000000 per minute", SMS_RATE_LIMIT="1000000 per minute",
                     RATELIMIT_ENABLED=False)

    def bare(code: str):  # noqa: ANN202
        row = db_session().execute(text("SELECT * FROM dossiers WHERE code = :code"),
                                   {"code": code}).mappings().first()
        return jsonify({"code": row["code"], "status": row["status"]})

    app.add_url_rule("/bench/bare/<path:code>", "bench_bare", bare)
    started = time.perf_counter()
    codes = populate(app, count)
    print(f"{len(codes)} dossiers in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    database = app.extensions["motcua.db"]
    client = app.test_client()
    results = []
    with database.engine.connect() as connection:
        statement = text("SELECT * FROM dossiers WHERE code = :code")
        results.append(("baseline: indexed SELECT by code", *measure(
            lambda code: connection.execute(statement, {"code": code}).first(), codes,
            seconds)))

    def service(code: str) -> None:
        with app.test_request_context("/?lang=en"):
            lookup(database.session, code)
            database.remove()

    def get(path: str):  # noqa: ANN202
        def call(code: str) -> None:
            response = client.get(path.format(code=code))
            assert response.status_code == 200, response.text
        return call

    results.append(("baseline endpoint: bare Flask route, same SELECT",
                    *measure(get("/bench/bare/{code}"), codes, seconds)))
    results.append(("lookup service (lookup())", *measure(service, codes, seconds)))
    results.append(("JSON API GET /api/lookup/<code>",
                    *measure(get("/api/lookup/{code}"), codes, seconds)))
    results.append(("SMS handler GET /sms/inbound?text=TRACUU <code>",
                    *measure(get("/sms/inbound?from=0912345678&text=TRACUU+{code}"), codes,
                             seconds)))
    database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=50000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    use_fast_password_hashing()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        context = postgres_database("motcua_bench") if args.postgres else \
            contextlib.nullcontext(f"sqlite:///{workdir / 'bench.sqlite3'}")
        with context as url:
            results = run(url, workdir, args.dossiers, args.seconds)
    select_rate, endpoint_rate = results[0][1], results[1][1]
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\n{backend}, {args.dossiers:,} dossiers, {args.seconds:g} s per measure, "
          "one thread, Flask test client\n")
    print("| path | lookups/s | p99 ms | / indexed SELECT | / bare endpoint |")
    print("| --- | --- | --- | --- | --- |")
    for name, rate, p99 in results:
        print(f"| {name} | {rate:,.0f} | {p99:.2f} | {rate / select_rate:.2f}x "
              f"| {rate / endpoint_rate:.2f}x |")


if __name__ == "__main__":
    main()
