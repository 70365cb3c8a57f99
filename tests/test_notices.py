"""In-app notices: made in the flush of the event they tell about (so never lost, never
without their event), to whoever must act next; the near-deadline scan and its command
are idempotent; officers read and mark their own notices only."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from motcua.core.commands.notices import notices_group
from motcua.core.models import Dossier, DossierEvent, Notice
from motcua.core.notices import scan_due_soon, unread_count
from motcua.core.workflow import actions
from motcua.core.workflow.overdue import check_overdue
from tests.conftest import login
from tests.test_workflow_support import receive, vn


def notices(session, dossier: Dossier, reason: str | None = None) -> dict[str, set[str]]:
    """username -> reasons of the dossier's notices."""
    statement = select(Notice).where(Notice.dossier_id == dossier.id)
    if reason:
        statement = statement.where(Notice.reason == reason)
    found: dict[str, set[str]] = {}
    for notice in session.scalars(statement):
        found.setdefault(notice.account.username, set()).add(notice.reason)
    return found


def test_each_hand_over_notifies_whoever_must_act_next(app, db, routing, clock):
    with app.app_context():
        session = db.session
        account = lambda name: routing.account(session, name)  # noqa: E731
        dossier = receive(session, app, routing)
        # Unclaimed at the finance office: both of its specialists, nobody else.
        assert notices(session, dossier) == {"chuyenvien": {"arrived"},
                                            "chuyenvien2": {"arrived"}}
        actions.assign(session, dossier, account("finance_leader"), "chuyenvien2")
        session.commit()
        assert notices(session, dossier, "assigned") == {"chuyenvien2": {"assigned"}}

        actions.transfer(session, dossier, account("specialist2"), to_unit="H72.T01")
        session.commit()
        assert set(notices(session, dossier, "arrived")) == {"chuyenvien", "chuyenvien2",
                                                              "thue"}
        def arrivals() -> Counter:
            return Counter(notice.account.username for notice in session.scalars(select(
                Notice).where(Notice.dossier_id == dossier.id, Notice.reason == "arrived")))

        before = arrivals()
        actions.transfer(session, dossier, account("tax_specialist"), to_unit="H72.01.02")
        session.commit()
        # Back with the colleague who sent it: only they are told it arrived.
        assert arrivals() - before == Counter({"chuyenvien2": 1})
        actions.assign(session, dossier, account("finance_leader"), "chuyenvien")
        actions.request_supplement(session, dossier, account("specialist"), missing=["A"])
        session.commit()
        assert notices(session, dossier, "supplement_requested") == {
            "letan": {"supplement_requested"}}
        actions.record_supplement(session, dossier, account("reception"))
        session.commit()
        # The actor (the desk) is not told; the holder is.
        assert notices(session, dossier, "supplemented") == {"chuyenvien": {"supplemented"}}

        actions.submit_for_approval(session, dossier, account("specialist"))
        session.commit()
        assert "lanhdao" in notices(session, dossier, "arrived")
        actions.send_back(session, dossier, account("leader"), to_step=0, reason="Sửa")
        session.commit()
        assert notices(session, dossier, "returned_to_step") == {
            "chuyenvien": {"returned_to_step"}}
        actions.submit_for_approval(session, dossier, account("specialist"))
        actions.approve(session, dossier, account("leader"))
        session.commit()
        assert notices(session, dossier, "result_ready") == {"letan": {"result_ready"}}
        # Nobody is ever told about their own action.
        for notice in session.scalars(select(Notice).where(Notice.event_id.is_not(None))):
            assert notice.account_id != notice.event.actor_id
        db.remove()


def test_refusal_and_overdue_notices(app, db, routing, clock):
    with app.app_context():
        session = db.session
        refused = receive(session, app, routing)
        late = receive(session, app, routing)
        specialist = routing.account(session, "specialist")
        actions.claim(session, refused, specialist)
        actions.refuse(session, refused, specialist, reason="Không đủ điều kiện")
        session.commit()
        assert notices(session, refused, "refused") == {"letan": {"refused"}}

        actions.claim(session, late, specialist)
        session.commit()
        clock.set(vn(2026, 12, 21, 9, 0))
        assert check_overdue(session) == 1
        assert notices(session, late, "overdue") == {"chuyenvien": {"overdue"}}
        db.remove()


def test_a_refused_action_leaves_no_notice_and_a_rollback_takes_them_away(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        before = session.scalar(select(func.count(Notice.id)))
        with pytest.raises(Exception):  # noqa: B017 - Forbidden: the desk cannot forward
            actions.forward(session, dossier, routing.account(session, "reception"))
        session.rollback()
        actions.assign(session, dossier, routing.account(session, "finance_leader"),
                       "chuyenvien")
        session.flush()
        assert session.scalar(select(func.count(Notice.id))) == before + 1
        session.rollback()
        assert session.scalar(select(func.count(Notice.id))) == before
        # Every notice about an event points at a stored event of its dossier.
        for notice in session.scalars(select(Notice)):
            assert session.get(DossierEvent, notice.event_id).dossier_id == notice.dossier_id
        db.remove()


def test_the_near_deadline_scan_warns_once_per_deadline(app, db, routing, clock):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        assert scan_due_soon(session) == 0  # three working days away
        clock.set(dossier.due_at - timedelta(hours=2))
        assert scan_due_soon(session) == 2  # both specialists of the unclaimed step
        assert scan_due_soon(session) == 0
        assert notices(session, dossier, "due_soon") == {"chuyenvien": {"due_soon"},
                                                         "chuyenvien2": {"due_soon"}}
        # The unique key makes a second notice impossible even past the check.
        first = session.scalar(select(Notice).where(Notice.reason == "due_soon"))
        session.add(Notice(account_id=first.account_id, dossier_id=dossier.id,
                           reason="due_soon", dedupe_key=first.dedupe_key, data={}))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        # A new appointment is a new deadline: its holder is warned about it again.
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        actions.apologize(session, dossier, specialist, new_due_at=dossier.due_at
                          + timedelta(hours=1), reason="Chờ ý kiến")
        session.commit()
        assert scan_due_soon(session) == 1
        assert scan_due_soon(session) == 0
        # Finished or paused dossiers are not warned about.
        actions.request_supplement(session, dossier, specialist, missing=["B"])
        session.commit()
        clock.set(clock.moment + timedelta(minutes=30))
        assert scan_due_soon(session) == 0
        db.remove()


def test_a_step_nearing_its_deadline_warns_its_holder_once(app, db, routing, clock):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)  # Monday 09:00, step 1 has 1.5 days
        specialist = routing.account(session, "specialist")
        actions.claim(session, dossier, specialist)
        session.commit()
        # Monday 15:00: 8h15 of working time left, more than half of 1.5 days: not yet.
        clock.set(vn(2026, 12, 7, 15, 0))
        assert scan_due_soon(session) == 0
        # Tuesday 10:00: 3h45 left: the holder (only) is warned, once.
        clock.set(vn(2026, 12, 8, 10, 0))
        assert scan_due_soon(session) == 1
        assert scan_due_soon(session) == 0
        assert notices(session, dossier, "step_due_soon") == {"chuyenvien": {"step_due_soon"}}
        notice = session.scalar(select(Notice).where(Notice.reason == "step_due_soon"))
        assert notice.data["step"] == "Thẩm định hồ sơ"
        db.remove()


def test_the_scan_command(app, db, routing, clock):
    with app.app_context():
        dossier = receive(db.session, app, routing)
        due = dossier.due_at
        db.remove()
    runner = app.test_cli_runner()
    clock.set(due - timedelta(hours=1))
    result = runner.invoke(notices_group, ["scan"])
    assert result.exit_code == 0, result.output
    assert "2 notice(s) made." in result.output
    result = runner.invoke(notices_group, ["scan"])
    assert "0 notice(s) made." in result.output
    result = runner.invoke(notices_group, ["scan", "--days", "0"])
    assert result.exit_code != 0


def test_officers_read_their_own_notices(app, db, routing, clock):
    with app.app_context():
        dossier = receive(db.session, app, routing)
        code = dossier.code
        db.remove()
    specialist = login(app.test_client(), "chuyenvien")
    page = specialist.get("/department/notices")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and code in body and "Arrived in your queue" in body
    assert "data-unread-count>1<" in body.replace(" ", "")
    with app.app_context():
        mine = db.session.scalar(select(Notice).join(Notice.account).where(
            Notice.account.has(username="chuyenvien")))
        theirs = db.session.scalar(select(Notice).where(Notice.account.has(
            username="chuyenvien2")))
        mine_id, theirs_id = mine.id, theirs.id
        db.remove()
    # Someone else's notice can neither be opened nor marked read.
    assert specialist.post(f"/department/notices/{theirs_id}/open").status_code == 404
    specialist.post("/department/notices/read", data={"notice_id": str(theirs_id)})
    response = specialist.post(f"/department/notices/{mine_id}/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/department/dossiers/{code}")
    with app.app_context():
        session = db.session
        assert session.get(Notice, mine_id).read_at is not None
        assert session.get(Notice, theirs_id).read_at is None
        assert unread_count(session, routing.account(session, "specialist2")) == 1
        db.remove()
    colleague = login(app.test_client(), "chuyenvien2")
    assert colleague.post("/department/notices/read").status_code == 302
    assert "data-unread-count" not in colleague.get("/department/").get_data(as_text=True)
    assert colleague.post("/department/notices/read", data={"notice_id": "x"}
                          ).status_code == 400
