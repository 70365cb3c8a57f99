"""Dossier events: append-only at the database level, numbered 1..n per dossier, and always
committed (or rolled back) together with their outbox row."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from motcua.core.events import record_event
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, DossierEvent, OutboxEntry
from tests.factories import intake_data


def received_dossier(app, db, world) -> Dossier:
    actor = db.session.get(Account, world.accounts["reception"].id)
    dossier = take_in(DeskContext(db.session, actor, app.config["MOTCUA"]), intake_data(world))
    db.session.commit()
    return dossier


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_updating_an_event_is_refused_by_the_database(app, db, world):
    with app.app_context():
        received_dossier(app, db, world)
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(update(DossierEvent).values(note="sửa lại"))
        db.session.rollback()
        assert db.session.scalars(select(DossierEvent.note)).one() is None


def test_deleting_an_event_is_refused_by_the_database(app, db, world):
    with app.app_context():
        received_dossier(app, db, world)
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(delete(DossierEvent))
        db.session.rollback()
        assert count(db.session, DossierEvent) == 1


def test_raw_sql_cannot_change_an_event_either(app, db, world):
    with app.app_context():
        received_dossier(app, db, world)
        with db.engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("UPDATE dossier_events SET kind = 'returned'"))


def test_editing_an_event_through_the_orm_fails_at_commit(app, db, world):
    with app.app_context():
        received_dossier(app, db, world)
        event = db.session.scalars(select(DossierEvent)).one()
        event.note = "ghi đè"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()


def test_event_and_outbox_roll_back_together(app, db, world):
    with app.app_context():
        dossier = received_dossier(app, db, world)
        actor = db.session.get(Account, world.accounts["reception"].id)
        with pytest.raises(RuntimeError):
            dossier.status = "in_processing"
            record_event(db.session, dossier, "transferred", actor=actor,
                         from_status="received")
            assert count(db.session, DossierEvent) == 2  # flushed, not yet committed
            assert count(db.session, OutboxEntry) == 2
            raise RuntimeError("the transfer failed after the event was recorded")
        db.session.rollback()
        assert count(db.session, DossierEvent) == 1
        assert count(db.session, OutboxEntry) == 1
        assert db.session.get(Dossier, dossier.id).status == "received"


def test_event_and_outbox_commit_together(app, db, world):
    with app.app_context():
        dossier = received_dossier(app, db, world)
        actor = db.session.get(Account, world.accounts["reception"].id)
        dossier.status = "in_processing"
        event = record_event(db.session, dossier, "transferred", actor=actor,
                             from_status="received", note="Chuyển phòng chuyên môn")
        db.session.commit()
        outbox = db.session.scalars(select(OutboxEntry).where(
            OutboxEntry.event_id == event.id)).one()
        assert outbox.topic == "dossier.event"
        assert outbox.payload["event"] == {
            "sequence": 2, "kind": "transferred", "at": event.at.isoformat(),
            "actor": "Nguyễn Thị Lễ Tân", "from_status": "received",
            "to_status": "in_processing", "note": "Chuyển phòng chuyên môn",
        }
        assert outbox.payload["dossier"]["status"] == "in_processing"


def test_event_sequences_run_one_to_n_per_dossier(app, db, world):
    with app.app_context():
        first = received_dossier(app, db, world)
        second = received_dossier(app, db, world)
        actor = db.session.get(Account, world.accounts["reception"].id)
        for n in range(4):
            record_event(db.session, first, "note_added", actor=actor, note=f"ghi chú {n}")
        record_event(db.session, second, "note_added", actor=None)
        db.session.commit()

        def sequences(dossier):
            return list(db.session.scalars(select(DossierEvent.sequence).where(
                DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.id)))

        assert sequences(first) == [1, 2, 3, 4, 5]
        assert sequences(second) == [1, 2]


def test_duplicate_event_sequence_is_refused_by_the_database(app, db, world):
    with app.app_context():
        dossier = received_dossier(app, db, world)
        db.session.add(DossierEvent(dossier_id=dossier.id, sequence=1, kind="received"))
        with pytest.raises(DBAPIError):
            db.session.flush()
        db.session.rollback()


def test_concurrent_events_on_one_dossier_are_numbered_without_gaps(app, db, world):
    import threading

    with app.app_context():
        dossier_id = received_dossier(app, db, world).id
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        for n in range(10):
            session = db.session_factory()
            try:
                dossier = session.get(Dossier, dossier_id)
                record_event(session, dossier, "note_added", actor=None, note=str(n))
                session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
                session.rollback()
            finally:
                session.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    with app.app_context():
        sequences = db.session.scalars(select(DossierEvent.sequence).where(
            DossierEvent.dossier_id == dossier_id).order_by(DossierEvent.sequence)).all()
        assert sequences == list(range(1, 42))
        assert count(db.session, OutboxEntry) == 41
