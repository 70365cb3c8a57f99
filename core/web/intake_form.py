"""The intake form: receive a dossier, hand out a guidance slip, or refuse at the desk.

The page posts back to itself. The intake services validate everything before they
write, so on any :class:`MotcuaError` the session is rolled back and the form is shown
again with the message next to the field and every entered value kept. On success the
transaction commits and the browser is redirected to the slip (POST/redirect/GET).

A *back-entry* mode (``?mode=back``) enters a dossier that was taken on paper while the
system was down (004 Art. 7.3): the officer gives the original receipt time and a reason,
and the appointment shown is counted from that time, as the stored deadline is (the page
asks ``/intake/<code>/appointment`` as soon as the time is typed).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from motcua.core.attachments import IncomingFile
from motcua.core.errors import InvalidFields, MotcuaError, NotFound, ValidationError
from motcua.core.extensions import db_session, settings
from motcua.core.intake import DeskContext, give_guidance, load_calendar, refuse_at_desk, take_in
from motcua.core.models import Procedure, Unit
from motcua.core.models.dossiers import DOCUMENT_QUANTITY_MAX
from motcua.core.timeutil import from_local, now
from motcua.core.web.dossier_pages import COPY_KINDS
from motcua.core.web.helpers import format_datetime, role_required
from motcua.core.web.scope import intake_units
from motcua.core.web.specialist_form import (
    read_specialist,
    required_at_desk,
    row_count,
    specialist_fields,
    typed_any,
)

bp = Blueprint("intake", __name__)

REQUIRED_FIELDS = ("applicant.name", "applicant.citizen_id", "applicant.address")
ACTIONS = ("receive", "guidance", "refuse")


def _procedure(code: str) -> Procedure:
    procedure = db_session().scalar(
        select(Procedure)
        .where(Procedure.code == code.strip(), Procedure.active.is_(True))
        .options(selectinload(Procedure.documents), selectinload(Procedure.receiving_units))
    )
    if procedure is None:
        raise NotFound(_("Unknown procedure %(code)s.", code=code))
    return procedure


def _text(form: MultiDict, name: str) -> str | None:
    """A stripped form value; blank becomes None so optional fields stay empty."""
    value = (form.get(name) or "").strip()
    return value or None


def _applicant(form: MultiDict) -> dict:
    return {
        "name": _text(form, "applicant.name") or "",
        "citizen_id": _text(form, "applicant.citizen_id") or "",
        "phone": _text(form, "applicant.phone"),
        "email": _text(form, "applicant.email"),
        "address": _text(form, "applicant.address") or "",
        "organization": _text(form, "applicant.organization"),
    }


def _submitted(form: MultiDict) -> list[int]:
    try:
        return [int(value) for value in form.getlist("documents")]
    except ValueError:
        raise ValidationError(_("The checklist was not sent correctly; reload the form."),
                              field="submitted_documents") from None


def _document_forms(form: MultiDict, procedure: Procedure) -> list[dict]:
    """Form and quantity of every checklist line, in the procedure's order (so an error at
    ``document_forms.<i>`` is shown at the i-th line); a line the page did not send keeps
    the procedure's values."""
    return [{"document_id": document.id,
             "copy_kind": form.get(f"copy_kind_{document.id}") or document.copy_kind,
             "quantity": (form.get(f"quantity_{document.id}") or "").strip()
             or document.quantity}
            for document in procedure.documents]


def _files() -> list[IncomingFile]:
    """Uploaded files: ``file_<document id>`` inputs belong to that checklist line,
    ``files`` are general attachments. Empty inputs are skipped."""
    incoming = []
    for key in request.files:
        document_id = None
        if key.startswith("file_"):
            try:
                document_id = int(key.removeprefix("file_"))
            except ValueError:
                raise ValidationError(_("Unknown file field %(key)s.", key=key),
                                      field="attachments") from None
        elif key != "files":
            continue
        for upload in request.files.getlist(key):
            if not upload.filename:
                continue
            incoming.append(IncomingFile(filename=upload.filename,
                                         content_type=upload.mimetype or "",
                                         data=upload.read(), document_id=document_id))
    return incoming


def _received_at(form: MultiDict) -> datetime:
    """The original receipt time of a back-entered dossier, read as Vietnam time."""
    day, clock = _text(form, "received_date"), _text(form, "received_time")
    if not day or not clock:
        raise ValidationError(_("Enter the date and time the paper dossier was received."),
                              field="received_at")
    try:
        naive = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationError(_("The original receipt date or time is not valid."),
                              field="received_at") from None
    return from_local(naive)


def _appointment(procedure: Procedure, received_at: datetime) -> datetime:
    """When the result is due for a dossier of ``procedure`` received at ``received_at``:
    the same computation as the stored deadline of :func:`take_in`."""
    return load_calendar(db_session()).due_at(received_at, procedure.processing_days)


def _back_entry_due(procedure: Procedure, form: MultiDict) -> str | None:
    """The appointment sentence of back-entry mode, once the original time is given."""
    try:
        received_at = _received_at(form)
    except ValidationError:
        return None
    return _("Counted from the original receipt time, the result is due on %(when)s.",
             when=format_datetime(_appointment(procedure, received_at)))


def _require_filled(form: MultiDict, names: tuple[str, ...]) -> None:
    for name in names:
        if not _text(form, name):
            raise ValidationError(_("This field is required."), field=name)


def _unit_code(form: MultiDict, units: list[Unit]) -> str:
    chosen = _text(form, "unit_code")
    if chosen:
        return chosen
    return units[0].code if units else ""


def _perform(action: str, procedure: Procedure, units: list[Unit], back_entry: bool):
    """Run the chosen desk action; returns where to go next. Raises MotcuaError."""
    form = request.form
    ctx = DeskContext(session=db_session(), actor=current_user, settings=settings())
    unit_code = _unit_code(form, units)
    if action == "guidance":
        _require_filled(form, ("applicant.name",))
        guidance = give_guidance(
            ctx, procedure_code=procedure.code, unit_code=unit_code,
            applicant_name=_text(form, "applicant.name") or "",
            applicant_phone=_text(form, "applicant.phone"),
            submitted_documents=set(_submitted(form)), note=_text(form, "note"),
        )
        return url_for("desk.slips.guidance", guidance_id=guidance.id)
    if action == "refuse":
        _require_filled(form, REQUIRED_FIELDS)
        if not _text(form, "refusal_reason"):
            raise ValidationError(_("Give the reason for refusing the dossier."),
                                  field="reason")
        dossier = refuse_at_desk(ctx, {
            "procedure_code": procedure.code, "unit_code": unit_code,
            "applicant": _applicant(form), "reason": _text(form, "refusal_reason"),
        })
        return url_for("desk.slips.refusal", code=dossier.code)
    data = {
        "procedure_code": procedure.code,
        "unit_code": unit_code,
        "applicant": _applicant(form),
        "submitted_documents": _submitted(form),
        "document_forms": _document_forms(form, procedure),
        "note": _text(form, "note"),
        "sms_consent": form.get("sms_consent") == "on",
    }
    if back_entry:
        data["received_at"] = _received_at(form).isoformat()
        data["back_entry_reason"] = _text(form, "back_entry_reason")
    data["specialist_data"], unreadable = read_specialist(form, specialist_fields(procedure))
    ctx.files = _files()
    try:
        dossier = take_in(ctx, data)
    except InvalidFields as error:
        raise InvalidFields(_desk_errors(form, error.errors, unreadable)) from None
    if unreadable:
        # Nothing is committed: the caller rolls back on the error.
        raise InvalidFields(unreadable)
    return url_for("desk.slips.receipt", code=dossier.code)


def _desk_errors(form: MultiDict, errors: list[tuple[str, str]],
                 unreadable: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every error the form shows: a blank required applicant field says so, a number
    that could not be read says how to write it, the rest as the checks put them."""
    replaced = [(name, _("This field is required.")) for name in REQUIRED_FIELDS
                if not _text(form, name)]
    replaced += unreadable
    taken = {name for name, _message in replaced}
    return replaced + [(name, message) for name, message in errors if name not in taken]


def _field_message(error: MotcuaError) -> str:
    """The service's message without its ``field.path:`` prefix (shown next to the field)."""
    prefix = f"{error.field}: " if error.field else ""
    return error.message.removeprefix(prefix)


def _render(procedure: Procedure, units: list[Unit], *, back_entry: bool,
            form: MultiDict | None = None, error: MotcuaError | None = None):
    form = form or MultiDict()
    appointment = _appointment(procedure, now())
    errors = {}
    if isinstance(error, InvalidFields):
        for name, message in error.errors:
            errors.setdefault(name or "_form", message)
    elif error is not None:
        errors[error.field or "_form"] = _field_message(error)
    specialist = specialist_fields(procedure)
    required = bool(specialist) and required_at_desk(procedure)
    return render_template(
        "desk/intake.html", procedure=procedure, units=units, back_entry=back_entry,
        form=form, errors=errors, error=error, appointment=appointment,
        back_entry_due=_back_entry_due(procedure, form) if back_entry else None,
        max_kb=settings().attachment_max_bytes // 1024, copy_kinds=COPY_KINDS,
        quantity_max=DOCUMENT_QUANTITY_MAX, specialist=specialist,
        specialist_rows=lambda path: row_count(form, path),
        specialist_required=required,
        specialist_open=required or typed_any(form)
        or any(name.startswith("specialist_data") for name in errors),
    ), (error.status_code if error else 200)


@bp.route("/intake/<procedure_code>", methods=["GET", "POST"])
@role_required("reception")
def form(procedure_code: str):
    procedure = _procedure(procedure_code)
    units = intake_units(db_session(), current_user, procedure)
    if not units:
        abort(403, description=_("None of your units receives dossiers for this procedure."))
    back_entry = (request.values.get("mode") == "back")
    if request.method == "GET":
        return _render(procedure, units, back_entry=back_entry)
    action = request.form.get("action", "receive")
    if action not in ACTIONS:
        abort(400, description=_("Unknown action."))
    session = db_session()
    try:
        target = _perform(action, procedure, units, back_entry)
        session.commit()
    except MotcuaError as error:
        session.rollback()
        return _render(procedure, units, back_entry=back_entry, form=request.form, error=error)
    return redirect(target)


@bp.route("/intake/<procedure_code>/appointment")
@role_required("reception")
def appointment(procedure_code: str):
    """The back-entry appointment for ``received_date`` and ``received_time`` (JSON)."""
    procedure = _procedure(procedure_code)
    received_at = _received_at(request.args)
    due_at = _appointment(procedure, received_at)
    return jsonify({
        "received_at": received_at.isoformat(), "due_at": due_at.isoformat(),
        "message": _("Counted from the original receipt time, the result is due on "
                     "%(when)s.", when=format_datetime(due_at)),
    })
