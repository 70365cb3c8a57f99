"""Dossier codes: ``<agency>-<YYMMDD>-<NNNN>``, one gap-free sequence per unit and local day,
unique under concurrent intakes from threads and from separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from motcua.core.codes import (
    ECHO_LENGTH,
    allocate_code,
    echo,
    format_code,
    is_valid_code,
    last_sequence,
    normalize_code,
)
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, DossierCodeCounter, Unit
from tests.factories import intake_data

ROOT = Path(__file__).resolve().parent.parent


def test_code_has_agency_local_day_and_four_digit_sequence(app, db, world):
    with app.app_context():
        unit = db.session.get(Unit, world.district_desk.id)
        code = allocate_code(db.session, unit, date(2026, 3, 9))
        assert code == "H72.01.01-260309-0001"
        assert is_valid_code(code)


def test_format_code_pads_to_four_digits_and_grows_beyond():
    assert format_code("H72", date(2026, 1, 2), 7) == "H72-260102-0007"
    assert format_code("H72", date(2026, 1, 2), 12345) == "H72-260102-12345"


@pytest.mark.parametrize(
    "code", ["h72-260101-0001", "H72-2601-0001", "H72-260101-01", "H72_260101"]
)
def test_malformed_codes_are_not_valid(code):
    assert not is_valid_code(code)


@pytest.mark.parametrize("typed", [
    "H80.01-261207-0012", "h80.01-261207-0012", "H80.01 261207 0012", "H80.01.261207.0012",
    "  H80.01   261207   0012  ", "H80.01 - 261207 - 0012", "H80.01–261207—0012",
    "H80.01_261207_0012", "H 80.01-2612 07-0012", "H80.01-261207 0012",
    "Ｈ８０．０１－２６１２０７－００１２", "Ｈ８０．０１\u3000２６１２０７\u3000００１２",
    "H80.01-261207-0012\r\n", "\tH80.01\u200b-261207-0012",
])
def test_codes_typed_the_ways_citizens_copy_them_normalise_to_one(typed):
    assert normalize_code(typed) == "H80.01-261207-0012"


def test_an_agency_code_with_several_dots_keeps_them_when_dots_separate_the_groups():
    assert normalize_code("h72.01.01.261122.0001") == "H72.01.01-261122-0001"
    assert normalize_code("H72.01.01 261122 12345") == "H72.01.01-261122-12345"


@pytest.mark.parametrize("typed", ["", None, "xin chao", "H80.01 2612 0012", "261207 0012"])
def test_what_is_not_a_code_stays_invalid(typed):
    assert not is_valid_code(normalize_code(typed))


@given(st.text(max_size=200))
def test_the_echo_of_any_input_is_short_plain_and_safe(raw):
    said = echo(raw)
    assert len(said) <= ECHO_LENGTH
    assert set(said) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.- ")


def test_the_echo_keeps_what_was_typed_readable():
    assert echo("h80.01 261207 001") == "H80.01 261207 001"
    assert echo("mã <b>hồ sơ</b>\u202e") == "MA B HO SO B"
    assert echo("9" * 50) == "9" * 27 + "..."


def test_sequence_counts_up_within_a_unit_and_day(app, db, world):
    with app.app_context():
        unit = db.session.get(Unit, world.district_desk.id)
        codes = [allocate_code(db.session, unit, date(2026, 3, 9)) for _ in range(3)]
        assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
        assert last_sequence(db.session, unit.id, date(2026, 3, 9)) == 3


def test_sequence_restarts_for_each_unit(app, db, world):
    with app.app_context():
        desk = db.session.get(Unit, world.district_desk.id)
        commune = db.session.get(Unit, world.commune.id)
        allocate_code(db.session, desk, date(2026, 3, 9))
        allocate_code(db.session, desk, date(2026, 3, 9))
        assert allocate_code(db.session, commune, date(2026, 3, 9)) == "X72.25747-260309-0001"


def test_sequence_restarts_each_day(app, db, world):
    with app.app_context():
        desk = db.session.get(Unit, world.district_desk.id)
        allocate_code(db.session, desk, date(2026, 3, 9))
        allocate_code(db.session, desk, date(2026, 3, 9))
        assert allocate_code(db.session, desk, date(2026, 3, 10)) == "H72.01.01-260310-0001"


def test_rolled_back_allocation_leaves_no_gap(app, db, world):
    with app.app_context():
        desk = db.session.get(Unit, world.district_desk.id)
        allocate_code(db.session, desk, date(2026, 3, 9))
        db.session.rollback()
        assert allocate_code(db.session, desk, date(2026, 3, 9)).endswith("-0001")


def test_back_entry_at_2330_utc_gets_the_next_vietnam_day(app, db, world):
    """23:30 UTC on 9 March is 06:30 on 10 March in Vietnam: the code says 260310."""
    received = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    with app.app_context(), _frozen_now(received.replace(hour=23, minute=45)):
        actor = db.session.get(Account, world.accounts["reception"].id)
        dossier = take_in(
            DeskContext(db.session, actor, app.config["MOTCUA"]),
            intake_data(world, received_at=received.isoformat(),
                        back_entry_reason="Mất điện, nhận trên giấy"),
        )
        db.session.commit()
        assert dossier.code == "H72.01.01-260310-0001"


def _frozen_now(moment: datetime):
    """Pin the intake service's clock (a real function swap, not a mock of the database)."""
    from contextlib import contextmanager

    import motcua.core.intake as intake_module

    @contextmanager
    def frozen():
        original = intake_module.now
        intake_module.now = lambda: moment
        try:
            yield
        finally:
            intake_module.now = original

    return frozen()


# --- concurrency --------------------------------------------------------------------------

THREADS = 8
PER_THREAD = 25


def _intake_once(db, actor_id: int, settings, data: dict) -> str:
    """One desk request: its own session, which reads (the officer) before it writes."""
    session = db.session_factory()
    try:
        actor = session.get(Account, actor_id)
        dossier = take_in(DeskContext(session, actor, settings), data)
        session.commit()
        return dossier.code
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _assert_unique_and_gap_free(codes: list[str], expected: int) -> None:
    assert len(codes) == expected
    assert len(set(codes)) == expected, "duplicate dossier codes"
    by_day: dict[str, list[int]] = defaultdict(list)
    for code in codes:
        prefix, _, sequence = code.rpartition("-")
        by_day[prefix].append(int(sequence))
    for prefix, sequences in by_day.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), prefix


def test_concurrent_threads_get_unique_gap_free_codes(app, db, world):
    settings = app.config["MOTCUA"]
    actor_id = world.accounts["reception"].id
    data = intake_data(world)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        start.wait()
        for _ in range(PER_THREAD):
            try:
                code = _intake_once(db, actor_id, settings, data)
            except BaseException as error:  # noqa: BLE001 - collected and reported below
                with lock:
                    errors.append(error)
                return
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    _assert_unique_and_gap_free(codes, THREADS * PER_THREAD)
    with app.app_context():
        stored = list(db.session.scalars(select(Dossier.code)))
        assert sorted(stored) == sorted(codes)
        counters = db.session.scalars(select(DossierCodeCounter.last_sequence)).all()
        assert sum(counters) == THREADS * PER_THREAD


_CHILD = """
import json, sys
from motcua.core.config import load_settings
from motcua.core.db import Database
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account

url, instance, actor_id, count, data = sys.argv[1:6]
actor_id, count, data = int(actor_id), int(count), json.loads(data)
settings = load_settings(database_url=url, instance_path=instance, secret_key="x")
database = Database(url)
codes = []
print("ready", flush=True)
sys.stdin.readline()  # every process starts intake at the same moment
for _ in range(count):
    session = database.session_factory()
    try:
        actor = session.get(Account, actor_id)
        codes.append(take_in(DeskContext(session, actor, settings), data).code)
        session.commit()
    finally:
        session.close()
database.dispose()
print(json.dumps(codes))
"""

PROCESSES = 4
PER_PROCESS = 25


def test_concurrent_processes_get_unique_gap_free_codes(app, db, world, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, db.url, str(tmp_path / f"instance{n}"),
             str(world.accounts["reception"].id), str(PER_PROCESS),
             json.dumps(intake_data(world))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=tmp_path,
        )
        for n in range(PROCESSES)
    ]
    for child in children:  # wait until every process has imported and connected
        assert child.stdout.readline().strip() == "ready", child.stderr.read()[-2000:]
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    outputs = [child.communicate(timeout=120) for child in children]
    codes: list[str] = []
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err[-2000:]
        codes += json.loads(out.strip().splitlines()[-1])
    _assert_unique_and_gap_free(codes, PROCESSES * PER_PROCESS)
    with app.app_context():
        assert len(db.session.scalars(select(Dossier.code)).all()) == PROCESSES * PER_PROCESS
