"""A dossier's page at the desk: details, specialist data, checklist, attachments, fees,
timeline, deadline."""

from __future__ import annotations

import io

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from motcua.core.attachments import download_name, read_file
from motcua.core.audit.record import personal_data_viewed
from motcua.core.dossier_files import visible_attachment
from motcua.core.errors import MotcuaError, ValidationError
from motcua.core.extensions import db_session, settings
from motcua.core.fees import may_record_fee, receipts_of, record_fee_payment
from motcua.core.models import Dossier, DossierWorkflow
from motcua.core.plugin_manager.dossiers import specialist_schema
from motcua.core.specialist_view import specialist_rows
from motcua.core.web.department import ACTION_LABELS
from motcua.core.web.scope import visible_dossier
from motcua.core.workflow import actions
from motcua.core.workflow.choices import likely_actions
from motcua.core.workflow.lateness import dossier_is_late

bp = Blueprint("dossiers", __name__)

COPY_KINDS = {
    "original": _l("Original"),
    "copy": _l("Copy"),
    "certified_copy": _l("Certified copy"),
}


def _render(dossier: Dossier, *, fee_error: MotcuaError | None = None,
            fee_form: MultiDict | None = None):
    session = db_session()
    # The work page's likely actions, as shortcuts to their forms there.
    likely, _others = likely_actions(actions.available_actions(session, dossier, current_user),
                                     dossier, session.get(DossierWorkflow, dossier.id))
    page = render_template(
        "desk/dossier.html", dossier=dossier, late=dossier_is_late(dossier),
        copy_kinds=COPY_KINDS, likely=likely, action_labels=ACTION_LABELS,
        receipts=receipts_of(session, dossier),
        specialist=specialist_rows(specialist_schema(dossier.procedure.code),
                                   dossier.specialist_data),
        may_record_fee=may_record_fee(current_user, dossier) and dossier.status not in (
            "refused", "withdrawn"),
        fee_error=fee_error, fee_form=fee_form or MultiDict(),
    )
    return page, fee_error.status_code if fee_error is not None else 200


@bp.route("/dossiers/<code>")
@login_required
def show(code: str):
    dossier = visible_dossier(db_session(), current_user, code)
    personal_data_viewed(dossier.code, "desk dossier page")
    return _render(dossier)


def _form_amount(raw: str | None) -> int:
    """The amount typed at the desk ("50.000", "50000" or "50 000" đồng)."""
    digits = (raw or "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isdigit() or len(digits) > 10:
        raise ValidationError(_("The amount is a whole number of đồng above zero."),
                              field="amount")
    return int(digits)


@bp.post("/dossiers/<code>/fees")
@login_required
def record_fee(code: str):
    """Record a fee paid at the desk with its receipt; a refusal shows the page again
    with the message and the values typed, and records nothing."""
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    form = request.form
    try:
        record_fee_payment(session, dossier, current_user,
                           amount=_form_amount(form.get("amount")), payer=form.get("payer"),
                           series=form.get("series"), number=form.get("number"),
                           note=form.get("note"))
        session.commit()
    except MotcuaError as error:
        session.rollback()
        dossier = visible_dossier(session, current_user, code)
        return _render(dossier, fee_error=error, fee_form=form)
    return redirect(url_for("desk.dossiers.show", code=dossier.code) + "#fees")


@bp.route("/dossiers/<code>/attachments/<int:attachment_id>")
@login_required
def attachment(code: str, attachment_id: int):
    """Send a stored attachment after checking its SHA-256 against the record."""
    found = visible_attachment(db_session(), current_user, code, attachment_id)
    # read_file raises NotFound (missing) or DamagedFile (checksum mismatch, HTTP 500):
    # a damaged scan is never handed out as if it were the applicant's document.
    data = read_file(settings().attachments_path, found.sha256)
    return send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                     download_name=download_name(found.filename))
