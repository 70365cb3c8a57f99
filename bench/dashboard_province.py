"""The province dashboard over a year of dossiers, against counting the same rows.

    python bench/dashboard_province.py [--dossiers 5000000] [--rounds 3]

On a throw-away PostgreSQL database (``MOTCUA_TEST_POSTGRES_URL`` or a local server):

1. builds the demo province (units, accounts, catalogue, a few hundred real dossiers
   worked through the routing engine), then copies those dossiers in SQL to
   ``--dossiers`` dossiers spread over the last twelve months, across every receiving
   unit and procedure, each with its workflow row (about 2% carrying an apology's
   original deadline), in every status;
2. renders, as the ICT department (province scope) through the application (Flask test
   client, so templates and queries are all included), the dashboard for the current
   month and for the whole year, ``--rounds`` times each, and the drill-down list of
   the year's late dossiers;
3. measures in the same run a baseline: ``SELECT count(*) FROM dossiers`` (one scan of
   every row, what any figure over the year costs at the least).

The copy bypasses events, so the kept report figures are then built by the migration's
own back-fill (:func:`motcua.core.reports.tally.rebuild`), timed. With ``--check`` the
figures of both periods (total, by unit, procedure, field, and the months chart) are
compared with the row-by-row count over every dossier (minutes at 5,000,000).

With ``--hub`` the same dossiers are copied into a hub's read model (``hub_dossiers``,
as the nodes' batches would leave them) and the pages are rendered by the application
as a provincial hub (``MOTCUA_ROLE=hub``), whose figures are back-filled from that copy;
the baseline then counts ``hub_dossiers``.

Prints a Markdown table of the best and median times and their ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from motcua.core import create_app, migrate  # noqa: E402
from motcua.core.db import make_engine  # noqa: E402
from motcua.core.demo import DEMO_PASSWORD, build_demo  # noqa: E402
from motcua.core.models import Dossier, DossierWorkflow  # noqa: E402
from motcua.core.reports.check import differences, top_units  # noqa: E402
from motcua.core.reports.periods import parse_period  # noqa: E402
from motcua.core.reports.source import HUB  # noqa: E402
from motcua.core.reports.tally import rebuild  # noqa: E402
from motcua.core.testing import postgres_database, use_fast_password_hashing  # noqa: E402
from motcua.core.timeutil import local_date, now  # noqa: E402

# The docstring's "or a local server": a PostgreSQL on the local port when no URL is set.
os.environ.setdefault("MOTCUA_TEST_POSTGRES_URL",
                      "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

SEED_DOSSIERS = 300
# Columns the copy computes rather than repeats.
COMPUTED = {"id", "code", "unit_id", "procedure_id", "received_at", "due_at", "entered_at",
            "finished_at", "returned_at", "status", "channel", "version"}


def populate(url: str, instance: Path, count: int) -> None:
    app = create_app(instance_path=instance, database_url=url, secret_key="bench",
                     plugins=(), sync_in_process=False)
    database = app.extensions["motcua.db"]
    with app.app_context():
        build_demo(database.session, app.config["MOTCUA"], dossiers=SEED_DOSSIERS)
        database.session.commit()
        database.remove()
    database.dispose()
    kept = [c.name for c in Dossier.__table__.columns if c.name not in COMPUTED]
    workflow_kept = [c.name for c in DossierWorkflow.__table__.columns
                     if c.name not in ("dossier_id", "original_due_at")]
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TEMP TABLE pairs AS SELECT u.id AS unit_id, "
                                "p.id AS procedure_id, p.processing_days, "
                                "row_number() OVER () - 1 AS n FROM procedure_units pu "
                                "JOIN units u ON u.id = pu.unit_id "
                                "JOIN procedures p ON p.id = pu.procedure_id"))
        pairs = connection.scalar(text("SELECT count(*) FROM pairs"))
        template = connection.scalar(text("SELECT min(id) FROM dossiers"))
        # Received over 365 days back from now; a status by a fixed share of g; due after
        # the procedure's days (calendar days x 1.4, near enough to working days); most
        # finished, some late; codes unique by a prefix of their own.
        connection.execute(text(f"""
            INSERT INTO dossiers (code, unit_id, procedure_id, received_at, due_at,
                                  entered_at, finished_at, returned_at, status, channel,
                                  version, {", ".join(kept)})
            SELECT 'B' || g, pr.unit_id, pr.procedure_id, r.at,
                   r.at + make_interval(hours => (pr.processing_days * 34)::int),
                   r.at,
                   CASE WHEN s.kind IN ('returned', 'result_ready', 'refused', 'withdrawn')
                        THEN r.at + make_interval(hours => (pr.processing_days * 34
                             * CASE WHEN g % 7 = 0 THEN 1.3 ELSE 0.6 END)::int) END,
                   CASE WHEN s.kind = 'returned'
                        THEN r.at + make_interval(hours => (pr.processing_days * 40)::int)
                        END,
                   s.kind, CASE WHEN g % 5 = 0 THEN 'online' ELSE 'in_person' END, 1,
                   {", ".join("d." + name for name in kept)}
            FROM generate_series(1, :count) g
            JOIN pairs pr ON pr.n = g % :pairs
            CROSS JOIN LATERAL (SELECT now() AT TIME ZONE 'UTC'
                - make_interval(mins => (g * 525600.0 / :count)::int) AS at) r
            CROSS JOIN LATERAL (SELECT CASE
                WHEN r.at > now() AT TIME ZONE 'UTC' - interval '10 days' AND g % 3 = 0
                    THEN (ARRAY['received', 'in_processing', 'waiting_supplement',
                                'waiting_other_agency', 'waiting_approval'])[g % 5 + 1]
                ELSE (ARRAY['returned', 'returned', 'returned', 'returned', 'returned',
                            'returned', 'result_ready', 'refused', 'withdrawn',
                            'in_processing'])[g % 10 + 1] END AS kind) s
            CROSS JOIN (SELECT * FROM dossiers WHERE id = :template) d
        """), {"count": count - SEED_DOSSIERS, "pairs": pairs, "template": template})
        connection.execute(text(f"""
            INSERT INTO dossier_workflows (dossier_id, original_due_at, {", ".join(workflow_kept)})
            SELECT n.id, CASE WHEN n.id % 50 = 0 THEN n.due_at - interval '1 day' END,
                   {", ".join("w." + name for name in workflow_kept)}
            FROM dossiers n
            CROSS JOIN (SELECT * FROM dossier_workflows ORDER BY dossier_id LIMIT 1) w
            WHERE n.code LIKE 'B%'
        """))
        # The copy recorded no events: count the figures as the migration back-fills them.
        started = time.perf_counter()
        rebuild(connection)
        print(f"report figures back-filled in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def copy_to_hub(url: str) -> None:
    """Every dossier as a node's copy in the hub's read model, then the hub's figures."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("""
            INSERT INTO hub_dossiers (code, owner_node, unit_code, received_day,
                procedure_code, status, applicant_name, received_at, due_at, finished_at,
                returned_at, version, snapshot, details, plugin_data, updated_at, unit_id,
                procedure_id, channel, original_due_at)
            SELECT d.code, 'bench', u.code,
                   CAST(d.received_at + interval '7 hours' AS date), p.code, d.status,
                   d.applicant_name, d.received_at, d.due_at, d.finished_at, d.returned_at,
                   d.version, jsonb_build_object('code', d.code), '{}'::jsonb, '{}'::jsonb,
                   now() AT TIME ZONE 'UTC', d.unit_id, d.procedure_id, d.channel,
                   w.original_due_at
            FROM dossiers d JOIN units u ON u.id = d.unit_id
            JOIN procedures p ON p.id = d.procedure_id
            LEFT JOIN dossier_workflows w ON w.dossier_id = d.id
        """))
        started = time.perf_counter()
        rebuild(connection, HUB)
        print(f"hub report figures back-filled in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE hub_dossiers, report_figures"))
    engine.dispose()


def check(app, periods: list) -> None:  # noqa: ANN001
    """Stop if the dashboard's figures differ from the row-by-row count."""
    database = app.extensions["motcua.db"]
    started = time.perf_counter()
    with app.app_context():
        session = database.session
        found = differences(session, top_units(session), periods, now())
        database.remove()
    if found:
        sys.exit("the kept figures differ from the dossiers:\n" + "\n".join(found))
    print(f"figures equal to the row-by-row count ({time.perf_counter() - started:.0f} s)",
          file=sys.stderr)


def timed(call, rounds: int) -> list[float]:  # noqa: ANN001
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true",
                        help="compare the figures with the row-by-row count (slow)")
    parser.add_argument("--hub", action="store_true",
                        help="render as a provincial hub over the nodes' copies")
    args = parser.parse_args()
    table = "hub_dossiers" if args.hub else "dossiers"
    use_fast_password_hashing()
    with tempfile.TemporaryDirectory() as folder, postgres_database("motcua_bench") as url:
        instance = Path(folder) / "instance"
        migrate.upgrade(make_engine(url))
        started = time.perf_counter()
        populate(url, instance, args.dossiers)
        print(f"{args.dossiers:,} dossiers in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        if args.hub:
            copy_to_hub(url)
        app = create_app(instance_path=instance, database_url=url, secret_key="bench",
                         plugins=(), RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False,
                         sync_in_process=False, role="hub" if args.hub else "standalone")
        client = app.test_client()
        response = client.post("/login", data={"username": "cntt", "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.text
        today = local_date(now())
        year = f"{(today - timedelta(days=365)):%Y-%m-%d}..{today:%Y-%m-%d}"
        pages = {
            "dashboard, current month": f"/reports/?period={today:%Y-%m}",
            "dashboard, the whole year": f"/reports/?period={year}",
            "drill-down: the year's late dossiers (first page)":
                f"/reports/dossiers?category=late&period={year}",
        }

        def get(path: str):  # noqa: ANN202
            def call() -> None:
                answer = client.get(path)
                assert answer.status_code == 200, answer.text[:300]
            return call

        engine = app.extensions["motcua.db"].engine

        def baseline() -> None:
            with engine.connect() as connection:
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()

        base = timed(baseline, args.rounds)
        results = [(name, timed(get(path), args.rounds)) for name, path in pages.items()]
        if args.check:
            check(app, [parse_period(f"{today:%Y-%m}"), parse_period(year)])
        app.extensions["motcua.db"].dispose()
    print(f"\nPostgreSQL, {args.dossiers:,} dossiers over a year, province scope (ICT "
          f"department), {'a hub, ' if args.hub else ''}Flask test client, "
          f"{args.rounds} rounds\n")
    print("| what | best s | median s | / baseline (best) |")
    print("| --- | --- | --- | --- |")
    print(f"| baseline: SELECT count(*) FROM {table} | {min(base):.2f} | "
          f"{statistics.median(base):.2f} | 1.00x |")
    for name, times in results:
        print(f"| {name} | {min(times):.2f} | {statistics.median(times):.2f} | "
              f"{min(times) / min(base):.1f}x |")


if __name__ == "__main__":
    main()
