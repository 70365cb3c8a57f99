"""The kept report figures (written as events happen) against the row-by-row count over
``dossiers``: equal for every scope, period, grouping and "now", on SQLite and
PostgreSQL; the same as the back-fill; kept through a take-over and concurrent officers.

Dossiers are made by the real intake and routing actions: the September fixture of
tests/test_reports_figures.py plus stories for what it lacks (two requests for
supplement, in two months and on one day; overdue at a month's end and finished the
next; back-entry; refusal at the desk; withdrawal; an apology still open; a second
receiving unit, procedure and field).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from motcua.core import create_app, migrate
from motcua.core.db import make_engine
from motcua.core.intake import DeskContext, refuse_at_desk, take_in
from motcua.core.models import Dossier, Procedure, ReportFigures, ReportSupplements, Unit
from motcua.core.reports import tally
from motcua.core.reports.check import differences
from motcua.core.reports.figures import Scope, figures, resolved_by_month
from motcua.core.reports.periods import parse_period
from motcua.core.reports.reference import figures_from_dossiers, months_from_dossiers
from motcua.core.sync.entries import full_record
from motcua.core.sync.transfers import import_handoff
from motcua.core.testing import postgres_database
from motcua.core.timeutil import replaying_at
from motcua.core.workflow import actions
from tests.factories import applicant, build_world, intake_data
from tests.test_reports_figures import REPORT_TIME, _resolve, _story, september  # noqa: F401
from tests.test_workflow_support import add_routing, vn

PERIODS = ["2026-08", "2026-09", "2026-10", "2026-11", "2026-Q3", "2026-Q4", "2026-H2",
           "2026", "2026-08-15..2026-10-20", "2026-09-30..2026-10-01",
           "2026-09-05..2026-09-05", "2026-09-01..2026-10-31"]
NOWS = [vn(2026, 9, 24, 12), REPORT_TIME, vn(2026, 10, 20, 12), vn(2026, 11, 20, 12)]
ROOTS = ["H72", "H72.01", "X72.25747", "H72.02"]


def _commune_story(app, session, routing, received: datetime, steps: list,  # noqa: ANN001, ANN202
                   channel: str = "in_person") -> str:
    """A birth registration at the commune desk (its own unit, procedure and field)."""
    world = routing.world
    birth = session.get(Procedure, world.birth_registration.id)
    with replaying_at(received):
        actor = routing.account(session, "commune_reception")
        dossier = take_in(DeskContext(session, actor, app.config["MOTCUA"]), intake_data(
            world, procedure_code=birth.code, unit_code=world.commune.code,
            channel=channel,
            submitted_documents=[d.id for d in birth.documents if d.required]))
        session.commit()
    for moment, action, kwargs in steps:
        with replaying_at(moment):
            dossier = session.get(Dossier, dossier.id)
            getattr(actions, action)(session, dossier,
                                     routing.account(session, kwargs.pop("by")), **kwargs)
            session.commit()
    return dossier.code


@pytest.fixture
def stories(app, db, routing, september):  # noqa: F811
    """The September fixture and more; returns {name: code}."""
    with app.app_context():
        s = db.session
        codes = dict(september)
        codes["E1"] = _story(app, s, routing, vn(2026, 9, 28, 9), [
            (vn(2026, 9, 28, 10), "claim", {"by": "specialist"}),
            (vn(2026, 9, 29, 9), "request_supplement", {"by": "specialist",
                                                        "missing": ["Giấy đề nghị"]}),
            (vn(2026, 10, 1, 9), "record_supplement", {"by": "reception"}),
            (vn(2026, 10, 5, 10), "request_supplement", {"by": "specialist",
                                                         "missing": ["Bản sao"]}),
            (vn(2026, 10, 7, 9), "record_supplement", {"by": "reception"}),
            (vn(2026, 10, 8, 9), "submit_for_approval", {"by": "specialist"}),
            (vn(2026, 10, 9, 10), "approve", {"by": "leader"}),
            (vn(2026, 10, 9, 11), "issue_result", {"by": "reception",
                                                   "result": {"number": "E1"}}),
            (vn(2026, 10, 12, 9), "return_result", {"by": "reception",
                                                    "collected_by": "Nguyễn Văn An",
                                                    "method": "in_person"})])
        # Two requests on one day, then left waiting (its clock stopped).
        codes["E2"] = _story(app, s, routing, vn(2026, 10, 6, 9), [
            (vn(2026, 10, 6, 10), "claim", {"by": "specialist"}),
            (vn(2026, 10, 6, 11), "request_supplement", {"by": "specialist",
                                                         "missing": ["Giấy đề nghị"]}),
            (vn(2026, 10, 6, 14), "record_supplement", {"by": "reception"}),
            (vn(2026, 10, 6, 15), "request_supplement", {"by": "specialist",
                                                         "missing": ["Bản sao"]})])
        # Due Thu 17 Sep, overdue at the end of September, approved late on 13 Oct.
        codes["E3"] = _story(app, s, routing, vn(2026, 9, 14, 9), _resolve(
            vn(2026, 9, 14, 10), vn(2026, 10, 13, 10)))
        # An apology with a new appointment, still open: overdue against the original.
        codes["E4"] = _story(app, s, routing, vn(2026, 10, 19, 9), [
            (vn(2026, 10, 19, 10), "claim", {"by": "specialist"}),
            (vn(2026, 10, 21, 9), "apologize", {"by": "specialist",
                                                "new_due_at": vn(2026, 10, 30, 9),
                                                "reason": "Cần xác minh thêm"})])
        # Paused twice while the applicant pays a tax notice, then left waiting: in
        # processing, never overdue, and never a supplement (October still counts 2).
        codes["E7"] = _story(app, s, routing, vn(2026, 10, 12, 9), [
            (vn(2026, 10, 12, 10), "claim", {"by": "specialist"}),
            (vn(2026, 10, 13, 9), "pause_for_payment", {"by": "specialist",
                                                        "note": "Nộp lệ phí trước bạ",
                                                        "amount": 1_200_000}),
            (vn(2026, 10, 19, 9), "record_payment", {"by": "reception"}),
            (vn(2026, 10, 20, 9), "pause_for_payment", {"by": "specialist",
                                                        "note": "Nộp thuế bổ sung"})])
        # Received at the desk late September, resolved early in October, not collected.
        codes["E5"] = _story(app, s, routing, vn(2026, 9, 30, 15), _resolve(
            vn(2026, 10, 1, 8), vn(2026, 10, 2, 10)))
        with replaying_at(vn(2026, 10, 7, 10)):
            back = take_in(DeskContext(s, routing.account(s, "reception"), app.config["MOTCUA"]),
                           intake_data(routing.world, received_at=vn(2026, 10, 2, 9),
                                       back_entry_reason="Mất điện, nhập lại từ sổ"))
            s.commit()
            codes["E6"] = back.code
        with replaying_at(vn(2026, 10, 8, 9)):
            dossier = s.get(Dossier, back.id)
            actions.claim(s, dossier, routing.account(s, "specialist"))
            s.commit()
        with replaying_at(vn(2026, 10, 8, 10)):
            dossier = s.get(Dossier, back.id)
            actions.refuse(s, dossier, routing.account(s, "specialist"),
                           reason="Không đủ điều kiện")
            s.commit()
        world = routing.world
        with replaying_at(vn(2026, 10, 9, 9)):
            refused = refuse_at_desk(DeskContext(s, routing.account(s, "commune_reception"),
                                                 app.config["MOTCUA"]), {
                "procedure_code": world.birth_registration.code,
                "unit_code": world.commune.code,
                "applicant": applicant(), "reason": "Không thuộc thẩm quyền"})
            s.commit()
            codes["C1"] = refused.code
        codes["C2"] = _commune_story(app, s, routing, vn(2026, 10, 2, 9), [
            (vn(2026, 10, 5, 9), "withdraw", {"by": "commune_reception",
                                              "reason": "Người nộp xin rút hồ sơ"})],
            channel="online")
        codes["C3"] = _commune_story(app, s, routing, vn(2026, 10, 1, 9), [])
        codes["C4"] = _commune_story(app, s, routing, vn(2026, 9, 29, 9), [
            (vn(2026, 9, 30, 9), "request_supplement", {"by": "commune_reception",
                                                        "missing": ["Giấy chứng sinh"]})])
        db.remove()
    return codes


def _roots(session) -> list[Unit]:  # noqa: ANN001
    return list(session.scalars(select(Unit).where(Unit.code.in_(ROOTS)).order_by(Unit.code)))


def _rows(session) -> set[tuple]:  # noqa: ANN001
    """Every kept count that is not zero, as (table, key..., column, value)."""
    found = set()
    for model in (ReportFigures, ReportSupplements):
        table = model.__table__
        key = [c.name for c in table.primary_key.columns]
        for row in session.execute(select(table)).mappings():
            found |= {(table.name, *(row[k] for k in key), name, value)
                      for name, value in row.items() if name not in key and value}
    return found


def test_kept_figures_equal_the_row_by_row_count(app, db, stories):
    periods = [parse_period(code) for code in PERIODS]
    with app.app_context():
        session = db.session
        roots = _roots(session)
        for moment in NOWS:
            assert differences(session, roots, periods, moment) == [], moment
        # Not a vacuous agreement: the fixture fills the figures.
        (october,) = figures(session, Scope(roots[0]), parse_period("2026-10"),
                             vn(2026, 11, 20, 12))
        assert october["supplement_requested"] == 2  # E1 (twice) and E2 (twice one day)
        assert october["carried_over"] >= 5 and october["refused"] == 2
        assert october["withdrawn"] == 1 and october["in_processing_overdue"] >= 2
        (september_end,) = figures(session, Scope(roots[0]), parse_period("2026-09"),
                                   vn(2026, 11, 20, 12))
        # E3 counts overdue at the end of September although it finished in October.
        assert september_end == figures_from_dossiers(
            session, Scope(roots[0]), parse_period("2026-09"), vn(2026, 11, 20, 12))[0]
        tables = {group: figures(session, Scope(roots[0]), parse_period("2026-Q4"),
                                 vn(2026, 11, 20, 12), group=group)
                  for group in ("unit", "procedure", "field")}
        assert [row["key"] for row in tables["unit"]] == ["H72.01.01", "X72.25747"]
        assert len(tables["procedure"]) == len(tables["field"]) == 2


def test_the_check_notices_a_wrong_count(app, db, stories):
    with app.app_context():
        session = db.session
        roots = _roots(session)
        for grain, period in (("m", "2026-Q3"), ("d", "2026-08-02..2026-10-30")):
            row = session.scalar(select(ReportFigures).where(ReportFigures.grain == grain,
                                                             ReportFigures.late > 0)
                                 .order_by(ReportFigures.day.desc()).limit(1))
            row.late += 1
            session.flush()
            found = differences(session, roots, [parse_period(period)], REPORT_TIME)
            assert found and "'late': " in found[0], grain
            session.rollback()


def test_the_back_fill_gives_what_the_events_kept(app, db, stories):
    with app.app_context():
        session = db.session
        kept = _rows(session)
        assert kept
        tally.rebuild(session)
        session.flush()
        assert _rows(session) == kept
        session.rollback()


@contextmanager
def _own_database(backend: str, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """A database of ``backend`` for this test alone (the shared test database may hold
    other tests' plugin revisions, which a downgrade here could not resolve)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'backfill.sqlite3'}"
        return
    with postgres_database("motcua_backfill") as url:
        yield url


def test_the_migration_back_fills_existing_dossiers(backend, tmp_path):
    with _own_database(backend, tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        app = create_app(instance_path=tmp_path / "instance", database_url=url,
                         secret_key="test-secret", TESTING=True)
        database = app.extensions["motcua.db"]
        with app.app_context():
            session = database.session
            routing = add_routing(session, build_world(session))
            _story(app, session, routing, vn(2026, 9, 3, 10), _resolve(
                vn(2026, 9, 4, 8), vn(2026, 9, 8, 9, 30)))
            _story(app, session, routing, vn(2026, 9, 14, 9), _resolve(
                vn(2026, 9, 14, 10), vn(2026, 10, 13, 10)), channel="online")
            _story(app, session, routing, vn(2026, 9, 21, 9), [
                (vn(2026, 9, 21, 10), "claim", {"by": "specialist"}),
                (vn(2026, 9, 22, 9), "request_supplement",
                 {"by": "specialist", "missing": ["Giấy đề nghị"]})])
            _story(app, session, routing, vn(2026, 9, 16, 9), [
                (vn(2026, 9, 17, 9), "withdraw", {"by": "reception",
                                                  "reason": "Người nộp xin rút hồ sơ"})])
            kept = _rows(session)
            database.remove()
        database.dispose()
        migrate.downgrade(engine, "0001_workflow")  # the figures' tables gone
        migrate.upgrade(engine)  # made again and filled from the dossiers
        engine.dispose()
        with app.app_context():
            session = database.session
            assert kept and _rows(session) == kept
            assert differences(session, _roots(session), [parse_period("2026-Q3"),
                                                          parse_period("2026-10")],
                               REPORT_TIME) == []
            database.remove()
        database.dispose()


def test_a_taken_over_dossier_is_counted_as_it_arrives(app, db, stories):
    """A hand-over writes the dossier without events: its old figures come out and the
    new ones go in (an existing copy replaced; a dossier new here)."""
    with app.app_context():
        session = db.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == stories["D9"]))
        package = full_record(session, dossier)
        finished = vn(2026, 10, 2, 10).astimezone(UTC).isoformat()
        package["dossier"].update(status="refused", finished_at=finished,
                                  version=package["dossier"]["version"] + 1)
        last = package["events"][-1]
        package["events"].append({**last, "sequence": last["sequence"] + 1, "kind": "refused",
                                  "at": finished, "from_status": last["to_status"],
                                  "to_status": "refused"})
        import_handoff(session, {"id": 1, "from_node": "other", "package": package})
        arriving = full_record(session, session.scalar(
            select(Dossier).where(Dossier.code == stories["E2"])))
        arriving["dossier"]["code"] = "H72.01.01-261006-9999"
        import_handoff(session, {"id": 2, "from_node": "other", "package": arriving})
        session.commit()
        assert differences(session, _roots(session), [parse_period("2026-09"),
                                                      parse_period("2026-10")],
                           vn(2026, 11, 20, 12)) == []
        kept = _rows(session)
        tally.rebuild(session)
        assert _rows(session) == kept
        session.rollback()


def test_officers_recording_at_once_lose_no_count(app, db, routing):
    """Four leaders approve eight dossiers of one desk and procedure at the same moment:
    their events add to the same rows of figures, and every one is counted."""
    with app.app_context():
        ids = []
        for n in range(8):
            code = _story(app, db.session, routing, vn(2026, 10, 5, 8, n), [
                (vn(2026, 10, 5, 9, n), "claim", {"by": "specialist"}),
                (vn(2026, 10, 5, 10, n), "submit_for_approval", {"by": "specialist"})])
            ids.append(db.session.scalar(select(Dossier.id).where(Dossier.code == code)))
        db.remove()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def leader(mine: list[int]) -> None:
        start.wait()
        for dossier_id in mine:
            with app.app_context():
                session = db.session_factory()
                try:
                    with replaying_at(vn(2026, 10, 6, 10)):
                        actions.approve(session, session.get(Dossier, dossier_id),
                                        routing.account(session, "leader"))
                        session.commit()
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)
                    session.rollback()
                finally:
                    session.close()

    threads = [threading.Thread(target=leader, args=(ids[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    with app.app_context():
        session = db.session
        province = session.scalar(select(Unit).where(Unit.code == "H72"))
        (row,) = figures(session, Scope(province), parse_period("2026-10"), REPORT_TIME)
        assert (row["received_in_person"], row["resolved"]) == (8, 8)
        kept = _rows(session)
        tally.rebuild(session)
        assert _rows(session) == kept
        session.rollback()


def test_kept_figures_narrowed_to_a_procedure_or_field_equal_the_count(app, db, stories):
    with app.app_context():
        session = db.session
        root = _roots(session)[0]
        procedures = session.execute(select(Procedure.code, Procedure.field)).all()
        assert len(procedures) == 2
        for code, field in procedures:
            for scope in (Scope(root, procedure=code), Scope(root, field=field)):
                for period in (parse_period("2026-10"), parse_period("2026-Q4"),
                               parse_period("2026-09-15..2026-10-20")):
                    kept = figures(session, scope, period, vn(2026, 11, 20, 12), "unit")
                    assert kept == figures_from_dossiers(session, scope, period,
                                                         vn(2026, 11, 20, 12), "unit")
                    assert kept, (code, period.code)  # each procedure has dossiers
                year = parse_period("2026")
                assert resolved_by_month(session, scope, year, vn(2026, 11, 20, 12)) == \
                    months_from_dossiers(session, scope, year, vn(2026, 11, 20, 12))
