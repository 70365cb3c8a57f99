"""A dossier's page at the desk: details, checklist, attachments, timeline, deadline."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from motcua.core.attachments import download_name, read_file
from motcua.core.audit.record import personal_data_viewed
from motcua.core.extensions import db_session, settings
from motcua.core.models import DossierWorkflow
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


@bp.route("/dossiers/<code>")
@login_required
def show(code: str):
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    personal_data_viewed(dossier.code, "desk dossier page")
    # The work page's likely actions, as shortcuts to their forms there.
    likely, _others = likely_actions(actions.available_actions(session, dossier, current_user),
                                     dossier, session.get(DossierWorkflow, dossier.id))
    return render_template(
        "desk/dossier.html", dossier=dossier, late=dossier_is_late(dossier),
        copy_kinds=COPY_KINDS, likely=likely,
        action_labels=ACTION_LABELS,
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
                     download_name=download_name(found.filename))
