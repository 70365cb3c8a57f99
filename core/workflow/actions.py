"""The routing functions: what officers do to a dossier after the desk.

Each function checks, in this order, that the actor works where the dossier is held
(:class:`Forbidden`: an outsider learns neither the dossier's version nor what its state
allows), that the dossier is as the caller saw it (``expected_version``, else the
version the caller's object was loaded with: a :class:`Conflict` otherwise), that the
actor's role fits the step (:class:`Forbidden`) and that the input and the dossier's
state allow the action (:class:`ValidationError`); only then does it change the dossier
and record exactly one event (with its outbox row, and its signal) in the caller's
session. The caller commits. Nothing is written when a check fails.

The dossier row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL, the write lock
on SQLite), so of two officers acting at once the second sees the first one's change and
gets a Conflict; the ORM's version counter catches any write that slips past.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from motcua.core import timeutil
from motcua.core.db import begin_write
from motcua.core.errors import Conflict, Forbidden, NotFound, ValidationError
from motcua.core.events import record_event
from motcua.core.intake import load_calendar
from motcua.core.messages import field_label
from motcua.core.models import (
    PAUSED_STATUSES,
    Account,
    Dossier,
    DossierEvent,
    DossierWorkflow,
    StepHolding,
    SupplementPause,
    Unit,
)
from motcua.core.workflow import authorization as auth
from motcua.core.workflow.authorization import _
from motcua.core.workflow.deadlines import add_working_days, push_back, working_minutes_between
from motcua.core.workflow.definitions import resolve_selector
from motcua.core.workflow.transfers import officer_taking_back, sender_of

RETURN_METHODS = ("in_person", "post", "online")
# Where an officer of the current step can work the dossier.
WORKABLE = ("received", "in_processing", "waiting_other_agency")
UNFINISHED = ("received", "in_processing", "waiting_other_agency", "waiting_approval",
              "waiting_supplement", "waiting_payment")
# A tax notice's amount in đồng: a whole number, at most this.
MAX_AMOUNT = 10**15
MAX_TEXT = 2000
DESK_STEP_NAME = "Trả kết quả"


# ---------------------------------------------------------------------------- helpers


def workflow_of(session: Session, dossier: Dossier) -> DossierWorkflow:
    """The dossier's running workflow, adopted on first use for a dossier that arrived
    without one (see :func:`ensure_workflow`); ValidationError for a finished dossier
    that never had one (refused at the desk)."""
    instance = session.get(DossierWorkflow, dossier.id)
    if instance is None:
        instance = ensure_workflow(session, dossier)
    if instance is None:
        raise ValidationError(_("This dossier has no workflow to act on."))
    return instance


def ensure_workflow(session: Session, dossier: Dossier) -> DossierWorkflow | None:
    """Give a dossier that has no workflow one, where it stands now; returns the existing
    one if there is one, None for a finished dossier.

    For dossiers that reach this server without one: handed over from another node
    (liên thông across servers) or received before routing existed. The procedure's
    current workflow is copied; if one of its steps is held by the dossier's holder unit
    the dossier is at that step, otherwise it is a liên thông holding of the holder unit
    (any specialist or leader there may work it). Adds rows only; the caller commits.
    """
    instance = session.get(DossierWorkflow, dossier.id)
    if instance is not None:
        return instance
    if dossier.status in ("returned", "refused", "withdrawn") or dossier.holder_unit is None:
        return None
    plan = plan_workflow(session, dossier.procedure, dossier.unit)
    index, transferred = 0, True
    for position, step in enumerate(plan.steps):
        try:
            unit = resolve_selector(session, step["unit"], dossier.unit)
        except ValidationError:
            continue
        if unit.id == dossier.holder_unit_id:
            index, transferred = position, False
            break
    step = plan.steps[index]
    at_desk = dossier.status == "result_ready"
    role = "reception" if at_desk else (
        "leader" if dossier.status == "waiting_approval" else step["role"])
    moment = timeutil.now()
    instance = DossierWorkflow(
        dossier_id=dossier.id, workflow_id=plan.workflow_id,
        workflow_version=plan.workflow_version, steps=plan.steps, step_index=index,
        holder_role=role, transferred=transferred and not at_desk, step_started_at=moment,
        step_due_at=None if at_desk else dossier.due_at, paused_working_minutes=0,
        paused_at=moment if dossier.status in PAUSED_STATUSES else None)
    session.add(instance)
    session.flush()
    _open_holding(session, dossier, step_index=None if at_desk else index,
                  step_name=DESK_STEP_NAME if at_desk else step["name"], role=role,
                  unit=dossier.holder_unit, account=dossier.holder_account,
                  time_in=moment, due_at=instance.step_due_at)
    return instance


@dataclass
class _Move:
    """Everything an action needs once the checks passed."""

    dossier: Dossier
    instance: DossierWorkflow
    moment: datetime
    from_status: str
    from_unit_id: int | None


def _lock(session: Session, dossier: Dossier, expected_version: int | None,
          actor: Account) -> _Move:
    """Lock the dossier row and re-read it; refuse an actor not involved with it
    (Forbidden, before anything else is compared), then compare versions: Conflict if
    the dossier moved since the caller saw it.

    An officer who was involved with the dossier as the caller loaded it, and lost it
    to a concurrent hand-over, gets the Conflict (someone else acted first), not a
    Forbidden; one who was not involved then either learns nothing about its version.
    """
    if dossier.id is None:
        raise NotFound(_("The dossier is not saved yet."))
    expected = dossier.version if expected_version is None else expected_version
    involved_as_seen = auth.is_involved(actor, dossier)
    begin_write(session)
    try:
        session.refresh(dossier, with_for_update=True)
    except StaleDataError:
        raise _conflict() from None
    if not auth.is_involved(actor, dossier):
        if involved_as_seen and dossier.version != expected:
            raise _conflict()
        auth.require_involved(actor, dossier)
    if expected_version is not None and (
            isinstance(expected_version, bool) or not isinstance(expected_version, int)):
        raise ValidationError(_("expected_version must be a whole number."),
                              field="expected_version")
    if dossier.version != expected:
        raise _conflict()
    instance = workflow_of(session, dossier)
    session.refresh(instance)
    return _Move(dossier, instance, timeutil.now(), dossier.status, dossier.holder_unit_id)


def _conflict() -> Conflict:
    return Conflict(_("The dossier was changed by someone else; reload it and try again."))


@contextmanager
def _writing(session: Session) -> Iterator[None]:
    """Turn the ORM's lost-version error into Conflict (and drop the failed work)."""
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise _conflict() from None


def _text(value: object, field: str, *, required: bool = True, limit: int = MAX_TEXT
          ) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(_("%(field)s is required.", field=field_label(field)),
                                  field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text.", field=field_label(field)),
                              field=field)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(_("%(field)s: at most %(limit)s characters.",
                                 field=field_label(field),
                                 limit=limit), field=field)
    return value


def _status_label(status: str) -> str:
    return status.replace("_", " ")


def _require_status(dossier: Dossier, allowed: tuple[str, ...], action: str) -> None:
    if dossier.status not in allowed:
        raise ValidationError(_("A dossier that is %(status)s cannot be %(action)s.",
                                 status=_status_label(dossier.status), action=action),
                              field="status")


def home_agency(session: Session, unit: Unit) -> Unit:
    """The agency a unit belongs to: itself, or its nearest ancestor that is not a mere
    office or department (the desk and departments of a district belong to the district)."""
    from motcua.core.workflow.definitions import ancestors

    for candidate in [unit, *ancestors(session, unit)]:
        if candidate.kind not in ("office", "department"):
            return candidate
    return unit


def processing_status(session: Session, dossier: Dossier, holder: Unit) -> str:
    """``waiting_other_agency`` while another agency holds the dossier (the tax office,
    the province's People's Committee for a commune's dossier, a commune for the
    district's), else ``in_processing``: the receiving agency's own offices and
    departments are not another agency. An agency placed under the province in the unit
    tree (a tax office) is still another agency than the province's service centre."""
    if home_agency(session, holder).id == home_agency(session, dossier.unit).id:
        return "in_processing"
    return "waiting_other_agency"


def _next_position(session: Session, dossier: Dossier) -> int:
    return (session.scalar(select(func.max(StepHolding.position))
                           .where(StepHolding.dossier_id == dossier.id)) or 0) + 1


def open_holding(session: Session, dossier: Dossier) -> StepHolding | None:
    """The control slip's open line (who holds the dossier now), if any."""
    return session.scalar(
        select(StepHolding).where(StepHolding.dossier_id == dossier.id,
                                  StepHolding.time_out.is_(None))
        .order_by(StepHolding.position.desc()).limit(1))


def _close_holding(session: Session, dossier: Dossier, moment: datetime, closed_by: str,
                   *, account: Account | None = None) -> None:
    holding = open_holding(session, dossier)
    if holding is not None:
        holding.time_out = max(moment, holding.time_in)
        holding.closed_by = closed_by
        if holding.account_id is None and account is not None:
            holding.account_id = account.id


def _open_holding(session: Session, dossier: Dossier, *, step_index: int | None,
                  step_name: str, role: str, unit: Unit, account: Account | None,
                  time_in: datetime, due_at: datetime | None) -> StepHolding:
    holding = StepHolding(dossier_id=dossier.id, position=_next_position(session, dossier),
                          step_index=step_index, step_name=step_name[:200], role=role,
                          unit_id=unit.id, account_id=account.id if account else None,
                          time_in=time_in, due_at=due_at)
    session.add(holding)  # flushed with the action's other changes, before its event
    return holding


def _enter_step(session: Session, move: _Move, index: int, unit: Unit, *,
                closed_by: str, account: Account | None = None,
                acting: Account | None = None) -> None:
    """Hand the dossier to step ``index`` at ``unit`` (closing the current holding)."""
    dossier, instance = move.dossier, move.instance
    step = instance.steps[index]
    _close_holding(session, dossier, move.moment, closed_by, account=acting)
    due = add_working_days(load_calendar(session), move.moment, step["days"])
    instance.step_index = index
    instance.holder_role = step["role"]
    instance.transferred = False
    instance.step_started_at = move.moment
    instance.step_due_at = due
    dossier.holder_unit = unit
    dossier.holder_account = account
    _open_holding(session, dossier, step_index=index, step_name=step["name"],
                  role=step["role"], unit=unit, account=account, time_in=move.moment,
                  due_at=due)


def _to_desk(session: Session, move: _Move, closed_by: str, actor: Account, *,
             open_desk_line: bool) -> None:
    """The dossier goes back to its receiving desk (result ready, refused, withdrawn)."""
    dossier, instance = move.dossier, move.instance
    _close_holding(session, dossier, move.moment, closed_by, account=actor)
    dossier.holder_unit = dossier.unit
    dossier.holder_account = None
    instance.holder_role = "reception"
    instance.transferred = False
    instance.step_started_at = move.moment
    instance.step_due_at = None
    if open_desk_line:
        _open_holding(session, dossier, step_index=None, step_name=DESK_STEP_NAME,
                      role="reception", unit=dossier.unit, account=None,
                      time_in=move.moment, due_at=None)


def _end_pause(session: Session, dossier: Dossier, instance: DossierWorkflow,
               moment: datetime, actor: Account) -> None:
    """Close an open pause (supplement or payment) without moving deadlines (refused,
    withdrawn)."""
    if instance.paused_at is None:
        return
    pause = _open_pause(session, dossier)
    if pause is not None:
        pause.resumed_at = moment
        pause.resumed_by_id = actor.id
        pause.paused_working_minutes = 0
    instance.paused_at = None


def _open_pause(session: Session, dossier: Dossier) -> SupplementPause | None:
    return session.scalar(
        select(SupplementPause).where(SupplementPause.dossier_id == dossier.id,
                                      SupplementPause.resumed_at.is_(None))
        .order_by(SupplementPause.id.desc()).limit(1))


def _record(session: Session, move: _Move, kind: str, actor: Account, *,
            note: str | None = None, data: dict | None = None) -> DossierEvent:
    # Every action moves the version, even one that leaves every column as it was (a
    # step handed to the unit already holding it), so expected_version sees it.
    flag_modified(move.dossier, "status")
    with _writing(session):
        session.flush()
        return record_event(session, move.dossier, kind, actor=actor,
                            from_status=move.from_status, from_unit_id=move.from_unit_id,
                            note=note, at=move.moment, data=data)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _resolve_step_unit(session: Session, move: _Move, index: int) -> Unit:
    step = move.instance.steps[index]
    try:
        return resolve_selector(session, step["unit"], move.dossier.unit)
    except ValidationError as error:
        raise ValidationError(_("Step %(number)s (%(name)s): %(error)s", number=index + 1,
                                 name=step["name"], error=error.message),
                              field="unit") from None


def _account(session: Session, value: Account | str | int) -> Account:
    if isinstance(value, Account):
        return value
    if isinstance(value, str):
        account = session.scalar(select(Account).where(
            Account.username == value.strip().lower()))
    elif isinstance(value, int) and not isinstance(value, bool):
        account = session.get(Account, value)
    else:
        account = None
    if account is None or not account.active:
        raise ValidationError(_("No active account %(name)s.", name=value),
                              field="to_account")
    return account


def _unit(session: Session, dossier: Dossier, value: Unit | str) -> Unit:
    if isinstance(value, Unit):
        unit = value
    elif isinstance(value, str) and value.strip():
        try:
            unit = resolve_selector(session, value, dossier.unit)
        except ValidationError as error:
            raise ValidationError(error.message, field="to_unit") from None
    else:
        raise ValidationError(_("to_unit: an agency code or unit selector."),
                              field="to_unit")
    if not unit.active:
        raise ValidationError(_("%(unit)s is not active.", unit=unit.name), field="to_unit")
    return unit


# ---------------------------------------------------------------------------- intake


@dataclass
class WorkflowPlan:
    """The workflow a dossier will start with, resolved before anything is written."""

    steps: list[dict]
    workflow_id: int | None
    workflow_version: int | None
    first_unit: Unit


def plan_workflow(session: Session, procedure, receiving: Unit) -> WorkflowPlan:  # noqa: ANN001
    """The procedure's current workflow (or the default one) with its first step's unit;
    raises ValidationError if that step names a unit that does not exist."""
    from motcua.core.workflow.definitions import current_workflow, default_steps

    workflow = current_workflow(session, procedure)
    steps = list(workflow.steps) if workflow else default_steps(procedure)
    try:
        first = resolve_selector(session, steps[0]["unit"], receiving)
    except ValidationError as error:
        raise ValidationError(_("The workflow of procedure %(code)s cannot start: %(error)s",
                                 code=procedure.code, error=error.message)) from None
    return WorkflowPlan(steps, workflow.id if workflow else None,
                        workflow.version if workflow else None, first)


def start_workflow(session: Session, dossier: Dossier, plan: WorkflowPlan,
                   actor: Account) -> DossierWorkflow:
    """Put a just-received dossier in its first step's queue (the intake calls this
    before recording the ``received`` event, so that event shows where it went)."""
    calendar = load_calendar(session)
    start = calendar.clock_start(dossier.received_at)
    step = plan.steps[0]
    due = add_working_days(calendar, start, step["days"])
    instance = DossierWorkflow(
        dossier_id=dossier.id, workflow_id=plan.workflow_id,
        workflow_version=plan.workflow_version, steps=plan.steps, step_index=0,
        holder_role=step["role"], transferred=False, step_started_at=dossier.received_at,
        step_due_at=due, paused_working_minutes=0)
    session.add(instance)
    dossier.holder_unit = plan.first_unit
    dossier.holder_account = None
    session.flush()
    _open_holding(session, dossier, step_index=None, step_name="Tiếp nhận hồ sơ",
                  role="reception", unit=dossier.unit, account=actor,
                  time_in=dossier.received_at, due_at=None).time_out = dossier.received_at
    session.flush()  # the next line's position counts this one
    _open_holding(session, dossier, step_index=0, step_name=step["name"], role=step["role"],
                  unit=plan.first_unit, account=None, time_in=dossier.received_at,
                  due_at=due)
    return instance


def _action(function: Callable[..., DossierEvent]) -> Callable[..., DossierEvent]:
    """Run an action without autoflush: its changes reach the database in one flush,
    right before its event, so the dossier's version moves by one per action."""

    @functools.wraps(function)
    def run(session: Session, *args, **kwargs) -> DossierEvent:
        with session.no_autoflush:
            return function(session, *args, **kwargs)

    return run


# ---------------------------------------------------------------------------- actions


@_action
def claim(session: Session, dossier: Dossier, actor: Account, *,
          expected_version: int | None = None) -> DossierEvent:
    """An officer of the current step takes the dossier into their own queue."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, WORKABLE, "claimed")
    if not auth.acts_at_step(actor, dossier, move.instance):
        raise Forbidden(_("Your role does not allow this at the dossier's current step."))
    if dossier.holder_account_id == actor.id:
        raise ValidationError(_("You already hold this dossier."))
    if dossier.holder_account is not None:
        raise ValidationError(_("%(name)s already holds this dossier; a leader can "
                                 "reassign it.", name=dossier.holder_account.full_name))
    dossier.holder_account = actor
    dossier.status = processing_status(session, dossier, dossier.holder_unit)
    holding = open_holding(session, dossier)
    if holding is not None:
        holding.account_id = actor.id
    return _record(session, move, "claimed", actor)


@_action
def assign(session: Session, dossier: Dossier, actor: Account, to_account, *,  # noqa: ANN001
           expected_version: int | None = None) -> DossierEvent:
    """A leader of the holding unit gives the dossier to one of its officers."""
    move = _lock(session, dossier, expected_version, actor)
    auth.require_leader(actor, dossier.holder_unit)
    _require_status(dossier, WORKABLE, "assigned")
    target = _account(session, to_account)
    if not auth.acts_at_step(target, dossier, move.instance):
        raise ValidationError(_("%(name)s does not have the role this step needs at "
                                 "%(unit)s.", name=target.full_name,
                                 unit=dossier.holder_unit.name), field="to_account")
    if dossier.holder_account_id == target.id:
        raise ValidationError(_("%(name)s already holds this dossier.",
                                 name=target.full_name), field="to_account")
    holding = open_holding(session, dossier)
    if holding is not None and holding.account_id is not None:
        # A hand-over inside the unit: a new line on the control slip, same deadline.
        holding.time_out, holding.closed_by = move.moment, "assigned"
        _open_holding(session, dossier, step_index=holding.step_index,
                      step_name=holding.step_name, role=holding.role,
                      unit=dossier.holder_unit, account=target, time_in=move.moment,
                      due_at=holding.due_at)
    elif holding is not None:
        holding.account_id = target.id
    dossier.holder_account = target
    dossier.status = processing_status(session, dossier, dossier.holder_unit)
    return _record(session, move, "assigned", actor, data={"to_account": target.username})


def _check_step_work(session: Session, move: _Move, actor: Account, action: str) -> None:
    _require_status(move.dossier, WORKABLE, action)
    auth.require_step(actor, move.dossier, move.instance)


@_action
def forward(session: Session, dossier: Dossier, actor: Account, *, note: str | None = None,
            expected_version: int | None = None) -> DossierEvent:
    """Hand the dossier to the next (specialist) step of its workflow."""
    move = _lock(session, dossier, expected_version, actor)
    _check_step_work(session, move, actor, "forwarded")
    note = _text(note, "note", required=False)
    index = move.instance.step_index
    if index + 1 >= len(move.instance.steps):
        raise ValidationError(_("This is the last step: issue the result instead."))
    if move.instance.steps[index + 1]["role"] == "leader":
        raise ValidationError(_("The next step is a leader's approval: submit the dossier "
                                 "for approval instead."))
    unit = _resolve_step_unit(session, move, index + 1)
    _enter_step(session, move, index + 1, unit, closed_by="forwarded", acting=actor)
    dossier.status = processing_status(session, dossier, unit)
    return _record(session, move, "forwarded", actor, note=note,
                   data={"from_step": index, "to_step": index + 1})


@_action
def submit_for_approval(session: Session, dossier: Dossier, actor: Account, *,
                        note: str | None = None, expected_version: int | None = None
                        ) -> DossierEvent:
    """Hand the dossier to the next step when that step is a leader's approval."""
    move = _lock(session, dossier, expected_version, actor)
    _check_step_work(session, move, actor, "submitted for approval")
    note = _text(note, "note", required=False)
    index = move.instance.step_index
    if index + 1 >= len(move.instance.steps) or (
            move.instance.steps[index + 1]["role"] != "leader"):
        raise ValidationError(_("The next step is not a leader's approval."))
    unit = _resolve_step_unit(session, move, index + 1)
    _enter_step(session, move, index + 1, unit, closed_by="submitted_for_approval",
                acting=actor)
    dossier.status = "waiting_approval"
    return _record(session, move, "submitted_for_approval", actor, note=note,
                   data={"from_step": index, "to_step": index + 1})


@_action
def approve(session: Session, dossier: Dossier, actor: Account, *, note: str | None = None,
            expected_version: int | None = None) -> DossierEvent:
    """A leader approves: on to the next step, or, after the last, the result is ready."""
    move = _lock(session, dossier, expected_version, actor)
    auth.require_leader(actor, dossier.holder_unit)
    _require_status(dossier, ("waiting_approval",), "approved")
    note = _text(note, "note", required=False)
    index = move.instance.step_index
    if index + 1 >= len(move.instance.steps):
        _to_desk(session, move, "approved", actor, open_desk_line=True)
        dossier.status = "result_ready"
        dossier.finished_at = move.moment
        return _record(session, move, "approved", actor, note=note,
                       data={"from_step": index, "to_step": None})
    unit = _resolve_step_unit(session, move, index + 1)
    _enter_step(session, move, index + 1, unit, closed_by="approved", acting=actor)
    dossier.status = ("waiting_approval" if move.instance.steps[index + 1]["role"] == "leader"
                      else processing_status(session, dossier, unit))
    return _record(session, move, "approved", actor, note=note,
                   data={"from_step": index, "to_step": index + 1})


@_action
def send_back(session: Session, dossier: Dossier, actor: Account, *, to_step: int,
              reason: str, expected_version: int | None = None) -> DossierEvent:
    """Return the dossier to an earlier specialist step, saying why."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, ("in_processing", "waiting_other_agency", "waiting_approval"),
                    "sent back")
    auth.require_step(actor, dossier, move.instance)
    reason = _text(reason, "reason")
    index = move.instance.step_index
    if isinstance(to_step, bool) or not isinstance(to_step, int) or not 0 <= to_step < index:
        raise ValidationError(_("to_step must be an earlier step (0 to %(last)s).",
                                 last=index - 1) if index else
                              _("The dossier is at its first step; there is no earlier "
                                 "step."), field="to_step")
    if move.instance.steps[to_step]["role"] != "specialist":
        raise ValidationError(_("A dossier is sent back to a specialist's step."),
                              field="to_step")
    unit = _resolve_step_unit(session, move, to_step)
    previous = _last_holder(session, dossier, to_step, unit)
    _enter_step(session, move, to_step, unit, closed_by="sent_back", account=previous,
                acting=actor)
    dossier.status = processing_status(session, dossier, unit)
    return _record(session, move, "sent_back", actor, note=reason,
                   data={"from_step": index, "to_step": to_step})


def _last_holder(session: Session, dossier: Dossier, step_index: int, unit: Unit
                 ) -> Account | None:
    """Who last worked step ``step_index`` at ``unit``, if they still may."""
    account_id = session.scalar(
        select(StepHolding.account_id).where(
            StepHolding.dossier_id == dossier.id, StepHolding.step_index == step_index,
            StepHolding.unit_id == unit.id, StepHolding.account_id.is_not(None))
        .order_by(StepHolding.position.desc()).limit(1))
    account = session.get(Account, account_id) if account_id else None
    if account is None or not account.active:
        return None
    from motcua.core.accounts import has_role

    return account if has_role(account, "specialist", unit) else None


@_action
def transfer(session: Session, dossier: Dossier, actor: Account, *, to_unit,  # noqa: ANN001
             note: str | None = None, expected_version: int | None = None) -> DossierEvent:
    """Send the dossier to another agency or unit (liên thông) within the current step.

    ``to_unit``: a :class:`Unit`, an agency code or a selector (``function:tax``,
    ``parent``). Outside the receiving agency's tree the dossier is
    ``waiting_other_agency``; that agency's officers forward it on, send it back, or
    transfer it back: back to the unit that sent it, it goes to the officer who sent it
    (:mod:`.transfers`).
    """
    move = _lock(session, dossier, expected_version, actor)
    _check_step_work(session, move, actor, "transferred")
    note = _text(note, "note", required=False)
    unit = _unit(session, dossier, to_unit)
    if unit.id == dossier.holder_unit_id:
        raise ValidationError(_("The dossier is already at %(unit)s.", unit=unit.name),
                              field="to_unit")
    instance = move.instance
    step = instance.steps[instance.step_index]
    step_unit = _resolve_step_unit(session, move, instance.step_index)
    sender = sender_of(session, dossier)
    sent_by = dossier.holder_account or actor
    _close_holding(session, dossier, move.moment, "transferred", account=actor)
    instance.transferred = unit.id != step_unit.id
    dossier.holder_unit = unit
    back_to = officer_taking_back(sender, dossier, instance)
    dossier.holder_account = back_to
    _open_holding(session, dossier, step_index=instance.step_index, step_name=step["name"],
                  role=step["role"], unit=unit, account=back_to, time_in=move.moment,
                  due_at=instance.step_due_at)
    dossier.status = processing_status(session, dossier, unit)
    data = {"to_unit": unit.code, "from_account": sent_by.username,
            "from_unit": move.from_unit_id and session.get(Unit, move.from_unit_id).code}
    if back_to is not None:
        data |= {"to_account": back_to.username, "to_account_name": back_to.full_name}
    return _record(session, move, "transferred", actor, note=note, data=data)


@_action
def request_supplement(session: Session, dossier: Dossier, actor: Account, *, missing,  # noqa: ANN001
                       note: str | None = None, expected_version: int | None = None
                       ) -> DossierEvent:
    """Ask the applicant for what is missing; the clock stops until the desk records it."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, WORKABLE, "sent a request for supplement")
    if not auth.is_reception(actor, dossier):
        auth.require_step(actor, dossier, move.instance)
    if isinstance(missing, str) or not isinstance(missing, list | tuple) or not missing:
        raise ValidationError(_("missing: list what the applicant must add."),
                              field="missing")
    if len(missing) > 50:
        raise ValidationError(_("missing: at most 50 items."), field="missing")
    items = [_text(item, f"missing.{i}", limit=400) for i, item in enumerate(missing)]
    note = _text(note, "note", required=False)
    dossier.status = "waiting_supplement"
    move.instance.paused_at = move.moment
    session.add(SupplementPause(dossier_id=dossier.id, missing=items, note=note,
                                requested_at=move.moment, requested_by_id=actor.id,
                                old_due_at=dossier.due_at))
    return _record(session, move, "supplement_requested", actor, note=note,
                   data={"missing": items})


@_action
def record_supplement(session: Session, dossier: Dossier, actor: Account, *,
                      note: str | None = None, expected_version: int | None = None
                      ) -> DossierEvent:
    """The desk records the supplement: the clock resumes and every deadline moves back
    by the working time the dossier waited."""
    move, note, data = _resume_waiting(session, dossier, actor, "waiting_supplement",
                                       "marked as supplemented", note, expected_version)
    pause = _open_pause(session, dossier)
    if pause is not None:
        pause.resumed_at = move.moment
        pause.resumed_by_id = actor.id
        pause.paused_working_minutes = data["paused_working_minutes"]
        pause.new_due_at = dossier.due_at
    return _record(session, move, "supplemented", actor, note=note, data=data)


def _resume_waiting(session: Session, dossier: Dossier, actor: Account, waiting: str,
                    verb: str, note: str | None, expected_version: int | None
                    ) -> tuple[_Move, str | None, dict]:
    """The desk or the step's officer ends a wait (``waiting``: for a supplement or a
    payment): the clock resumes and the dossier is back in processing. Returns the move,
    the checked note and the event's data (the working minutes waited, the deadline
    before and after)."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, (waiting,), verb)
    if not auth.is_reception(actor, dossier):
        auth.require_step(actor, dossier, move.instance)
    note = _text(note, "note", required=False)
    minutes, old_due = _resume_clock(session, move)
    dossier.status = processing_status(session, dossier, dossier.holder_unit)
    return move, note, {"paused_working_minutes": minutes, "old_due_at": _iso(old_due),
                        "new_due_at": _iso(dossier.due_at)}


def _resume_clock(session: Session, move: _Move) -> tuple[int, datetime]:
    """Restart a stopped clock: every deadline (the dossier's, the step's, the original
    appointment's and the open holding's) moves back by the working minutes paused.
    Returns those minutes and the dossier's deadline before the move."""
    dossier, instance = move.dossier, move.instance
    calendar = load_calendar(session)
    paused_at = instance.paused_at or move.moment
    minutes = working_minutes_between(calendar, paused_at, move.moment)
    old_due = dossier.due_at
    dossier.due_at = push_back(calendar, old_due, minutes)
    instance.step_due_at = push_back(calendar, instance.step_due_at, minutes)
    instance.original_due_at = push_back(calendar, instance.original_due_at, minutes)
    instance.paused_working_minutes = (instance.paused_working_minutes or 0) + minutes
    instance.paused_at = None
    holding = open_holding(session, dossier)
    if holding is not None:
        holding.due_at = push_back(calendar, holding.due_at, minutes)
    return minutes, old_due


def _amount(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
        raise ValidationError(_("amount: the amount due in đồng, a positive whole number."),
                              field="amount")
    return value


@_action
def pause_for_payment(session: Session, dossier: Dossier, actor: Account, *, note: str,
                      notice_number: str | None = None, amount: int | None = None,
                      expected_version: int | None = None) -> DossierEvent:
    """Stop the clock while the applicant pays a financial obligation (the tax notice
    of a land transfer): Decree 61 leaves that time out of the deadline. Taken by the
    officer working the current step (or a leader over it); ``note`` says what to pay,
    ``notice_number`` and ``amount`` (đồng) name the notice if there is one."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, WORKABLE, "paused for payment")
    auth.require_step(actor, dossier, move.instance)
    note = _text(note, "note")
    notice_number = _text(notice_number, "notice_number", required=False, limit=100)
    amount = _amount(amount)
    dossier.status = "waiting_payment"
    move.instance.paused_at = move.moment
    return _record(session, move, "paused_for_payment", actor, note=note, data={
        "notice_number": notice_number, "amount": amount})


@_action
def record_payment(session: Session, dossier: Dossier, actor: Account, *,
                   note: str | None = None, expected_version: int | None = None
                   ) -> DossierEvent:
    """The desk (or the officer holding the dossier) records that the applicant paid:
    the clock resumes and every deadline moves back by the working time waited, as
    when a supplement is recorded."""
    move, note, data = _resume_waiting(session, dossier, actor, "waiting_payment",
                                       "marked as paid", note, expected_version)
    return _record(session, move, "payment_recorded", actor, note=note, data=data)


@_action
def apologize(session: Session, dossier: Dossier, actor: Account, *, new_due_at: datetime,
              reason: str, expected_version: int | None = None) -> DossierEvent:
    """Apologise for a coming delay and set a new appointment; the dossier still counts
    as late against its original deadline (kept in ``original_due_at``). A naive
    ``new_due_at`` is read as Vietnam time."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, UNFINISHED, "given a new appointment")
    if not (auth.acts_at_step(actor, dossier, move.instance) or auth.is_reception(actor, dossier)
            or auth.is_leader_over(actor, dossier.holder_unit)):
        raise Forbidden(_("Your role does not allow this at the dossier's current step."))
    reason = _text(reason, "reason")
    if not isinstance(new_due_at, datetime):
        raise ValidationError(_("new_due_at: the new appointment's date and time."),
                              field="new_due_at")
    if new_due_at.tzinfo is None:  # a wall-clock time typed at an office: Vietnam time
        new_due_at = timeutil.from_local(new_due_at)
    if new_due_at <= dossier.due_at:
        raise ValidationError(_("The new appointment must be later than the current one."),
                              field="new_due_at")
    if new_due_at <= move.moment:
        raise ValidationError(_("The new appointment must be in the future."),
                              field="new_due_at")
    instance = move.instance
    data = {"new_due_at": _iso(new_due_at), "old_due_at": _iso(dossier.due_at)}
    if instance.original_due_at is None:
        instance.original_due_at = dossier.due_at
        data["original_due_at"] = _iso(dossier.due_at)
    dossier.due_at = new_due_at
    return _record(session, move, "apology", actor, note=reason, data=data)


@_action
def refuse(session: Session, dossier: Dossier, actor: Account, *, reason: str,
           expected_version: int | None = None) -> DossierEvent:
    """Refuse the dossier during processing (the desk prints the refusal slip)."""
    move = _lock(session, dossier, expected_version, actor)
    _require_status(dossier, UNFINISHED, "refused")
    if not auth.is_leader_over(actor, dossier.holder_unit):
        auth.require_step(actor, dossier, move.instance)
    reason = _text(reason, "reason")
    _end_pause(session, dossier, move.instance, move.moment, actor)
    _to_desk(session, move, "refused", actor, open_desk_line=False)
    dossier.status = "refused"
    dossier.refusal_reason = reason
    dossier.finished_at = move.moment
    return _record(session, move, "refused", actor, note=reason)


@_action
def withdraw(session: Session, dossier: Dossier, actor: Account, *, reason: str,
             expected_version: int | None = None) -> DossierEvent:
    """The applicant withdraws the dossier; the desk records it."""
    move = _lock(session, dossier, expected_version, actor)
    auth.require_reception(actor, dossier)
    _require_status(dossier, UNFINISHED, "withdrawn")
    reason = _text(reason, "reason")
    _end_pause(session, dossier, move.instance, move.moment, actor)
    _to_desk(session, move, "withdrawn", actor, open_desk_line=False)
    dossier.status = "withdrawn"
    dossier.finished_at = move.moment
    return _record(session, move, "withdrawn", actor, note=reason)


def _check_result(result: object) -> dict:
    if not isinstance(result, dict) or not result:
        raise ValidationError(_("result: an object describing the result (e.g. its "
                                 "number)."), field="result")
    if not all(isinstance(key, str) and key for key in result):
        raise ValidationError(_("result: keys must be text."), field="result")
    number = result.get("number")
    if number is not None and (not isinstance(number, str) or not number.strip()
                               or len(number) > 100):
        raise ValidationError(_("result.number: text of 1 to 100 characters."),
                              field="result.number")
    try:
        encoded = json.dumps(result, ensure_ascii=False)
    except (TypeError, ValueError):
        raise ValidationError(_("result: only text, numbers, lists and objects."),
                              field="result") from None
    if len(encoded) > 20000:
        raise ValidationError(_("result: too large."), field="result")
    return json.loads(encoded)


@_action
def issue_result(session: Session, dossier: Dossier, actor: Account, *,
                 result: dict | None = None, expected_version: int | None = None,
                 plugin_result: Callable[[], dict | None] | None = None) -> DossierEvent:
    """Record the result (licence number ...); the dossier goes back to the desk.

    Allowed at the last step: by its specialist when it is a specialist's step, or by a
    leader when it is an approval (approving and issuing at once); and once the result
    is ready without a recorded result (after the last approval), by the desk or a
    leader of the receiving agency.

    ``plugin_result`` asks the handling plugin for its result (certificate number,
    register row); it is called only once every check on the actor and the dossier's
    state passed, so nobody outside the step can make a plugin count or write, and its
    answer (if not None) replaces ``result``.
    """
    move = _lock(session, dossier, expected_version, actor)
    instance = move.instance
    last = instance.step_index == len(instance.steps) - 1
    if dossier.status == "result_ready":
        if dossier.result:
            raise ValidationError(_("The result of this dossier was already issued."))
        if not (auth.is_reception(actor, dossier) or auth.is_leader_over(actor, dossier.unit)):
            raise Forbidden(_("Only the desk or a leader can record this result."))
    elif dossier.status == "waiting_approval":
        auth.require_leader(actor, dossier.holder_unit)
        if not last:
            raise ValidationError(_("The result is issued after the last step; approve "
                                     "this step instead."))
    else:
        _require_status(dossier, WORKABLE, "given a result")
        auth.require_step(actor, dossier, instance)
        if not last or instance.steps[instance.step_index]["role"] != "specialist":
            raise ValidationError(_("The result is issued at the last step; forward or "
                                     "submit the dossier instead."))
    if plugin_result is not None:
        issued = plugin_result()
        if issued is not None:
            result = issued
    value = _check_result(result)
    dossier.result = value
    if dossier.status != "result_ready":
        _to_desk(session, move, "result_issued", actor, open_desk_line=True)
        dossier.status = "result_ready"
        dossier.finished_at = move.moment
    return _record(session, move, "result_issued", actor, data=value)


@_action
def return_result(session: Session, dossier: Dossier, actor: Account, *, collected_by: str,
                  method: str, expected_version: int | None = None) -> DossierEvent:
    """The desk hands the result to the applicant: who collected it, and how. Only an
    issued result can be handed over: every procedure names its result (``result_type``),
    so a dossier approved without one waits at the desk until it is issued (and the
    applicant told), see :func:`result_to_return`."""
    move = _lock(session, dossier, expected_version, actor)
    auth.require_reception(actor, dossier)
    _require_status(dossier, ("result_ready",), "returned")
    if not result_to_return(dossier):
        raise ValidationError(_("The result of this dossier has not been issued yet; "
                                 "issue it before returning it to the applicant."))
    collected_by = _text(collected_by, "collected_by", limit=160)
    if method not in RETURN_METHODS:
        raise ValidationError(_("method must be one of %(methods)s.",
                                 methods=", ".join(RETURN_METHODS)), field="method")
    _close_holding(session, dossier, move.moment, "returned", account=actor)
    dossier.status = "returned"
    dossier.returned_at = move.moment
    dossier.holder_account = actor
    return _record(session, move, "returned", actor,
                   data={"collected_by": collected_by, "method": method})


def result_to_return(dossier: Dossier) -> bool:
    """Whether the dossier has an issued result for the desk to hand over."""
    return bool(dossier.result)


def available_actions(session: Session, dossier: Dossier, actor: Account) -> list[str]:
    """Names of the actions ``actor`` may take on ``dossier`` now, for screens to offer
    as buttons. The actions still check everything (including their input) themselves;
    an action missing here would be refused."""
    instance = session.get(DossierWorkflow, dossier.id)
    if instance is None or dossier.status in ("returned", "refused", "withdrawn"):
        return []
    if not auth.is_involved(actor, dossier):
        return []
    status, holder = dossier.status, dossier.holder_unit
    reception = auth.is_reception(actor, dossier)
    leader = auth.is_leader_over(actor, holder)
    at_step = auth.acts_at_step(actor, dossier, instance)
    free = dossier.holder_account_id in (None, actor.id) or leader
    works = (at_step or leader) and free
    steps, index = instance.steps, instance.step_index
    nxt = steps[index + 1]["role"] if index + 1 < len(steps) else None
    last = nxt is None
    earlier = any(step["role"] == "specialist" for step in steps[:index])
    found: list[str] = []

    def offer(name: str, allowed: bool) -> None:
        if allowed:
            found.append(name)

    if status in WORKABLE:
        offer("claim", at_step and dossier.holder_account_id is None)
        offer("assign", leader)
        offer("forward", works and nxt == "specialist")
        offer("submit_for_approval", works and nxt == "leader")
        offer("transfer", works)
        offer("send_back", works and status != "received" and earlier)
        offer("request_supplement", works or reception)
        offer("pause_for_payment", works)
        offer("issue_result", works and last and steps[index]["role"] == "specialist")
    elif status == "waiting_approval":
        offer("approve", leader)
        offer("send_back", works and earlier)
        offer("issue_result", leader and last)
    elif status == "waiting_supplement":
        offer("record_supplement", reception or works)
    elif status == "waiting_payment":
        offer("record_payment", reception or works)
    elif status == "result_ready":
        offer("issue_result", not dossier.result and (
            reception or auth.is_leader_over(actor, dossier.unit)))
        offer("return_result", reception and result_to_return(dossier))
    if status in UNFINISHED:
        offer("apologize", at_step or reception or leader)
        offer("refuse", works or leader)
        offer("withdraw", reception)
    return found


ACTIONS = {
    "claim": claim, "assign": assign, "forward": forward, "send_back": send_back,
    "transfer": transfer, "submit_for_approval": submit_for_approval, "approve": approve,
    "request_supplement": request_supplement, "record_supplement": record_supplement,
    "pause_for_payment": pause_for_payment, "record_payment": record_payment,
    "apologize": apologize, "refuse": refuse, "withdraw": withdraw,
    "issue_result": issue_result, "return_result": return_result,
}
