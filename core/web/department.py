"""Department work screens: queues, the dossier work page and its action forms.

Every action form posts the dossier version it was rendered with (``expected_version``);
the routing functions (:mod:`motcua.core.workflow.actions`) compare it under the row
lock, so an officer acting on a page someone else has changed since gets a clear
conflict message and nothing changes. Any other refusal (role, unit, input) is shown as
a message on the form it came from, with the values entered kept. On success the
transaction commits and the browser is redirected (POST/redirect/GET): to the slip the
action produces (supplement request, apology, refusal), else back to the work page.

Notices (:mod:`motcua.core.notices`) and the printable slips of processing
(:mod:`.department_slips`) are nested blueprints, so the app factory only knows
``department``.
"""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from motcua.core import timeutil
from motcua.core.accounts import has_role
from motcua.core.errors import Conflict, MotcuaError, ValidationError
from motcua.core.extensions import db_session
from motcua.core.intake import load_calendar
from motcua.core.models import (
    Account,
    Dossier,
    DossierWorkflow,
    RoleAssignment,
    Unit,
)
from motcua.core.plugin_manager.dossiers import issue_result as plugin_issue_result
from motcua.core.timeutil import from_local, local
from motcua.core.web.department_notices import bp as notices_bp
from motcua.core.web.department_search import bp as search_bp
from motcua.core.web.department_search import filter_choices
from motcua.core.web.department_slips import bp as slips_bp
from motcua.core.web.dossier_search import apply_filters, paged, read_filters, read_page
from motcua.core.web.scope import may_view, visible_dossier
from motcua.core.workflow import actions
from motcua.core.workflow import authorization as auth
from motcua.core.workflow.choices import likely_actions
from motcua.core.workflow.control import control_slip_rows, original_due_at
from motcua.core.workflow.deadlines import add_working_days
from motcua.core.workflow.lateness import (
    dossier_is_late,
    is_due_soon,
    is_overdue,
    load_workflows,
)
from motcua.core.workflow.queues import (
    my_queue,
    my_queue_statement,
    unit_queue,
    unit_queue_statement,
)
from motcua.core.workflow.transfers import Sender, sender_of
from motcua_sdk.numbers import NumberError, parse_number

bp = Blueprint("department", __name__, url_prefix="/department")
bp.register_blueprint(notices_bp)
bp.register_blueprint(slips_bp)
bp.register_blueprint(search_bp)

WORKING_ROLES = ("specialist", "leader", "reception", "ict_admin")
MAX_MISSING_LINES = 50
DEFAULT_APPOINTMENT_TIME = time(16, 0)

ACTION_LABELS = {
    "claim": _l("Claim"),
    "assign": _l("Assign to a colleague"),
    "forward": _l("Forward to the next step"),
    "submit_for_approval": _l("Submit for approval"),
    "send_back": _l("Send back to an earlier step"),
    "transfer": _l("Transfer to another agency"),
    "request_supplement": _l("Request a supplement"),
    "record_supplement": _l("Record the supplement"),
    "pause_for_payment": _l("Pause while the applicant pays a financial obligation"),
    "record_payment": _l("Record the payment of financial obligations"),
    "apologize": _l("Apologise and set a new appointment"),
    # Refusing during processing, not the desk's refusal to receive (its own slip).
    "refuse": _l("Refuse to settle"),
    "withdraw": _l("Withdraw on the applicant's request"),
    "approve": _l("Approve"),
    "issue_result": _l("Issue the result"),
    "return_result": _l("Return the result to the applicant"),
}
DONE_MESSAGES = {
    "claim": _l("You now hold dossier %(code)s."),
    "assign": _l("Dossier %(code)s was assigned."),
    "forward": _l("Dossier %(code)s was forwarded to the next step."),
    "submit_for_approval": _l("Dossier %(code)s was submitted for approval."),
    "send_back": _l("Dossier %(code)s was sent back."),
    "transfer": _l("Dossier %(code)s was transferred."),
    "request_supplement": _l("A supplement was requested for dossier %(code)s; print the "
                             "slip for the applicant."),
    "record_supplement": _l("The supplement of dossier %(code)s was recorded; the clock "
                            "runs again."),
    "pause_for_payment": _l("Dossier %(code)s waits for the applicant's payment; the clock "
                            "is stopped."),
    "record_payment": _l("The payment for dossier %(code)s was recorded; the clock runs "
                         "again."),
    "apologize": _l("The new appointment of dossier %(code)s was recorded; print the "
                    "apology slip."),
    "refuse": _l("Dossier %(code)s was refused; print the refusal slip."),
    "withdraw": _l("Dossier %(code)s was withdrawn."),
    "approve": _l("Dossier %(code)s was approved."),
    "issue_result": _l("The result of dossier %(code)s was issued; it is back at the desk."),
    "return_result": _l("The result of dossier %(code)s was returned to the applicant."),
}
RETURN_METHOD_LABELS = {"in_person": _l("In person at the desk"), "post": _l("By post"),
                        "online": _l("Online")}


@bp.app_context_processor
def _notice_globals() -> dict:
    """``unread_notices()`` for the navigation (counted only where a page asks)."""
    def unread_notices() -> int:
        if not current_user.is_authenticated:
            return 0
        from motcua.core.notices import unread_count

        return unread_count(db_session(), current_user)

    def works_in_department() -> bool:
        return current_user.is_authenticated and any(
            a.role in WORKING_ROLES for a in current_user.roles)

    def works_at_desk() -> bool:
        return current_user.is_authenticated and has_role(current_user, "reception")

    return {"unread_notices": unread_notices, "works_in_department": works_in_department,
            "works_at_desk": works_at_desk}


# ---------------------------------------------------------------------------- queues


def due_soon_horizon(session: Session) -> datetime:
    """Dossiers due before this moment (one working day from now) are "due soon"."""
    return add_working_days(load_calendar(session), timeutil.now(), 1)


@bp.route("/")
@login_required
def queues():
    """The officer's queues: what they hold, and what waits in their units; the one
    shown narrowed by the filters and paged."""
    session = db_session()
    account: Account = current_user
    scope = request.args.get("scope") or "mine"
    if scope not in ("mine", "unit"):
        abort(400, description=_("Unknown queue."))
    filters = read_filters(request.args)
    page, per_page = read_page(request.args)
    statement = my_queue_statement(account) if scope == "mine" else unit_queue_statement(
        account)
    shown = paged(session, apply_filters(statement, filters), page, per_page)
    mine, units = my_queue(session, account), unit_queue(session, account)
    horizon = due_soon_horizon(session)
    both = {*mine, *units}
    load_workflows(session, both)
    counts = {
        "mine": len(mine), "unit": len(units),
        "overdue": sum(1 for d in both if is_overdue(d)),
        "due_soon": sum(1 for d in both if is_due_soon(d, horizon)),
    }
    return render_template("department/queues.html", scope=scope, dossiers=shown.items,
                           found=shown, filters=filters, counts=counts, horizon=horizon,
                           is_overdue=is_overdue, steps=_current_steps(session, shown.items),
                           **filter_choices(session, account))


def _current_steps(session: Session, dossiers: list[Dossier]) -> dict[int, DossierWorkflow]:
    if not dossiers:
        return {}
    rows = session.scalars(select(DossierWorkflow).where(
        DossierWorkflow.dossier_id.in_([d.id for d in dossiers])))
    return {row.dossier_id: row for row in rows}


# ---------------------------------------------------------------------------- work page


def assign_candidates(session: Session, dossier: Dossier, instance: DossierWorkflow
                      ) -> list[Account]:
    """Active officers who may work the dossier's current step (for "assign")."""
    holder = dossier.holder_unit
    if holder is None:
        return []
    ids = [int(part) for part in holder.path.strip("/").split("/") if part]
    roles = ("specialist", "leader") if instance.transferred else (instance.holder_role,)
    found = session.scalars(
        select(Account).join(RoleAssignment)
        .where(RoleAssignment.unit_id.in_(ids), RoleAssignment.role.in_(roles),
               Account.active.is_(True)).distinct().order_by(Account.full_name))
    return [account for account in found if account.id != dossier.holder_account_id]


def transfer_targets(session: Session, dossier: Dossier, sender: Sender | None = None
                     ) -> list[Unit]:
    """Active units the dossier can be transferred to (every unit but its holder), but
    the unit that sent it, which the form offers first on its own."""
    query = select(Unit).where(Unit.active.is_(True), Unit.id != dossier.holder_unit_id)
    if sender is not None:
        query = query.where(Unit.id != sender.unit.id)
    return list(session.scalars(query.order_by(Unit.path)))


def _render_work(dossier: Dossier, *, failed: str | None = None,
                 error: MotcuaError | None = None, form: MultiDict | None = None):
    session = db_session()
    account: Account = current_user
    instance = session.get(DossierWorkflow, dossier.id)
    available = actions.available_actions(session, dossier, account)
    steps = instance.steps if instance else []
    index = instance.step_index if instance else None
    primary, others = likely_actions(available, dossier, instance)
    sender = sender_of(session, dossier) if "transfer" in available else None
    if sender is not None and not sender.unit.active:
        sender = None
    context = {
        "dossier": dossier, "instance": instance, "available": available,
        "primary": primary, "others": others, "sender": sender,
        "labels": ACTION_LABELS,
        "return_methods": RETURN_METHOD_LABELS,
        # Against the original deadline: after an apology it is still counted late.
        "late": dossier_is_late(dossier),
        "original_due_at": original_due_at(session, dossier),
        "rows": control_slip_rows(session, dossier),
        "failed": failed, "error": error, "form": form or MultiDict(),
        "earlier_steps": [(i, step) for i, step in enumerate(steps)
                          if index is not None and i < index and step["role"] == "specialist"],
        "candidates": assign_candidates(session, dossier, instance)
        if instance and "assign" in available else [],
        "units": transfer_targets(session, dossier, sender) if "transfer" in available else [],
        "today": local(timeutil.now()).date().isoformat(),
    }
    status = error.status_code if error is not None else 200
    return render_template("department/dossier.html", **context), status


@bp.route("/dossiers/<code>")
@login_required
def work(code: str):
    """A dossier's work page: where it is, its history, and what the officer may do."""
    return _render_work(visible_dossier(db_session(), current_user, code))


# ---------------------------------------------------------------------------- actions


def _value(form: MultiDict, name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def _expected_version(form: MultiDict) -> int:
    try:
        return int(form.get("expected_version", ""))
    except ValueError:
        raise ValidationError(_("The form was not sent correctly; reload the page."),
                              field="expected_version") from None


def _form_amount(form: MultiDict) -> int | None:
    """The amount typed on the form ("12.500.000" or "12500000" đồng), or None if blank."""
    raw = (form.get("amount") or "").strip()
    if not raw:
        return None
    # One reading of typed numbers for the whole platform: "12,5" is not 125.
    try:
        amount = parse_number(raw, integer=True)
    except NumberError:
        amount = None
    if amount is None or amount < 0 or amount >= 10**16:
        raise ValidationError(_("amount: the amount due in đồng, a positive whole number."),
                              field="amount")
    return int(amount)


def _missing(form: MultiDict) -> list[str]:
    """What the applicant must add: the ticked checklist lines and any other lines."""
    items = [item.strip() for item in form.getlist("missing") if item.strip()]
    items += [line.strip() for line in (form.get("missing_other") or "").splitlines()
              if line.strip()]
    if not items:
        raise ValidationError(_("Tick or write at least one missing document."),
                              field="missing")
    if len(items) > MAX_MISSING_LINES:
        raise ValidationError(_("At most %(n)s missing documents.", n=MAX_MISSING_LINES),
                              field="missing")
    return items


def _new_appointment(form: MultiDict) -> datetime:
    """The apology's new appointment, typed as a Vietnam date (and time)."""
    day = _value(form, "new_due_date")
    clock = _value(form, "new_due_time") or DEFAULT_APPOINTMENT_TIME.strftime("%H:%M")
    if not day:
        raise ValidationError(_("Give the new appointment date."), field="new_due_at")
    try:
        return from_local(datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M"))
    except ValueError:
        raise ValidationError(_("The new appointment date or time is not valid."),
                              field="new_due_at") from None


def _send_back_step(form: MultiDict) -> int:
    try:
        return int(form.get("to_step", ""))
    except ValueError:
        raise ValidationError(_("Choose the step to send the dossier back to."),
                              field="to_step") from None


def _result(form: MultiDict) -> dict:
    number = _value(form, "result_number")
    if not number:
        raise ValidationError(_("Give the number of the result document."),
                              field="result.number")
    result = {"number": number}
    summary = _value(form, "result_summary")
    if summary:
        result["summary"] = summary
    return result


def perform(session: Session, name: str, dossier: Dossier, actor: Account,
            form: MultiDict):
    """Run action ``name`` with the values of ``form``; returns the event.
    Raises MotcuaError (nothing written) on any refusal: Forbidden for an officer not
    involved with the dossier before any of the form is read."""
    auth.require_involved(actor, dossier)
    version = _expected_version(form)
    common = {"expected_version": version}
    if name == "claim":
        return actions.claim(session, dossier, actor, **common)
    if name == "assign":
        target = _value(form, "to_account")
        if not target:
            raise ValidationError(_("Choose the colleague to assign the dossier to."),
                                  field="to_account")
        return actions.assign(session, dossier, actor, target, **common)
    if name in ("forward", "submit_for_approval", "approve", "record_supplement",
                "record_payment"):
        return actions.ACTIONS[name](session, dossier, actor, note=_value(form, "note"),
                                     **common)
    if name == "send_back":
        return actions.send_back(session, dossier, actor, to_step=_send_back_step(form),
                                 reason=_value(form, "reason"), **common)
    if name == "transfer":
        unit = _value(form, "to_unit")
        if not unit:
            raise ValidationError(_("Choose the agency to transfer the dossier to."),
                                  field="to_unit")
        return actions.transfer(session, dossier, actor, to_unit=unit,
                                note=_value(form, "note"), **common)
    if name == "request_supplement":
        return actions.request_supplement(session, dossier, actor, missing=_missing(form),
                                          note=_value(form, "note"), **common)
    if name == "pause_for_payment":
        return actions.pause_for_payment(session, dossier, actor, note=_value(form, "note"),
                                         notice_number=_value(form, "notice_number"),
                                         amount=_form_amount(form), **common)
    if name == "apologize":
        return actions.apologize(session, dossier, actor, new_due_at=_new_appointment(form),
                                 reason=_value(form, "reason"), **common)
    if name in ("refuse", "withdraw"):
        return actions.ACTIONS[name](session, dossier, actor, reason=_value(form, "reason"),
                                     **common)
    if name == "issue_result":
        # A procedure handled by a plugin gets its certificate number from the plugin;
        # both are read only after issue_result checked the officer and the state.
        return actions.issue_result(
            session, dossier, actor, **common,
            plugin_result=lambda: plugin_issue_result(dossier, actor) or _result(form))
    if name == "return_result":
        return actions.return_result(session, dossier, actor,
                                     collected_by=_value(form, "collected_by"),
                                     method=form.get("method", ""), **common)
    abort(404, description=_("Unknown action."))
    return None


def _conflict() -> Conflict:
    return Conflict(_("The dossier was just updated by someone else; please reload."))


def _next_page(name: str, dossier: Dossier) -> str:
    if name == "request_supplement":
        return url_for("department.slips.supplement", code=dossier.code)
    if name == "apologize":
        return url_for("department.slips.apology", code=dossier.code)
    if name == "refuse":
        return url_for("department.slips.refusal", code=dossier.code)
    if may_view(current_user, dossier.unit, dossier.holder_unit):
        return url_for("department.work", code=dossier.code)
    return url_for("department.queues")


@bp.route("/dossiers/<code>/actions/<name>", methods=["POST"])
@login_required
def act(code: str, name: str):
    """Run one action from its form on the work page."""
    if name not in actions.ACTIONS:
        abort(404, description=_("Unknown action."))
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    try:
        perform(session, name, dossier, current_user, request.form)
        session.commit()
    except (MotcuaError, StaleDataError) as failure:
        session.rollback()
        error = failure if isinstance(failure, MotcuaError) else _conflict()
        if isinstance(error, Conflict):
            error = _conflict()
        try:
            dossier = visible_dossier(session, current_user, code)
        except MotcuaError:
            raise error from None  # it moved out of the officer's sight: the error page
        return _render_work(dossier, failed=name, error=error, form=request.form)
    flash(str(DONE_MESSAGES[name] % {"code": dossier.code}))
    return redirect(_next_page(name, dossier))
