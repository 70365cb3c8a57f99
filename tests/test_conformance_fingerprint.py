"""The fingerprint the ``safe_gets`` conformance check compares around each GET: it sees
an update that keeps the row count, an insert and a delete, in any table, and leaves out
only the core's own read bookkeeping (the audit of reads)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update

from motcua.conformance.fingerprint import READ_BOOKKEEPING, fingerprint, written
from motcua.conformance.instance import Instance
from motcua.core.audit.chain import append
from motcua.core.models import CalendarOverride, Unit


def test_an_unchanged_database_has_the_same_fingerprint(app, db, world):
    instance = Instance(app=app, url="", world=world)
    first = fingerprint(instance)
    assert "units" in first and "dossiers" in first
    assert written(first, fingerprint(instance)) == []


def test_an_update_an_insert_and_a_delete_are_each_seen(app, db, world):
    instance = Instance(app=app, url="", world=world)
    with app.app_context():
        session = db.session
        before = fingerprint(instance)
        count = len(session.scalars(select(Unit)).all())
        unit = session.scalars(select(Unit).order_by(Unit.id.desc())).first()
        # Same number of rows: only the hash of the rows tells.
        session.execute(update(Unit).where(Unit.id == unit.id).values(name=unit.name + "!"))
        session.commit()
        renamed = fingerprint(instance)
        assert written(before, renamed) == [f"units ({count} -> {count} rows)"]
        append(session, "test.read", target="x")  # the core auditing a read
        session.commit()
        assert written(renamed, fingerprint(instance)) == []
        overrides = len(session.scalars(select(CalendarOverride)).all())
        session.add(CalendarOverride(day=date(2031, 1, 2), kind="holiday", note="test"))
        session.commit()
        added = fingerprint(instance)
        assert written(renamed, added) == [
            f"calendar_overrides ({overrides} -> {overrides + 1} rows)"]
        session.execute(delete(CalendarOverride).where(
            CalendarOverride.day == date(2031, 1, 2)))
        session.commit()
        assert written(added, fingerprint(instance)) == [
            f"calendar_overrides ({overrides + 1} -> {overrides} rows)"]
        db.remove()


def test_only_the_cores_read_bookkeeping_is_left_out():
    assert set(READ_BOOKKEEPING) == {"audit_log", "audit_head", "plugin_failures"}
    assert all(READ_BOOKKEEPING.values())  # each exclusion says why
