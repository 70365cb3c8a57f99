"""Months of demo dossiers: received, worked, paused, transferred, late, returned...

Every change goes through :func:`motcua.core.events.record_event` with the routing
contract's event kinds, at the moment it happened (the application clock is replayed
with :func:`motcua.core.timeutil.replaying_at`), so the event log, the outbox and every
report read the demo like real office work. Due dates come from the working calendar
exactly as at the desk; codes from :func:`motcua.core.codes.allocate_code`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.calendar import WorkingCalendar
from motcua.core.codes import allocate_code
from motcua.core.demo.geography import Commune, Geography, province_label
from motcua.core.events import record_event
from motcua.core.models import Account, Dossier, DossierDocument, Procedure, Unit
from motcua.core.models.dossiers import STATUSES
from motcua.core.timeutil import VIETNAM, local, local_date, replaying_at

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
        if target == "waiting_other_agency":
            procedure = rng.choice([p for p in procedures if p.field in TAX_FIELDS])
        desk = rng.choice(procedure.receiving_units)
        received_at = _working_moment(calendar, rng, today - timedelta(days=back))
        if received_at >= until:
            received_at = _working_moment(calendar, rng, today - timedelta(days=back + 3))
        plans.append(Plan(procedure, desk, communes.get(desk.id), received_at, target))
    plans.sort(key=lambda plan: plan.received_at)
    return plans


def _applicant(rng: random.Random, geography: Geography, plan: Plan) -> dict:
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    province_number = int(geography.province.admin_code)
    place = plan.commune.unit.name.removeprefix("UBND ") if plan.commune else rng.choice(
        [c.unit.name.removeprefix("UBND ") for c in geography.communes])
    return {
        "applicant_name": name,
        "applicant_citizen_id": f"0{province_number:02d}{rng.choice('0123')}"
                                f"{rng.randint(55, 99):02d}{rng.randint(0, 999999):06d}",
        "applicant_phone": f"09{rng.randint(0, 99999999):08d}",
        "applicant_email": None,
        "applicant_address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {place}, "
                             f"{province_label_of(geography)}",
        "sms_consent": rng.random() < 0.4,
    }


def province_label_of(geography: Geography) -> str:
    name = geography.province.name.removeprefix("UBND ")
    return name[0].upper() + name[1:]


class Replay:
    """Creates one dossier and plays its story up to its target status."""

    def __init__(self, session: Session, calendar: WorkingCalendar, geography: Geography,
                 cast: Cast, rng: random.Random, until: datetime) -> None:
        self.session, self.calendar, self.geography = session, calendar, geography
        self.cast, self.rng, self.until = cast, rng, until

    # ------------------------------------------------------------------ helpers
    def _handler(self, plan: Plan) -> Unit:
        """The unit doing the specialist work (the workflow's first step)."""
        function = _function_of(plan.procedure)
        if plan.commune is not None:
            return plan.commune.economy if function == "construction" else plan.commune.office
        return self.geography.departments[function]

    def _signer_unit(self, plan: Plan, handler: Unit) -> Unit:
        return plan.commune.unit if plan.commune is not None else handler

    def _shift_working_days(self, moment: datetime, days: int) -> datetime:
        day = self.calendar.add_working_days(local_date(moment), days)
        return datetime.combine(day, local(moment).timetz())

    def _event(self, dossier: Dossier, kind: str, at: datetime, actor: Account,
               from_status: str, from_unit_id: int | None, **kwargs) -> None:  # noqa: ANN003
        with replaying_at(at):
            record_event(self.session, dossier, kind, actor=actor, from_status=from_status,
                         from_unit_id=from_unit_id, at=at, **kwargs)

    # ------------------------------------------------------------------ story
    def run(self, plan: Plan) -> Dossier:  # noqa: C901, PLR0912, PLR0915
        rng, session = self.rng, self.session
        procedure = plan.procedure
        received_at = plan.received_at
        due_at = self.calendar.due_at(received_at, procedure.processing_days)
        desk_officer = self.cast.reception[plan.desk.id]
        with replaying_at(received_at):
            dossier = Dossier(
                code=allocate_code(session, plan.desk, local_date(received_at)),
                procedure=procedure, unit=plan.desk,
                channel=rng.choices(("in_person", "online", "post"), weights=(80, 15, 5))[0],
                status="received", received_at=received_at, due_at=due_at,
                entered_at=received_at, holder_unit=plan.desk, holder_account=desk_officer,
                received_by=desk_officer, fee=procedure.fee, specialist_data={},
                **_applicant(rng, self.geography, plan),
            )
            for position, document in enumerate(procedure.documents):
                dossier.documents.append(DossierDocument(
                    procedure_document_id=document.id, position=position, name=document.name,
                    copy_kind=document.copy_kind, quantity=document.quantity,
                    submitted=document.required or rng.random() < 0.5))
            session.add(dossier)
        self._event(dossier, "received", received_at, desk_officer, None, None)
        target = plan.target
        if target == "received":
            return dossier

        # The story's steps, then moments spread between receipt and its end.
        late = target in ("result_ready", "returned") and rng.random() < 0.18
        supplement = target == "waiting_supplement" or (
            target not in ("withdrawn",) and rng.random() < 0.12)
        tax = target == "waiting_other_agency" or (
            procedure.field in TAX_FIELDS and target not in ("withdrawn", "refused")
            and rng.random() < 0.5)
        steps = ["claimed"]
        if target == "withdrawn":
            steps = rng.choice([["withdrawn"], ["claimed", "withdrawn"]])
        elif target == "refused":
            steps += ["refused"]
        else:
            if supplement:
                steps += ["supplement_requested"]
                if target != "waiting_supplement":
                    steps += ["supplemented"]
            if tax and target != "waiting_supplement":
                steps += ["transferred"]
                if target != "waiting_other_agency":
                    steps += ["transferred_back"]
            if target in ("waiting_approval", "result_ready", "returned"):
                steps += ["submitted_for_approval"]
            if late and rng.random() < 0.6:
                steps += ["apology"]
            if target in ("result_ready", "returned"):
                steps += ["approved", "result_issued"]
            if target == "returned":
                steps += ["returned"]
        span = due_at - received_at
        factor = rng.uniform(1.05, 1.6) if late else rng.uniform(0.25, 0.95)
        end = received_at + span * factor
        if "supplemented" in steps:
            end += timedelta(days=rng.randint(2, 6))
        if target == "returned":
            end += timedelta(days=rng.randint(0, 4))
        end = min(end, self.until - timedelta(minutes=20))
        gap = (end - received_at) / (len(steps) + 1)
        moments = [received_at + gap * (i + 1) + timedelta(minutes=rng.randint(0, 9))
                   for i in range(len(steps))]

        handler = self._handler(plan)
        signer_unit = self._signer_unit(plan, handler)
        specialist = self.cast.specialist[handler.id]
        leader = self.cast.leader[signer_unit.id]
        tax_unit = self.geography.departments["tax"]
        original_due = due_at
        paused_at, last_at = None, received_at
        for kind, at in zip(steps, moments, strict=True):
            from_status, from_unit = dossier.status, dossier.holder_unit_id
            data, note, actor, event_kind = {}, None, specialist, kind
            if kind == "claimed":
                dossier.status, dossier.holder_unit, dossier.holder_account = (
                    "in_processing", handler, specialist)
            elif kind == "supplement_requested":
                missing = [d.name for d in procedure.documents][-1:]
                dossier.status, paused_at = "waiting_supplement", at
                data = {"missing": missing}
                note = "Đề nghị bổ sung, hoàn thiện hồ sơ"
            elif kind == "supplemented":
                paused_days = max(self.calendar.working_days_between(
                    local_date(paused_at), local_date(at)), 1)
                old_due = dossier.due_at
                dossier.due_at = self._shift_working_days(old_due, paused_days)
                dossier.status = "in_processing"
                data = {"paused_working_minutes": paused_days * WORKING_MINUTES_PER_DAY,
                        "old_due_at": old_due.isoformat(),
                        "new_due_at": dossier.due_at.isoformat()}
                original_due = dossier.due_at  # a pause is not lateness
            elif kind == "transferred":
                dossier.status, dossier.holder_unit, dossier.holder_account = (
                    "waiting_other_agency", tax_unit, None)
                data = {"to_unit": tax_unit.code}
                note = "Chuyển cơ quan thuế xác định nghĩa vụ tài chính"
            elif kind == "transferred_back":
                event_kind, actor = "transferred", self.cast.specialist[tax_unit.id]
                dossier.status, dossier.holder_unit, dossier.holder_account = (
                    "in_processing", handler, specialist)
                data = {"to_unit": handler.code}
                note = "Đã có thông báo nghĩa vụ tài chính"
            elif kind == "submitted_for_approval":
                dossier.status, dossier.holder_unit, dossier.holder_account = (
                    "waiting_approval", signer_unit, leader)
            elif kind == "apology":
                # Before the appointment if there is still time: that is the rule.
                at = min(at, dossier.due_at - timedelta(hours=2))
                old_due = dossier.due_at
                dossier.due_at = self._shift_working_days(old_due, rng.randint(2, 5))
                data = {"old_due_at": old_due.isoformat(),
                        "new_due_at": dossier.due_at.isoformat(),
                        "original_due_at": original_due.isoformat()}
                note = "Xin lỗi vì chậm trả kết quả; hẹn lại ngày trả kết quả"
                actor = leader
            elif kind == "approved":
                dossier.status, actor = "result_ready", leader
            elif kind == "result_issued":
                dossier.status, dossier.holder_unit = "result_ready", plan.desk
                dossier.holder_account = desk_officer
                dossier.finished_at = at
                dossier.result = {"number": f"{rng.randint(1, 9999)}/{local(at).year}/GCN",
                                  "type": procedure.result_type}
                data, actor = dict(dossier.result), leader
            elif kind == "returned":
                method = rng.choices(("in_person", "post", "online"), weights=(85, 10, 5))[0]
                dossier.status, dossier.returned_at = "returned", at
                data = {"collected_by": dossier.applicant_name, "method": method}
                actor = desk_officer
            elif kind == "refused":
                dossier.status, dossier.finished_at = "refused", at
                dossier.holder_unit, dossier.holder_account = plan.desk, desk_officer
                dossier.refusal_reason = note = ("Hồ sơ không đủ điều kiện giải quyết theo "
                                                 "quy định")
            elif kind == "withdrawn":
                dossier.status, dossier.finished_at = "withdrawn", at
                dossier.holder_unit, dossier.holder_account = plan.desk, desk_officer
                note, actor = "Người nộp xin rút hồ sơ", desk_officer
            at = max(at, last_at + timedelta(minutes=1))
            if kind in ("result_issued", "refused", "withdrawn"):
                dossier.finished_at = at
            if kind == "returned":
                dossier.returned_at = at
            last_at = at
            self._event(dossier, event_kind, at, actor, from_status, from_unit, note=note,
                        data=data)
        return dossier


def _function_of(procedure: Procedure) -> str:
    """The function named in the procedure's demo workflow (first step's unit)."""
    from motcua.core.demo.catalogue import load_entries

    return _FUNCTIONS.setdefault("map", {e["code"]: e["function"] for e in load_entries()})[
        procedure.code]


_FUNCTIONS: dict[str, dict[str, str]] = {}


def build_dossiers(session: Session, calendar: WorkingCalendar, geography: Geography,
                   procedures: list[Procedure], rng: random.Random, count: int,
                   until: datetime) -> list[Dossier]:
    """Create ``count`` dossiers over the last four months, every status represented."""
    cast = Cast.load(session, geography)
    replay = Replay(session, calendar, geography, cast, rng, until)
    return [replay.run(plan)
            for plan in plan_dossiers(rng, calendar, geography, procedures, count, until)]


__all__ = ["build_dossiers", "province_label"]
