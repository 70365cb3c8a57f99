"""Months of demo dossiers: received, worked, paused, transferred, late, returned...

Every dossier is taken in by :func:`motcua.core.intake.take_in` and worked by the
routing actions (claim, supplement, transfer to the tax office and back, apology,
approval, result, return, refusal, withdrawal) by officers who may do them, each at the
moment it happened (the application clock is replayed with
:func:`motcua.core.timeutil.replaying_at`), and ``overdue`` is recorded when the deadline
passed as the periodic scan would. So the event log, the outbox, the step holdings of the
control slips, the queues and every report read the demo like real office work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.calendar import WorkingCalendar
from motcua.core.config import Settings
from motcua.core.demo.geography import Commune, Geography, province_label
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Dossier, Procedure, Unit
from motcua.core.models.dossiers import PAUSED_STATUSES, STATUSES
from motcua.core.timeutil import VIETNAM, local, local_date, now, replaying_at
from motcua.core.workflow import actions
from motcua.core.workflow.overdue import mark_overdue

HISTORY_DAYS = 120
RECENT_DAYS = 12
WORKING_MINUTES_PER_DAY = 480

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Đức", "Thu", "Gia")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân",
         "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trí", "Tuấn", "Vy", "Yến")
STREETS = ("đường 30 Tháng 4", "đường Cách Mạng Tháng Tám", "đường Trần Hưng Đạo",
           "đường Nguyễn Trãi", "đường Lê Lợi", "đường Hùng Vương", "đường Võ Thị Sáu",
           "hẻm 12 đường Điện Biên Phủ", "ấp Thạnh Trung", "ấp Long Hòa", "tổ 5 khu phố 3")
RECENT_WEIGHTS = {"received": 10, "in_processing": 25, "waiting_supplement": 8,
                  "waiting_other_agency": 5, "waiting_approval": 10, "result_ready": 12,
                  "returned": 20, "refused": 3, "withdrawn": 3}
OLDER_WEIGHTS = {"returned": 80, "result_ready": 4, "refused": 5, "withdrawn": 4,
                 "waiting_supplement": 3, "waiting_other_agency": 2, "in_processing": 2}
TAX_FIELDS = ("Đất đai",)


@dataclass
class Cast:
    """Who does what: looked up once from the demo's accounts."""

    reception: dict[int, Account]  # receiving unit id -> officer
    specialist: dict[int, Account]  # unit id -> specialist
    leader: dict[int, Account]  # unit id -> leader signing there

    @classmethod
    def load(cls, session: Session, geography: Geography) -> Cast:
        accounts = session.scalars(select(Account)).all()
        reception, specialist, leader = {}, {}, {}
        for account in accounts:
            for assignment in account.roles:
                table = {"reception": reception, "specialist": specialist,
                         "leader": leader}.get(assignment.role)
                if table is not None:
                    table.setdefault(assignment.unit_id, account)
        for unit in geography.departments.values():  # the provincial leader signs there
            leader.setdefault(unit.id, leader[geography.province.id])
        return cls(reception, specialist, leader)


@dataclass
class Plan:
    procedure: Procedure
    desk: Unit
    commune: Commune | None
    received_at: datetime
    target: str


def _working_moment(calendar: WorkingCalendar, rng: random.Random, day) -> datetime:  # noqa: ANN001
    """A moment in office hours on the first working day from ``day``."""
    day = calendar.next_working_day(day)
    minutes = rng.choice((rng.randint(0, 240), rng.randint(300, 540)))  # not at lunch
    return datetime.combine(day, time(7, 30), tzinfo=VIETNAM) + timedelta(minutes=minutes)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan_dossiers(rng: random.Random, calendar: WorkingCalendar, geography: Geography,
                  procedures: list[Procedure], count: int, until: datetime) -> list[Plan]:
    """Which procedure, where, when and how far each dossier got; oldest first."""
    today = local_date(until)
    plans = []
    communes = {c.desk.id: c for c in geography.communes}
    for index in range(count):
        # The first dossiers cover every status, so even a tiny demo shows them all.
        forced = STATUSES[index] if index < len(STATUSES) else None
        recent = forced is not None and forced not in ("returned", "refused", "withdrawn") \
            or rng.random() < 0.3
        back = rng.randint(1, RECENT_DAYS) if recent else rng.randint(RECENT_DAYS, HISTORY_DAYS)
        target = forced or _weighted(rng, RECENT_WEIGHTS if recent else OLDER_WEIGHTS)
        procedure = rng.choice(procedures)
        if target in ("waiting_other_agency", "waiting_payment"):
            procedure = rng.choice([p for p in procedures if p.field in TAX_FIELDS])
        desk = rng.choice(procedure.receiving_units)
        received_at = _working_moment(calendar, rng, today - timedelta(days=back))
        if received_at >= until:
            received_at = _working_moment(calendar, rng, today - timedelta(days=back + 3))
        plans.append(Plan(procedure, desk, communes.get(desk.id), received_at, target))
    plans.sort(key=lambda plan: plan.received_at)
    return plans


def _applicant(rng: random.Random, geography: Geography, plan: Plan) -> dict:
    """The intake form's applicant, and whether they agreed to SMS notices."""
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    province_number = int(geography.province.admin_code)
    place = plan.commune.unit.name.removeprefix("UBND ") if plan.commune else rng.choice(
        [c.unit.name.removeprefix("UBND ") for c in geography.communes])
    century = rng.choice("0123")  # men and women born in the 1900s or the 2000s
    born = rng.randint(55, 99) if century in "01" else rng.randint(0, 7)
    return {
        "name": name,
        "citizen_id": f"0{province_number:02d}{century}{born:02d}{rng.randint(0, 999999):06d}",
        "phone": f"09{rng.randint(0, 99999999):08d}",
        "email": None,
        "address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {place}, "
                   f"{province_label_of(geography)}",
    }


def province_label_of(geography: Geography) -> str:
    name = geography.province.name.removeprefix("UBND ")
    return name[0].upper() + name[1:]


def story(rng: random.Random, plan: Plan) -> tuple[list[str], bool]:
    """The actions that take a dossier to its target status, and whether it runs late."""
    target = plan.target
    late = target in ("result_ready", "returned") and rng.random() < 0.18
    if target == "received":
        return [], False
    if target == "withdrawn":
        return rng.choice([["withdraw"], ["claim", "withdraw"]]), False
    steps = ["claim"]
    if target == "refused":
        return steps + ["refuse"], False
    if target == "waiting_payment":  # the tax notice is out; the applicant pays
        return steps + ["pause_for_payment"], False
    if target == "waiting_supplement" or rng.random() < 0.12:
        steps.append("request_supplement")
        if target == "waiting_supplement":
            return steps, False
        steps.append("record_supplement")
    tax = target == "waiting_other_agency" or (
        plan.procedure.field in TAX_FIELDS and rng.random() < 0.5)
    if tax:
        steps.append("transfer_to_tax")
        if target == "waiting_other_agency":
            return steps, False
        steps += ["tax_claims", "transfer_back"]  # back to the specialist who sent it
    if late and rng.random() < 0.6:
        steps.append("apologize")
    if target in ("waiting_approval", "result_ready", "returned"):
        steps.append("submit_for_approval")
    if target in ("result_ready", "returned"):
        steps += ["approve", "issue_result"]
    if target == "returned":
        steps.append("return_result")
    return steps, late


class Replay:
    """Takes one dossier in at the desk and plays its story up to its target status
    through the real intake and routing actions, each at the moment it happened."""

    def __init__(self, session: Session, settings: Settings, calendar: WorkingCalendar,
                 geography: Geography, cast: Cast, rng: random.Random,
                 until: datetime) -> None:
        self.session, self.settings, self.calendar = session, settings, calendar
        self.geography, self.cast, self.rng, self.until = geography, cast, rng, until

    def _leader_over(self, unit: Unit) -> Account:
        return self.cast.leader.get(unit.id) or self.cast.leader[self.geography.province.id]

    def _moments(self, plan: Plan, steps: list[str], due_at: datetime,
                 late: bool) -> list[datetime]:
        """Moments spread between receipt and the story's end, in order."""
        rng, received_at = self.rng, plan.received_at
        factor = rng.uniform(1.05, 1.6) if late else rng.uniform(0.25, 0.95)
        end = received_at + (due_at - received_at) * factor
        if "record_supplement" in steps:
            end += timedelta(days=rng.randint(2, 6))
        if "return_result" in steps:
            end += timedelta(days=rng.randint(0, 4))
        end = min(end, self.until - timedelta(minutes=20))
        gap = (end - received_at) / (len(steps) + 1)
        moments, last = [], received_at
        for index in range(len(steps)):
            moment = received_at + gap * (index + 1) + timedelta(minutes=rng.randint(0, 9))
            # Officers act in office hours: a moment at night waits for the next opening.
            opening = self.calendar.clock_start(moment)
            if opening != moment:
                moment = opening + timedelta(minutes=rng.randint(5, 90))
            moment = min(moment, self.until - timedelta(minutes=len(steps) - index))
            last = max(moment, last + timedelta(minutes=1))
            moments.append(last)
        return moments

    def _overdue_until(self, dossier: Dossier, moment: datetime) -> None:
        """Record ``overdue`` as the hourly scan would have, if the deadline passed
        before ``moment`` while the dossier was still being worked."""
        passed = dossier.due_at + timedelta(minutes=5)
        if dossier.finished_at is None and passed < moment and \
                dossier.status not in (*PAUSED_STATUSES, "returned", "refused", "withdrawn"):
            self.session.flush()
            mark_overdue(self.session, dossier.id, passed)

    def run(self, plan: Plan) -> Dossier:
        rng, session = self.rng, self.session
        desk_officer = self.cast.reception[plan.desk.id]
        applicant = _applicant(rng, self.geography, plan)
        documents = [d.id for d in plan.procedure.documents
                     if d.required or rng.random() < 0.5]
        with replaying_at(plan.received_at):
            dossier = take_in(DeskContext(session, desk_officer, self.settings), {
                "procedure_code": plan.procedure.code, "unit_code": plan.desk.code,
                "applicant": applicant, "submitted_documents": documents,
                "channel": rng.choices(("in_person", "online", "post"), weights=(80, 15, 5))[0],
                "sms_consent": rng.random() < 0.4,
            })
        steps, late = story(rng, plan)
        handler = dossier.holder_unit  # the first step's unit, as the workflow resolved it
        specialist = self.cast.specialist[handler.id]
        tax_unit = self.geography.departments["tax"]
        for action, at in zip(steps, self._moments(plan, steps, dossier.due_at, late),
                              strict=True):
            self._overdue_until(dossier, at)
            with replaying_at(at):
                self._act(action, dossier, plan, desk_officer, specialist, handler, tax_unit)
        self._overdue_until(dossier, self.until)
        return dossier

    def _act(self, action: str, dossier: Dossier, plan: Plan, desk_officer: Account,  # noqa: C901
             specialist: Account, handler: Unit, tax_unit: Unit) -> None:
        session, rng = self.session, self.rng
        if action == "claim":
            actions.claim(session, dossier, specialist)
        elif action == "request_supplement":
            actions.request_supplement(
                session, dossier, specialist, missing=[plan.procedure.documents[-1].name],
                note="Đề nghị bổ sung, hoàn thiện hồ sơ")
        elif action == "record_supplement":
            actions.record_supplement(session, dossier, desk_officer,
                                      note="Công dân đã nộp bổ sung")
        elif action == "pause_for_payment":
            actions.pause_for_payment(
                session, dossier, specialist,
                note="Chờ người nộp hồ sơ nộp lệ phí trước bạ, thuế thu nhập cá nhân",
                notice_number=f"{rng.randint(100, 9999)}/TB-CCT",
                amount=rng.randint(5, 300) * 100_000)
        elif action == "transfer_to_tax":
            actions.transfer(session, dossier, specialist, to_unit=tax_unit,
                             note="Chuyển cơ quan thuế xác định nghĩa vụ tài chính")
        elif action == "tax_claims":
            actions.claim(session, dossier, self.cast.specialist[tax_unit.id])
        elif action == "transfer_back":
            actions.transfer(session, dossier, self.cast.specialist[tax_unit.id],
                             to_unit=handler, note="Đã có thông báo nghĩa vụ tài chính")
        elif action == "apologize":
            new_due = self.calendar.due_at(max(dossier.due_at, now()), rng.randint(2, 5))
            actions.apologize(session, dossier, self._leader_over(dossier.holder_unit),
                              new_due_at=new_due,
                              reason="Hồ sơ cần xác minh thêm; xin lỗi vì chậm trả kết quả")
        elif action == "submit_for_approval":
            actions.submit_for_approval(session, dossier, specialist)
        elif action == "approve":
            actions.approve(session, dossier, self._leader_over(dossier.holder_unit))
        elif action == "issue_result":
            number = f"{rng.randint(1, 9999)}/{local(now()).year}/GCN"
            actions.issue_result(session, dossier, desk_officer, result={
                "number": number, "type": plan.procedure.result_type})
        elif action == "return_result":
            method = rng.choices(("in_person", "post", "online"), weights=(85, 10, 5))[0]
            actions.return_result(session, dossier, desk_officer,
                                  collected_by=dossier.applicant_name, method=method)
        elif action == "refuse":
            actions.refuse(session, dossier, specialist,
                           reason="Hồ sơ không đủ điều kiện giải quyết theo quy định")
        elif action == "withdraw":
            actions.withdraw(session, dossier, desk_officer, reason="Người nộp xin rút hồ sơ")
        else:  # pragma: no cover - the story only names the actions above
            raise ValueError(action)


def _function_of(procedure: Procedure) -> str:
    """The function named in the procedure's demo workflow (first step's unit)."""
    from motcua.core.demo.catalogue import load_entries

    return _FUNCTIONS.setdefault("map", {e["code"]: e["function"] for e in load_entries()})[
        procedure.code]


_FUNCTIONS: dict[str, dict[str, str]] = {}


def build_dossiers(session: Session, settings: Settings, calendar: WorkingCalendar,
                   geography: Geography, procedures: list[Procedure], rng: random.Random,
                   count: int, until: datetime) -> list[Dossier]:
    """Create ``count`` dossiers over the last four months, every status represented."""
    cast = Cast.load(session, geography)
    replay = Replay(session, settings, calendar, geography, cast, rng, until)
    return [replay.run(plan)
            for plan in plan_dossiers(rng, calendar, geography, procedures, count, until)]


__all__ = ["build_dossiers", "province_label"]
