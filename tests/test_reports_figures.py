"""Report figures against a hand-computed fixture: September 2026 at the district of the
test province, with dossiers in every category, the National Day holidays (31 Aug - 2 Sep,
after a weekend), a supplement pause and an apology.

Household-business registration: 3 working days; workflow: the finance office's review,
then the district leader's approval (whose approval is the resolution time).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from motcua.core.models import Account, Dossier, Unit
from motcua.core.reports.categories import on_time_rate
from motcua.core.reports.figures import Scope, dossiers_in, figures
from motcua.core.reports.periods import parse_period
from motcua.core.timeutil import replaying_at
from motcua.core.workflow import actions
from tests.test_workflow_support import receive, vn

REPORT_TIME = vn(2026, 10, 5, 9, 0)
# Each dossier: (name, [(moment, action, keyword arguments)]) after its intake.
# The expected categories are written next to each, and counted by hand below.


def _story(app, session, routing, received: datetime, steps: list, channel="in_person"):  # noqa: ANN001, ANN202
    with replaying_at(received):
        dossier = receive(session, app, routing, channel=channel)
    for moment, action, kwargs in steps:
        with replaying_at(moment):
            dossier = session.get(Dossier, dossier.id)
            actor = routing.account(session, kwargs.pop("by"))
            getattr(actions, action)(session, dossier, actor, **kwargs)
            session.commit()
    return dossier.code


def _resolve(at_claim: datetime, at_approval: datetime) -> list:
    """Review claimed and submitted, approved by the district leader at ``at_approval``."""
    return [(at_claim, "claim", {"by": "specialist"}),
            (at_claim.replace(minute=30), "submit_for_approval", {"by": "specialist"}),
            (at_approval, "approve", {"by": "leader"})]


@pytest.fixture
def september(app, db, routing):
    """The fixture's dossiers; returns {name: code}."""
    with app.app_context():
        s = db.session
        codes = {
            # Received Fri 28 Aug; due Mon 7 Sep (31 Aug - 2 Sep are holidays, 29-30 the
            # weekend); approved Fri 4 Sep: carried over, resolved EARLY. Without the
            # holidays it would have been due Wed 2 Sep and late.
            "D1": _story(app, s, routing, vn(2026, 8, 28, 9), _resolve(
                vn(2026, 8, 28, 10), vn(2026, 9, 4, 10))),
            # Received Thu 3 Sep 10:00, due Tue 8 Sep 10:00; approved that morning 9:30:
            # ON TIME (the deadline's own day is not early).
            "D2": _story(app, s, routing, vn(2026, 9, 3, 10), _resolve(
                vn(2026, 9, 4, 8), vn(2026, 9, 8, 9, 30))),
            # Received Mon 7 Sep 8:00, due Thu 10 Sep 8:00; supplement asked Tue 8 Sep 8:00,
            # brought Fri 11 Sep 8:00: 3 working days paused, due Tue 15 Sep 8:00;
            # approved Tue 15 Sep 7:45: ON TIME (past the first due date, not late).
            "D3": _story(app, s, routing, vn(2026, 9, 7, 8), [
                (vn(2026, 9, 7, 9), "claim", {"by": "specialist"}),
                (vn(2026, 9, 8, 8), "request_supplement",
                 {"by": "specialist", "missing": ["Bản sao giấy tờ pháp lý"]}),
                (vn(2026, 9, 11, 8), "record_supplement", {"by": "reception"}),
                (vn(2026, 9, 14, 9), "submit_for_approval", {"by": "specialist"}),
                (vn(2026, 9, 15, 7, 45), "approve", {"by": "leader"})]),
            # Received Mon 7 Sep 9:00, due Thu 10 Sep 9:00; apology at 8:00 that day with a
            # new appointment Mon 14 Sep; approved Fri 11 Sep: LATE all the same.
            "D4": _story(app, s, routing, vn(2026, 9, 7, 9), [
                (vn(2026, 9, 7, 10), "claim", {"by": "specialist"}),
                (vn(2026, 9, 10, 8), "apologize", {"by": "specialist",
                                                   "new_due_at": vn(2026, 9, 14, 9),
                                                   "reason": "Cần xác minh thêm"}),
                (vn(2026, 9, 10, 9, 30), "submit_for_approval", {"by": "specialist"}),
                (vn(2026, 9, 11, 10), "approve", {"by": "leader"})]),
            # Received ONLINE Mon 14 Sep, due Thu 17 Sep 9:00; approved Fri 18 Sep: LATE.
            "D5": _story(app, s, routing, vn(2026, 9, 14, 9), _resolve(
                vn(2026, 9, 14, 10), vn(2026, 9, 18, 10)), channel="online"),
            # REFUSED on Wed 16 Sep.
            "D6": _story(app, s, routing, vn(2026, 9, 15, 9), [
                (vn(2026, 9, 15, 10), "claim", {"by": "specialist"}),
                (vn(2026, 9, 16, 10), "refuse", {"by": "specialist",
                                                 "reason": "Ngành nghề cấm kinh doanh"})]),
            # WITHDRAWN by the applicant on Thu 17 Sep.
            "D7": _story(app, s, routing, vn(2026, 9, 16, 9), [
                (vn(2026, 9, 17, 9), "withdraw", {"by": "reception",
                                                  "reason": "Người nộp xin rút hồ sơ"})]),
            # Received Tue 29 Sep, due Fri 2 Oct: IN PROCESSING, ON TIME at the end.
            "D8": _story(app, s, routing, vn(2026, 9, 29, 9), [
                (vn(2026, 9, 29, 10), "claim", {"by": "specialist"})]),
            # Received Tue 22 Sep, due Fri 25 Sep: IN PROCESSING, OVERDUE at the end.
            "D9": _story(app, s, routing, vn(2026, 9, 22, 9), [
                (vn(2026, 9, 22, 10), "claim", {"by": "specialist"})]),
            # Received Mon 21 Sep, due Thu 24 Sep; supplement asked Tue 22 Sep and never
            # brought: IN PROCESSING with its clock stopped, so ON TIME, not overdue.
            "D10": _story(app, s, routing, vn(2026, 9, 21, 9), [
                (vn(2026, 9, 21, 10), "claim", {"by": "specialist"}),
                (vn(2026, 9, 22, 9), "request_supplement",
                 {"by": "specialist", "missing": ["Giấy đề nghị"]})]),
            # Received and approved in August: NOT COUNTED.
            "D11": _story(app, s, routing, vn(2026, 8, 24, 9), _resolve(
                vn(2026, 8, 24, 10), vn(2026, 8, 26, 10))),
            # Received Thu 1 Oct: NOT COUNTED.
            "D12": _story(app, s, routing, vn(2026, 10, 1, 9), []),
            # Received Thu 27 Aug, due Fri 4 Sep, still with the finance office: CARRIED
            # OVER, IN PROCESSING, OVERDUE.
            "D13": _story(app, s, routing, vn(2026, 8, 27, 9), [
                (vn(2026, 8, 27, 10), "claim", {"by": "specialist"})]),
        }
        db.remove()
    return codes


EXPECTED = {
    "carried_over": 2,          # D1, D13
    "received_online": 1,       # D5
    "received_in_person": 8,    # D2, D3, D4, D6, D7, D8, D9, D10
    "to_handle": 11,            # 2 carried over + 9 received
    "resolved": 5,              # D1, D2, D3, D4, D5
    "early": 1,                 # D1
    "on_time": 2,               # D2, D3
    "late": 2,                  # D4 (apology does not excuse), D5
    "refused": 1,               # D6
    "withdrawn": 1,             # D7
    "in_processing": 4,         # D8, D9, D10, D13
    "in_processing_on_time": 2,  # D8, D10 (clock stopped)
    "in_processing_overdue": 2,  # D9, D13
    "supplement_requested": 2,  # D3, D10
}
MEMBERS = {
    "early": {"D1"}, "on_time": {"D2", "D3"}, "late": {"D4", "D5"},
    "in_processing_overdue": {"D9", "D13"}, "in_processing_on_time": {"D8", "D10"},
    "carried_over": {"D1", "D13"}, "supplement_requested": {"D3", "D10"},
}


def _scope(app, db, code: str) -> Scope:
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        db.session.expunge(unit)
    return Scope(root=unit)


def test_september_figures_match_the_hand_count(app, db, september):
    with app.app_context():
        (row,) = figures(db.session, _scope(app, db, "H72.01"), parse_period("2026-09"),
                         REPORT_TIME)
    assert row == EXPECTED
    assert on_time_rate(row) == pytest.approx(3 / 5)
    assert row["to_handle"] == (row["resolved"] + row["refused"] + row["withdrawn"]
                                + row["in_processing"])


def test_every_figure_lists_exactly_its_dossiers(app, db, september):
    scope, period = _scope(app, db, "H72"), parse_period("2026-09")
    names = {code: name for name, code in september.items()}
    with app.app_context():
        for category, members in MEMBERS.items():
            listed, total = dossiers_in(db.session, scope, period, REPORT_TIME, category)
            assert {names[d.code] for d in listed} == members, category
            assert total == len(members) == EXPECTED[category]


def test_other_scopes_periods_and_groups(app, db, september):
    with app.app_context():
        session = db.session
        other = figures(session, _scope(app, db, "H72.02"), parse_period("2026-09"),
                        REPORT_TIME)
        assert other == [dict.fromkeys(EXPECTED, 0)]  # another district sees nothing
        (august,) = figures(session, _scope(app, db, "H72.01"), parse_period("2026-08"),
                            REPORT_TIME)
        # In August: D11 resolved on time (due Thu 27 Aug, approved Wed 26: early);
        # D1 and D13 received and still in processing at the end of August.
        assert (august["received_in_person"], august["resolved"], august["early"],
                august["in_processing"]) == (3, 1, 1, 2)
        by_procedure = figures(session, _scope(app, db, "H72"), parse_period("2026-Q3"),
                               REPORT_TIME, group="procedure")
        assert [(r["key"], r["resolved"], r["late"]) for r in by_procedure] == [
            ("1.001612", 6, 2)]
        # Before the period is over, "now" decides what is overdue: on 24 Sep at noon,
        # D9 (due 25 Sep) was still on time.
        (mid,) = figures(session, _scope(app, db, "H72.01"), parse_period("2026-09"),
                         vn(2026, 9, 24, 12))
        listed, _total = dossiers_in(session, _scope(app, db, "H72.01"),
                                     parse_period("2026-09"), vn(2026, 9, 24, 12),
                                     "in_processing_overdue")
        assert september["D9"] not in {d.code for d in listed}
        assert mid["in_processing_overdue"] == 1  # D13 only: D9 not yet, D10's clock stopped
        db.remove()


def test_officers_scope_counts_what_passed_through_their_hands(app, db, september):
    with app.app_context():
        officer = db.session.scalar(select(Account).where(Account.username == "chuyenvien"))
        scope = Scope(root=_scope(app, db, "H72").root, officer_id=officer.id)
        (row,) = figures(db.session, scope, parse_period("2026-09"), REPORT_TIME)
        # Every dossier of the fixture but D7 (withdrawn at the desk) went through them.
        assert row["to_handle"] == 10 and row["withdrawn"] == 0


def test_the_months_chart_counts_what_each_month_counts(app, db, september):
    from motcua.core.reports.figures import resolved_by_month

    scope = _scope(app, db, "H72")
    with app.app_context():
        months = resolved_by_month(db.session, scope, parse_period("2026"), REPORT_TIME)
        assert [m.code for m, _row in months] == [f"2026-{n:02d}" for n in range(1, 11)]
        for month, row in months:
            (single,) = figures(db.session, scope, month, REPORT_TIME)
            assert row == {k: single[k] for k in ("resolved", "early", "on_time", "late")}
        assert dict(months)[parse_period("2026-09")]["late"] == 2


def test_officer_evaluation_lists_those_who_only_signed_an_apology(app, db, routing):
    from motcua.core.reports.officers import officer_rows

    with app.app_context():
        _story(app, db.session, routing, vn(2026, 11, 2, 9), [
            (vn(2026, 11, 2, 10), "claim", {"by": "specialist"}),
            (vn(2026, 11, 4, 8), "apologize", {"by": "finance_leader",
                                               "new_due_at": vn(2026, 11, 10, 9),
                                               "reason": "Cần xác minh thêm"})])
        november = parse_period("2026-11")
        rows = {row["username"]: row for row in officer_rows(
            db.session, _scope(app, db, "H72.01").root, november)}
        head = rows["truongphong"]
        assert (head["apologies"], head["steps"], head["on_time_share"]) == (1, 0, None)
        # Another district's leader sees neither the officer nor the apology.
        assert officer_rows(db.session, _scope(app, db, "H72.02").root, november) == []
        db.remove()


def test_a_pause_for_payment_is_in_processing_and_never_a_supplement(app, db, routing):
    """Hand count for two land-style dossiers of September whose clock stopped while the
    applicant paid a tax notice (status waiting_payment)."""
    with app.app_context():
        s = db.session
        # Received Mon 7 Sep 8:00, due Thu 10 Sep 8:00; paused Tue 8 Sep 8:00, paid
        # Fri 11 Sep 8:00: 3 working days, due Tue 15 Sep 8:00; approved Tue 15 Sep
        # 7:45: ON TIME although past the first due date.
        _story(app, s, routing, vn(2026, 9, 7, 8), [
            (vn(2026, 9, 7, 9), "claim", {"by": "specialist"}),
            (vn(2026, 9, 8, 8), "pause_for_payment", {"by": "specialist",
                                                      "note": "Nộp lệ phí trước bạ"}),
            (vn(2026, 9, 11, 8), "record_payment", {"by": "reception"}),
            (vn(2026, 9, 14, 9), "submit_for_approval", {"by": "specialist"}),
            (vn(2026, 9, 15, 7, 45), "approve", {"by": "leader"})])
        # Received Mon 21 Sep, due Thu 24 Sep; paused Tue 22 Sep and never paid: IN
        # PROCESSING with its clock stopped, so ON TIME, not overdue.
        _story(app, s, routing, vn(2026, 9, 21, 9), [
            (vn(2026, 9, 21, 10), "claim", {"by": "specialist"}),
            (vn(2026, 9, 22, 9), "pause_for_payment", {"by": "specialist",
                                                       "note": "Nộp thuế thu nhập cá nhân",
                                                       "notice_number": "15/TB-CCT"})])
        db.remove()
        (row,) = figures(db.session, _scope(app, db, "H72.01"), parse_period("2026-09"),
                         REPORT_TIME)
    assert (row["to_handle"], row["resolved"], row["on_time"], row["late"]) == (2, 1, 1, 0)
    assert (row["in_processing"], row["in_processing_on_time"],
            row["in_processing_overdue"]) == (1, 1, 0)
    assert row["supplement_requested"] == 0
