"""Two delivery workers at once on PostgreSQL (rows locked with SKIP LOCKED): every
message reaches the tax system once, every answer is applied once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from motcua_tax_interconnection import protocol
from motcua_tax_interconnection.adapter import deliver
from motcua_tax_interconnection.models import Base, Exchange
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from test_tax_adapter import T0, Simulator, add_rows, client_for

from motcua.core.testing import postgres_database, require_postgres_or_skip

pytestmark = pytest.mark.postgres


def test_two_workers_send_and_apply_each_message_once(tmp_path):
    require_postgres_or_skip()
    keys = protocol.generate_keypair()
    sim = Simulator(tmp_path, keys[1])
    sim.start()
    try:
        with postgres_database("motcua_tax_workers") as url:
            engine = create_engine(url)
            Base.metadata.create_all(engine)
            with Session(engine) as setup:
                rows = add_rows(setup, 24)
            applied: Counter[str] = Counter()
            lock = threading.Lock()

            def on_answer(session, exchange, answer):  # noqa: ANN001, ANN202
                with lock:
                    applied[exchange.message_id] += 1
                exchange.answer = answer
                exchange.status = "answered"

            def worker() -> None:
                with Session(engine) as session:
                    for _round in range(3):
                        deliver(session, client_for(sim, keys), now=T0, on_answer=on_answer)

            threads = [threading.Thread(target=worker) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            with Session(engine) as check:
                external = list(check.scalars(select(Exchange).where(
                    Exchange.channel == "external")))
            engine.dispose()
        stats = sim.stats()
    finally:
        sim.stop()
    assert len(external) == len(rows) == 24
    assert all(row.delivered_at is not None and row.status == "answered" for row in external)
    assert stats == {"received": 24, "duplicates": 0, "unique": 24}
    assert set(applied.values()) == {1} and len(applied) == 24
