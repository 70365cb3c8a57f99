"""Who gets a notice when a dossier moves, the near-deadline scan, and reading notices.

Event notices are made inside the flush that inserts the event (the listener lives in
:mod:`motcua.core.models.notices`); this module decides who must act next:

- the officer holding the dossier in person (claimed, assigned, sent back to them);
- otherwise the officers with the role the step needs in the unit holding it (the unit
  itself, or, if nobody there has that role, its nearest ancestor where someone does,
  since a role covers the whole subtree);
- the receiving desk when it must act (a result to return, a supplement to ask for, a
  refusal to hand over).

The actor never gets a notice about what they did themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from motcua.core import timeutil
from motcua.core.db import begin_write
from motcua.core.intake import load_calendar
from motcua.core.models import (
    Account,
    Dossier,
    DossierEvent,
    DossierWorkflow,
    RoleAssignment,
    Unit,
)
from motcua.core.models.notices import Notice
from motcua.core.workflow.deadlines import (
    MINUTES_PER_DAY,
    add_working_days,
    working_minutes_between,
)

# Event kind -> notice reason, for events after which the holder must act.
HOLDER_REASONS = {
    "received": "arrived", "back_entered": "arrived", "forwarded": "arrived",
    "submitted_for_approval": "arrived", "transferred": "arrived", "approved": "arrived",
    "assigned": "assigned", "sent_back": "returned_to_step", "supplemented": "supplemented",
    "overdue": "overdue",
}
# Event kind -> notice reason, for events after which the receiving desk must act.
DESK_REASONS = {"supplement_requested": "supplement_requested",
                "result_issued": "result_ready", "refused": "refused"}
# Where the near-deadline scan looks: the clock runs and someone works the dossier.
RUNNING = ("received", "in_processing", "waiting_other_agency", "waiting_approval")
DUE_SOON_DAYS = 1
LIST_LIMIT = 200


def officers_with_role(session: Session, unit: Unit, roles: tuple[str, ...]) -> list[int]:
    """Ids of active accounts holding one of ``roles`` on ``unit``; if there are none,
    on its nearest ancestor where some account does (a role covers the subtree)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part] or [unit.id]
    for unit_id in reversed(ids):
        found = list(session.scalars(
            select(RoleAssignment.account_id).join(Account)
            .where(RoleAssignment.unit_id == unit_id, RoleAssignment.role.in_(roles),
                   Account.active.is_(True))
            .distinct().order_by(RoleAssignment.account_id)))
        if found:
            return found
    return []


def holder_recipients(session: Session, dossier: Dossier) -> list[int]:
    """Who must act on ``dossier`` where it is now (see the module docstring)."""
    if dossier.holder_account_id is not None:
        return [dossier.holder_account_id]
    instance = session.get(DossierWorkflow, dossier.id)
    if dossier.status in ("result_ready", "waiting_supplement") or (
            instance is not None and instance.holder_role == "reception"):
        return desk_recipients(session, dossier)
    holder = dossier.holder_unit or (
        session.get(Unit, dossier.holder_unit_id) if dossier.holder_unit_id else None)
    if holder is None:
        return []
    if instance is None or instance.transferred:
        roles = ("specialist", "leader")
    else:
        roles = (instance.holder_role,)
    return officers_with_role(session, holder, roles)


def desk_recipients(session: Session, dossier: Dossier) -> list[int]:
    """The reception officers of the dossier's receiving unit."""
    unit = dossier.unit or session.get(Unit, dossier.unit_id)
    return officers_with_role(session, unit, ("reception",))


def notices_for_events(session: Session, events: list[DossierEvent]) -> list[Notice]:
    """Add the notices ``events`` call for to ``session`` (called inside its flush)."""
    made = []
    for item in events:
        dossier = session.get(Dossier, item.dossier_id)
        if dossier is None:
            continue
        if item.kind in HOLDER_REASONS:
            reason = HOLDER_REASONS[item.kind]
            if item.kind == "approved" and dossier.status == "result_ready":
                reason, recipients = "result_ready", desk_recipients(session, dossier)
            else:
                recipients = holder_recipients(session, dossier)
        elif item.kind in DESK_REASONS:
            reason, recipients = DESK_REASONS[item.kind], desk_recipients(session, dossier)
        else:
            continue
        data = {"code": dossier.code, "kind": item.kind, "by": item.actor_name,
                "note": (item.note or "")[:300] or None,
                "due_at": dossier.due_at.isoformat() if dossier.due_at else None}
        for account_id in recipients:
            if account_id == item.actor_id:
                continue
            notice = Notice(account_id=account_id, dossier_id=dossier.id, event=item,
                            reason=reason, data=data,
                            created_at=item.at or timeutil.now())
            session.add(notice)
            made.append(notice)
    return made


def unread_count(session: Session, account: Account) -> int:
    """How many notices ``account`` has not read."""
    return session.scalar(select(func.count(Notice.id)).where(
        Notice.account_id == account.id, Notice.read_at.is_(None))) or 0


def notices_of(session: Session, account: Account, *, limit: int = LIST_LIMIT
               ) -> list[Notice]:
    """``account``'s notices, unread first, newest first."""
    return list(session.scalars(
        select(Notice).where(Notice.account_id == account.id)
        .order_by(Notice.read_at.is_not(None), Notice.created_at.desc(), Notice.id.desc())
        .limit(limit).options(selectinload(Notice.dossier))))


def mark_read(session: Session, account: Account, notice_id: int | None = None) -> int:
    """Mark one notice of ``account`` (or all of them) read; returns how many changed.
    A notice of another account is never touched."""
    statement = update(Notice).where(Notice.account_id == account.id,
                                     Notice.read_at.is_(None))
    if notice_id is not None:
        statement = statement.where(Notice.id == notice_id)
    return session.execute(statement.values(read_at=timeutil.now())).rowcount or 0


def due_soon_candidates(session: Session, moment: datetime, horizon: datetime) -> list[Dossier]:
    """Running dossiers whose deadline falls in ``(moment, horizon]``."""
    return list(session.scalars(
        select(Dossier).where(Dossier.status.in_(RUNNING), Dossier.finished_at.is_(None),
                              Dossier.due_at > moment, Dossier.due_at <= horizon)
        .order_by(Dossier.due_at, Dossier.id)))


def step_due_soon_candidates(session: Session, moment: datetime, horizon: datetime
                             ) -> list[tuple[Dossier, DossierWorkflow]]:
    """Running dossiers whose current step's deadline falls in ``(moment, horizon]``."""
    return [(dossier, instance) for dossier, instance in session.execute(
        select(Dossier, DossierWorkflow)
        .join(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id)
        .where(Dossier.status.in_(RUNNING), Dossier.finished_at.is_(None),
               DossierWorkflow.holder_role != "reception",
               DossierWorkflow.step_due_at > moment, DossierWorkflow.step_due_at <= horizon)
        .order_by(DossierWorkflow.step_due_at, Dossier.id))]


def _notify_once(session: Session, dossier: Dossier, reason: str, key: str,
                 moment: datetime, data: dict) -> int:
    """One notice per recipient and ``key``; returns how many were made."""
    made = 0
    for account_id in holder_recipients(session, dossier):
        begin_write(session)
        exists = session.scalar(select(Notice.id).where(
            Notice.account_id == account_id, Notice.dedupe_key == key))
        if exists:
            continue
        try:
            with session.begin_nested():
                session.add(Notice(account_id=account_id, dossier_id=dossier.id,
                                   reason=reason, dedupe_key=key, created_at=moment,
                                   data={"code": dossier.code, **data}))
        except IntegrityError:
            continue  # another scan made it a moment ago
        made += 1
    return made


def scan_due_soon(session: Session, moment: datetime | None = None, *,
                  days: float = DUE_SOON_DAYS) -> int:
    """Notify whoever must act on every running dossier due within ``days`` working
    days, and on every step due within ``days`` working days (or half the step's
    allotted time, if that is shorter: a half-day step is not "due soon" as it
    arrives); commits. Returns how many notices were made.

    Idempotent: a notice is keyed by dossier (and step) and deadline, so running the
    scan again (or in two processes at once: the unique key decides) adds nothing; a
    dossier whose deadline moved (an apology's new appointment) is warned about the
    new one.
    """
    moment = moment or timeutil.now()
    calendar = load_calendar(session)
    horizon = add_working_days(calendar, moment, days)
    made = 0
    for dossier in due_soon_candidates(session, moment, horizon):
        key = f"due_soon:{dossier.id}:{int(dossier.due_at.timestamp())}"
        made += _notify_once(session, dossier, "due_soon", key, moment,
                             {"due_at": dossier.due_at.isoformat()})
        session.commit()
    for dossier, instance in step_due_soon_candidates(session, moment, horizon):
        step = instance.current_step
        if step is None:
            continue
        window = min(days, step["days"] / 2) * MINUTES_PER_DAY
        if working_minutes_between(calendar, moment, instance.step_due_at) > window:
            continue
        key = (f"step_due_soon:{dossier.id}:{instance.step_index}:"
               f"{int(instance.step_due_at.timestamp())}")
        made += _notify_once(session, dossier, "step_due_soon", key, moment,
                             {"due_at": instance.step_due_at.isoformat(),
                              "step": step["name"]})
        session.commit()
    session.commit()
    return made
