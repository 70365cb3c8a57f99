"""Every routing transition (and the overdue check) sends its SDK signal inside the
transaction that records its event and outbox row: a receiver already sees both, its
own writes commit with them, and a rollback takes all three away together."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from motcua.core.models import Dossier, DossierEvent, Notice, OutboxEntry, Procedure
from motcua.core.workflow import actions
from motcua.core.workflow.definitions import save_workflow
from motcua.core.workflow.overdue import mark_overdue
from motcua_sdk import services
from motcua_sdk.signals import signal_for
from tests.test_workflow_support import receive

# Two specialist steps in the finance office, then the district leader's approval: every
# action has a state where it is legal.
THREE_STEPS = [
    {"name": "Thẩm định hồ sơ", "role": "specialist", "days": 1, "unit": "function:finance"},
    {"name": "Kiểm tra lại", "role": "specialist", "days": 1, "unit": "function:finance"},
    {"name": "Phê duyệt", "role": "leader", "days": 1, "unit": "parent"},
]

# action -> (actions run first, the event kind the action records)
CASES = {
    "claim": ((), "claimed"),
    "assign": ((), "assigned"),
    "forward": (("claim",), "forwarded"),
    "send_back": (("claim", "forward"), "sent_back"),
    "transfer": (("claim",), "transferred"),
    "submit_for_approval": (("claim", "forward"), "submitted_for_approval"),
    "approve": (("claim", "forward", "submit_for_approval"), "approved"),
    "request_supplement": (("claim",), "supplement_requested"),
    "record_supplement": (("claim", "request_supplement"), "supplemented"),
    "pause_for_payment": (("claim",), "paused_for_payment"),
    "record_payment": (("claim", "pause_for_payment"), "payment_recorded"),
    "apologize": (("claim",), "apology"),
    "refuse": (("claim",), "refused"),
    "withdraw": ((), "withdrawn"),
    "issue_result": (("claim", "forward", "submit_for_approval"), "result_issued"),
    "return_result": (("claim", "forward", "submit_for_approval", "issue_result"),
                      "returned"),
    "overdue": (("claim",), "overdue"),
}


def _run(session, routing, dossier: Dossier, name: str):  # noqa: ANN001, ANN202
    """Do ``name`` with the officer and arguments it needs."""
    account = routing.account
    specialist, leader = account(session, "specialist"), account(session, "leader")
    reception = account(session, "reception")
    if name == "overdue":
        return mark_overdue(session, dossier.id, dossier.due_at + timedelta(hours=1))
    if name == "assign":
        return actions.assign(session, dossier, leader, specialist)
    if name in ("claim", "forward", "submit_for_approval"):
        return actions.ACTIONS[name](session, dossier, specialist)
    if name == "send_back":
        return actions.send_back(session, dossier, specialist, to_step=0, reason="Thiếu chữ ký")
    if name == "transfer":
        return actions.transfer(session, dossier, specialist, to_unit="H72.01.03")
    if name == "approve":
        return actions.approve(session, dossier, leader)
    if name == "request_supplement":
        return actions.request_supplement(session, dossier, specialist, missing=["Bản sao"])
    if name == "record_supplement":
        return actions.record_supplement(session, dossier, reception)
    if name == "pause_for_payment":
        return actions.pause_for_payment(session, dossier, specialist,
                                         note="Nộp lệ phí trước bạ", notice_number="TB-1",
                                         amount=2_500_000)
    if name == "record_payment":
        return actions.record_payment(session, dossier, reception)
    if name == "apologize":
        return actions.apologize(session, dossier, specialist,
                                 new_due_at=dossier.due_at + timedelta(days=5),
                                 reason="Cần xác minh thêm")
    if name in ("refuse", "withdraw"):
        actor = specialist if name == "refuse" else reception
        return actions.ACTIONS[name](session, dossier, actor, reason="Lý do")
    if name == "issue_result":
        return actions.issue_result(session, dossier, leader, result={"number": "12/GP"})
    if name == "return_result":
        return actions.return_result(session, dossier, reception, collected_by="An",
                                     method="in_person")
    raise AssertionError(name)


def _counts(session, dossier_id: int) -> tuple[int, int, int]:  # noqa: ANN001
    def count(model, *conditions) -> int:  # noqa: ANN001
        return session.scalar(select(func.count()).select_from(model)
                              .where(model.dossier_id == dossier_id, *conditions))

    return (count(DossierEvent), count(OutboxEntry),
            count(Notice, Notice.reason == "signal_test"))


class OutboxWitness:
    """A receiver that looks for the event's outbox row in the session it runs in and
    writes a notice of its own there (receivers' exceptions are swallowed by the core,
    so it records what it found instead of asserting)."""

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id
        self.seen: list[tuple[str, int, bool]] = []

    def __call__(self, dossier, event) -> None:  # noqa: ANN001
        session = services.session()
        stored = session.scalar(select(DossierEvent).join(Dossier).where(
            Dossier.code == dossier.code, DossierEvent.sequence == event.sequence))
        outbox = session.scalar(select(OutboxEntry).where(OutboxEntry.event_id == stored.id))
        self.seen.append((stored.kind, stored.id, outbox is not None))
        session.add(Notice(account_id=self.account_id, dossier_id=stored.dossier_id,
                           event_id=stored.id, reason="signal_test"))
        session.flush()


@pytest.mark.parametrize("name", list(CASES))
def test_transition_signal_shares_the_transaction_of_its_event_and_outbox_row(
        app, db, routing, name):
    before, kind = CASES[name]
    with app.app_context():
        session = db.session
        save_workflow(session, session.get(Procedure, routing.world.household_business.id),
                      THREE_STEPS,
                      routing.account(session, "ict_admin"), note="three steps")
        session.commit()
        dossier = receive(session, app, routing)
        for step in before:
            _run(session, routing, dossier, step)
            session.commit()
        dossier_id = dossier.id
        start = _counts(session, dossier_id)
        witness = OutboxWitness(routing.accounts["other_specialist"].id)  # gets no notices
        signal = signal_for(kind)
        assert signal is not None, f"{kind} sends no signal"
        signal.connect(witness, weak=False)
        try:
            _run(session, routing, dossier, name)
            assert [(k, found) for k, _id, found in witness.seen] == [(kind, True)]
            session.rollback()  # the event, its outbox row and the receiver's notice go
            assert _counts(session, dossier_id) == start

            dossier = session.get(Dossier, dossier_id)
            _run(session, routing, dossier, name)
            session.commit()
        finally:
            signal.disconnect(witness)
        assert _counts(session, dossier_id) == (start[0] + 1, start[1] + 1, start[2] + 1)
        event_id = witness.seen[-1][1]
        notice = session.scalar(select(Notice).where(Notice.reason == "signal_test"))
        assert notice.event_id == event_id
        assert session.get(DossierEvent, event_id).kind == kind
