"""A dossier's page at the desk: details, checklist, attachments, timeline, deadline."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from motcua.core.attachments import read_file
from motcua.core.audit.record import personal_data_viewed
from motcua.core.extensions import db_session, settings
from motcua.core.web.scope import visible_dossier
from motcua.core.workflow.lateness import dossier_is_late

bp = Blueprint("dossiers", __name__)

EVENT_LABELS = {
    "received": _l("Received at the desk"),
    "back_entered": _l("Back-entered (received on paper)"),
    "refused_at_desk": _l("Refused at the desk"),
    "transferred": _l("Transferred"),
    "supplement_requested": _l("Supplement requested"),
    "supplemented": _l("Supplemented"),
    "paused_for_payment": _l("Waiting for payment of financial obligations"),
    "payment_recorded": _l("Payment of financial obligations recorded"),
    "result_issued": _l("Result issued"),
    "returned": _l("Returned to applicant"),
    "withdrawn": _l("Withdrawn"),
    "annotated": _l("Information from another agency"),
}

COPY_KINDS = {
    "original": _l("Original"),
    "copy": _l("Copy"),
    "certified_copy": _l("Certified copy"),
}


@bp.route("/dossiers/<code>")
@login_required
def show(code: str):
    dossier = visible_dossier(db_session(), current_user, code)
    personal_data_viewed(dossier.code, "desk dossier page")
    return render_template(
        "desk/dossier.html", dossier=dossier, late=dossier_is_late(dossier),
        event_labels=EVENT_LABELS, copy_kinds=COPY_KINDS,
    )


@bp.route("/dossiers/<code>/attachments/<int:attachment_id>")
@login_required
def attachment(code: str, attachment_id: int):
    """Send a stored attachment after checking its SHA-256 against the record."""
    dossier = visible_dossier(db_session(), current_user, code)
    found = next((a for a in dossier.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404, description=_("This dossier has no such attachment."))
    # read_file raises NotFound (missing) or DamagedFile (checksum mismatch, HTTP 500):
    # a damaged scan is never handed out as if it were the applicant's document.
    data = read_file(settings().attachments_path, found.sha256)
    return send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename)
