"""The officer's notices: list, open (marks read) and mark read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from motcua.core.extensions import db_session
from motcua.core.models.notices import Notice
from motcua.core.notices import mark_read, notices_of

bp = Blueprint("notices", __name__)

REASON_LABELS = {
    "arrived": _l("Arrived in your queue"),
    "assigned": _l("Assigned to you"),
    "returned_to_step": _l("Sent back to your step"),
    "supplemented": _l("Supplement received; the clock runs again"),
    "supplement_requested": _l("Supplement requested: contact the applicant"),
    "result_ready": _l("Result ready to return"),
    "refused": _l("Refused during processing: hand the slip to the applicant"),
    "overdue": _l("Overdue"),
    "due_soon": _l("Due within one working day"),
    "step_due_soon": _l("Your step is due soon"),
}


@bp.route("/notices")
@login_required
def index():
    notices = notices_of(db_session(), current_user)
    return render_template("department/notices.html", notices=notices,
                           reasons=REASON_LABELS)


@bp.route("/notices/<int:notice_id>/open", methods=["POST"])
@login_required
def open_notice(notice_id: int):
    """Mark the notice read and go to its dossier."""
    session = db_session()
    notice = session.get(Notice, notice_id)
    if notice is None or notice.account_id != current_user.id:
        abort(404)
    code = notice.dossier.code
    mark_read(session, current_user, notice_id)
    session.commit()
    return redirect(url_for("department.work", code=code))


@bp.route("/notices/read", methods=["POST"])
@login_required
def read():
    """Mark one notice (``notice_id``) or all of them read."""
    session = db_session()
    raw = request.form.get("notice_id")
    try:
        notice_id = int(raw) if raw else None
    except ValueError:
        abort(400)
    mark_read(session, current_user, notice_id)
    session.commit()
    return redirect(url_for("department.notices.index"))
