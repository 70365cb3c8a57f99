"""Random sequences of routing actions by random officers (hypothesis stateful testing).

Illegal actions must be refused with a message and change nothing; legal ones must keep
every invariant: the status follows the contract's table, one holder at a time, events
numbered without gaps with one outbox row each and never changed afterwards, final
states stay final, deadlines only ever move later, by exactly the paused working time
after a supplement; the step's deadline (and its open hand-over's) is the step's working
time from the calendar plus the pauses since it began; the periodic overdue check records
at most one ``overdue`` event, and one for a running dossier past its deadline; a
dossier is judged on time or late against its deadline before any apology.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from motcua.core.errors import Conflict, Forbidden, MotcuaError, ValidationError
from motcua.core.intake import load_calendar
from motcua.core.models import (
    FINAL_STATUSES,
    PAUSED_STATUSES,
    Account,
    Dossier,
    DossierEvent,
    DossierWorkflow,
    OutboxEntry,
    StepHolding,
)
from motcua.core.workflow import actions, authorization
from motcua.core.workflow.control import original_due_at
from motcua.core.workflow.deadlines import (
    MINUTES_PER_DAY,
    add_working_minutes,
    working_minutes_between,
)
from motcua.core.workflow.lateness import dossier_is_late
from motcua.core.workflow.overdue import check_overdue
from tests.test_workflow_support import Clock, add_routing, receive, vn

OFFICERS = ("reception", "specialist", "specialist2", "finance_leader", "leader",
            "tax_specialist", "planning_specialist", "justice_specialist", "other_specialist",
            "other_leader", "other_reception", "ict_admin")
UNITS = ("H72.T01", "H72.03", "H72.01.03", "H72.01.02", "function:tax", "parent", "H99.99",
         "", "H72.01")
KIND_OF = {
    "claim": "claimed", "assign": "assigned", "forward": "forwarded",
    "send_back": "sent_back", "transfer": "transferred",
    "submit_for_approval": "submitted_for_approval", "approve": "approved",
    "request_supplement": "supplement_requested", "record_supplement": "supplemented",
    "pause_for_payment": "paused_for_payment", "record_payment": "payment_recorded",
    "apologize": "apology", "refuse": "refused", "withdraw": "withdrawn",
    "issue_result": "result_issued", "return_result": "returned",
}
PROCESSING = {"claimed", "assigned", "forwarded", "sent_back", "transferred", "supplemented",
              "payment_recorded"}
RESUMED = ("supplemented", "payment_recorded")
# Weighted toward progress, so sequences reach approval, result and return.
WORK = ("claim", "claim", "assign", "forward", "forward", "forward", "submit_for_approval",
        "submit_for_approval", "submit_for_approval", "transfer", "send_back",
        "request_supplement", "pause_for_payment", "apologize", "issue_result", "refuse",
        "withdraw")
PLAUSIBLE = {
    "received": WORK, "in_processing": WORK, "waiting_other_agency": WORK,
    "waiting_approval": ("approve", "approve", "approve", "approve", "send_back",
                         "issue_result", "issue_result", "refuse", "apologize"),
    "waiting_supplement": ("record_supplement", "record_supplement", "withdraw", "refuse"),
    "waiting_payment": ("record_payment", "record_payment", "withdraw", "refuse"),
    "result_ready": ("issue_result", "return_result", "return_result"),
}
STEPS = [
    {"name": "Thẩm định", "role": "specialist", "days": 1, "unit": "function:finance"},
    {"name": "Xác minh", "role": "specialist", "days": 0.5, "unit": "function:justice"},
    {"name": "Trưởng phòng duyệt", "role": "leader", "days": 0.5, "unit": "H72.01.02"},
    {"name": "Lãnh đạo ký", "role": "leader", "days": 1, "unit": "parent"},
]


def _arguments(data, name: str, dossier: Dossier) -> dict:  # noqa: ANN001
    """Arguments for ``name``: sometimes valid, sometimes not."""
    text = st.sampled_from(["Lý do", "", "   ", None])
    draw = data.draw
    if name == "assign":
        return {"to_account": draw(st.sampled_from(
            ["chuyenvien", "chuyenvien2", "thue", "tuphap", "truongphong", "nobody"]))}
    if name == "send_back":
        return {"to_step": draw(st.integers(-1, 4)), "reason": draw(text)}
    if name == "transfer":
        return {"to_unit": draw(st.sampled_from(UNITS)), "note": draw(text)}
    if name == "request_supplement":
        return {"missing": draw(st.sampled_from([["CCCD"], ["CCCD", "Ảnh"], [], "CCCD",
                                                 ["", "x"]]))}
    if name == "pause_for_payment":
        return {"note": draw(text), "amount": draw(st.sampled_from([None, 1_500_000, 0, -1])),
                "notice_number": draw(st.sampled_from([None, "12/TB-CCT", "x" * 101]))}
    if name == "apologize":
        shift = draw(st.integers(-3, 12))
        return {"new_due_at": dossier.due_at + timedelta(days=shift), "reason": draw(text)}
    if name in ("refuse", "withdraw"):
        return {"reason": draw(text)}
    if name == "issue_result":
        return {"result": draw(st.sampled_from([{"number": "HKD-1"}, {}, {"number": ""},
                                                "HKD", {"number": "A", "pages": 2}]))}
    if name == "return_result":
        return {"collected_by": draw(st.sampled_from(["Nguyễn Văn An", "", None])),
                "method": draw(st.sampled_from(["in_person", "post", "online", "pigeon"]))}
    if name in ("forward", "submit_for_approval", "approve", "record_supplement",
                "record_payment"):
        return {"note": draw(st.sampled_from(["Ghi chú", None]))}
    return {}


def test_random_actions_keep_every_invariant(app, db, world, monkeypatch):
    clock = Clock(monkeypatch, vn(2026, 12, 7, 8, 0))
    with app.app_context():
        routing = add_routing(db.session, world, steps=STEPS)
        account_ids = {name: a.id for name, a in routing.accounts.items()}
        db.remove()

    class RoutingMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.context = app.app_context()
            self.context.push()
            self.session = db.session
            clock.set(clock.moment + timedelta(days=1))
            self.dossier = receive(self.session, app, routing)
            self.due_at = self.dossier.due_at
            self.final = False
            self.history: list[tuple] = []
            # The model of the deadlines, from the calendar: the current step began at
            # step_start, has step_minutes of working time, plus the pauses since.
            calendar = load_calendar(self.session)
            self.step_start = calendar.clock_start(self.dossier.received_at)
            self.step_minutes = round(STEPS[0]["days"] * MINUTES_PER_DAY)
            self.step_paused = 0
            self.at_step = True
            # The deadline the dossier is judged against: apologies do not move it.
            self.judged_due = self.dossier.due_at

        def teardown(self) -> None:
            db.remove()
            self.context.pop()

        def _counts(self) -> tuple[int, int]:
            events = self.session.scalar(select(func.count()).select_from(DossierEvent).where(
                DossierEvent.dossier_id == self.dossier.id))
            outbox = self.session.scalar(select(func.count()).select_from(OutboxEntry).where(
                OutboxEntry.dossier_id == self.dossier.id))
            return events, outbox

        # Office-hour spans as well as any: hypothesis favours tiny integers, which would
        # leave every pause and step at zero working minutes.
        @rule(minutes=st.one_of(st.sampled_from([45, 120, 300, 24 * 60, 2 * 24 * 60]),
                                st.integers(0, 3 * 24 * 60)))
        def time_passes(self, minutes: int) -> None:
            clock.set(clock.moment + timedelta(minutes=minutes))

        @rule(data=st.data(), name=st.sampled_from(sorted(actions.ACTIONS)),
              who=st.sampled_from(OFFICERS),
              version=st.sampled_from(["none", "current", "stale"]))
        def act(self, data, name: str, who: str, version: str) -> None:  # noqa: ANN001
            """Anything by anyone: mostly refused."""
            self._attempt(name, who, _arguments(data, name, self.dossier), version)

        @rule(data=st.data())
        def plausible_move(self, data) -> None:  # noqa: ANN001
            """A move that fits the dossier's state, by an officer involved with it (still
            refused at times: the wrong role, a held dossier, the wrong next step)."""
            dossier = self.dossier
            name = data.draw(st.sampled_from(PLAUSIBLE.get(dossier.status, ("claim",))))
            involved = [who for who in OFFICERS if authorization.is_involved(
                self.session.get(Account, account_ids[who]), dossier)] or ["reception"]
            who = data.draw(st.sampled_from(involved))
            instance = self.session.get(DossierWorkflow, dossier.id)
            kwargs = {
                "assign": {"to_account": data.draw(st.sampled_from(["chuyenvien2", "tuphap"]))},
                "send_back": {"to_step": max(instance.step_index - 1, 0), "reason": "Lại"},
                "transfer": {"to_unit": data.draw(st.sampled_from(UNITS[:6]))},
                "request_supplement": {"missing": ["CCCD"]},
                "pause_for_payment": {"note": "Nộp lệ phí trước bạ"},
                "apologize": {"new_due_at": dossier.due_at + timedelta(days=2),
                              "reason": "Trễ"},
                "refuse": {"reason": "Không đủ"}, "withdraw": {"reason": "Rút"},
                "issue_result": {"result": {"number": "HKD-9"}},
                "return_result": {"collected_by": "An", "method": "post"},
            }.get(name, {})
            self._attempt(name, who, dict(kwargs), "current")

        def _attempt(self, name: str, who: str, kwargs: dict, version: str) -> None:
            session, dossier = self.session, self.dossier
            actor = session.get(Account, account_ids[who])
            before = (dossier.version, dossier.status, dossier.holder_unit_id,
                      dossier.holder_account_id, dossier.due_at)
            counts = self._counts()
            instance = session.get(DossierWorkflow, dossier.id)
            paused_at, step_index = instance.paused_at, instance.step_index
            expected = {"none": None, "current": dossier.version,
                        "stale": dossier.version - 1}[version]
            args = [kwargs.pop("to_account")] if name == "assign" else []
            offered = actions.available_actions(session, dossier, actor)
            try:
                event = actions.ACTIONS[name](session, dossier, actor, *args,
                                              expected_version=expected, **kwargs)
                session.commit()
            except MotcuaError as error:
                session.rollback()
                assert isinstance(error, Conflict | Forbidden | ValidationError)
                assert error.message.strip()
                if version == "stale":
                    # Only someone involved learns that the dossier moved on.
                    assert isinstance(error, Conflict if authorization.is_involved(
                        actor, dossier) else Forbidden), (who, name, error)
                session.expire_all()
                assert (dossier.version, dossier.status, dossier.holder_unit_id,
                        dossier.holder_account_id, dossier.due_at) == before
                assert self._counts() == counts
                return
            assert version != "stale", "a stale version must conflict"
            assert name in offered, f"{name} by {who} succeeded but was not offered"
            assert not self.final, f"{name} succeeded on a {before[1]} dossier"
            assert self._counts() == (counts[0] + 1, counts[1] + 1)
            assert dossier.version == before[0] + 1  # one write per action
            assert event.kind == KIND_OF[name]
            assert event.to_status == dossier.status and event.from_status == before[1]
            self._check_status(event, step_index)
            if event.kind in RESUMED:
                calendar = load_calendar(session)
                minutes = working_minutes_between(calendar, paused_at, clock.moment)
                assert event.data["paused_working_minutes"] == minutes
                assert dossier.due_at == add_working_minutes(calendar, before[4], minutes)
                self.step_paused += minutes
                self.judged_due = add_working_minutes(calendar, self.judged_due, minutes)
            self._follow_step(event)
            self.final = dossier.status in FINAL_STATUSES

        def _follow_step(self, event: DossierEvent) -> None:
            """Move the deadline model along with a step change."""
            to_step = event.data.get("to_step") if isinstance(event.data, dict) else None
            if event.kind in ("forwarded", "submitted_for_approval", "sent_back") or (
                    event.kind == "approved" and to_step is not None):
                self.step_start, self.step_paused = event.at, 0
                self.step_minutes = round(STEPS[to_step]["days"] * MINUTES_PER_DAY)
            elif event.kind in ("approved", "result_issued", "refused", "withdrawn",
                                "returned"):
                self.at_step = False

        def _check_status(self, event: DossierEvent, step_index: int) -> None:
            dossier, kind = self.dossier, event.kind
            status = dossier.status
            if kind in PROCESSING:
                assert status == actions.processing_status(self.session, dossier,
                                                           dossier.holder_unit)
            elif kind == "approved":
                instance = self.session.get(DossierWorkflow, dossier.id)
                if event.data["to_step"] is None:
                    assert status == "result_ready"
                elif instance.steps[instance.step_index]["role"] == "leader":
                    assert status == "waiting_approval"
                else:
                    assert status == actions.processing_status(self.session, dossier,
                                                               dossier.holder_unit)
            elif kind == "apology":
                assert status == event.from_status
            else:
                assert status == {
                    "submitted_for_approval": "waiting_approval",
                    "supplement_requested": "waiting_supplement",
                    "paused_for_payment": "waiting_payment",
                    "result_issued": "result_ready", "returned": "returned",
                    "refused": "refused", "withdrawn": "withdrawn"}[kind]

        @rule()
        def overdue_check_runs(self) -> None:
            """The periodic check, as the scheduler runs it (it commits per dossier)."""
            check_overdue(self.session, clock.moment)
            dossier = self.dossier
            overdue = self.session.scalar(select(func.count()).select_from(DossierEvent)
                                          .where(DossierEvent.dossier_id == dossier.id,
                                                 DossierEvent.kind == "overdue"))
            assert overdue <= 1
            running = dossier.status not in (*FINAL_STATUSES, *PAUSED_STATUSES)
            if running and dossier.finished_at is None and dossier.due_at < clock.moment:
                assert overdue == 1

        @invariant()
        def past_events_never_change(self) -> None:
            rows = [(e.sequence, e.kind, e.at, e.actor_id, e.from_status, e.to_status,
                     e.from_unit_id, e.to_unit_id, e.note, dict(e.data or {}))
                    for e in self.session.scalars(select(DossierEvent).where(
                        DossierEvent.dossier_id == self.dossier.id)
                        .order_by(DossierEvent.sequence))]
            assert rows[:len(self.history)] == self.history
            self.history = rows

        @invariant()
        def step_deadline_is_its_working_time_plus_pauses(self) -> None:
            instance = self.session.get(DossierWorkflow, self.dossier.id)
            holding = actions.open_holding(self.session, self.dossier)
            if not self.at_step:
                assert instance.step_due_at is None
                assert holding is None or holding.due_at is None
                return
            calendar = load_calendar(self.session)
            expected = add_working_minutes(calendar, self.step_start,
                                           self.step_minutes + self.step_paused)
            assert instance.step_due_at == expected
            assert holding is not None and holding.due_at == expected

        @invariant()
        def judged_against_the_deadline_before_any_apology(self) -> None:
            dossier, session = self.dossier, self.session
            assert original_due_at(session, dossier) == self.judged_due
            if dossier.finished_at is not None:
                assert dossier_is_late(dossier) == (dossier.finished_at > self.judged_due)
            elif dossier.status not in PAUSED_STATUSES:
                assert dossier_is_late(dossier) == (clock.moment > self.judged_due)

        @invariant()
        def events_are_contiguous_with_one_outbox_row_each(self) -> None:
            sequences = list(self.session.scalars(select(DossierEvent.sequence).where(
                DossierEvent.dossier_id == self.dossier.id).order_by(DossierEvent.sequence)))
            assert sequences == list(range(1, len(sequences) + 1))
            assert self._counts()[1] == len(sequences)

        @invariant()
        def one_holder_at_a_time(self) -> None:
            dossier = self.dossier
            open_rows = list(self.session.scalars(select(StepHolding).where(
                StepHolding.dossier_id == dossier.id, StepHolding.time_out.is_(None))))
            if dossier.status in FINAL_STATUSES:
                assert open_rows == []
            else:
                assert len(open_rows) == 1
                assert open_rows[0].unit_id == dossier.holder_unit_id
            rows = list(self.session.scalars(select(StepHolding).where(
                StepHolding.dossier_id == dossier.id).order_by(StepHolding.position)))
            for earlier, later in zip(rows, rows[1:], strict=False):
                assert earlier.time_out is not None and earlier.time_out <= later.time_in

        @invariant()
        def deadlines_only_move_later(self) -> None:
            dossier = self.dossier
            assert dossier.due_at >= self.due_at
            self.due_at = dossier.due_at
            instance = self.session.get(DossierWorkflow, dossier.id)
            if instance.original_due_at is not None:
                assert instance.original_due_at <= dossier.due_at

        @invariant()
        def finished_exactly_when_done(self) -> None:
            dossier = self.dossier
            done = dossier.status in ("result_ready", "returned", "refused", "withdrawn")
            assert (dossier.finished_at is not None) == done
            assert (dossier.status in PAUSED_STATUSES) == (
                self.session.get(DossierWorkflow, dossier.id).paused_at is not None)

    run_state_machine_as_test(RoutingMachine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None,
        suppress_health_check=list(HealthCheck)))
