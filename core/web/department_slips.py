"""Printable slips of processing (Decree 61/2018, forms of Circular 01/2018/TT-VPCP):

- request to supplement, complete the dossier (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ,
  form 02), listing what is missing, who asked and when;
- refusal to process (Phiếu từ chối giải quyết hồ sơ, after form 03), with the reason;
- apology and new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả, form 04);
- processing control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ, form 05): every
  hand-over with the time given and received, the holder, and on time or late per step.

As at the desk (:mod:`.slips`), the slip text is the prescribed Vietnamese wording.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core import timeutil
from motcua.core.audit.record import personal_data_viewed
from motcua.core.extensions import db_session
from motcua.core.models import Dossier, DossierEvent, SupplementPause, Unit
from motcua.core.timeutil import local
from motcua.core.web.scope import visible_dossier
from motcua.core.workflow.actions import home_agency
from motcua.core.workflow.control import ControlSlipRow, control_slip_rows, original_due_at

bp = Blueprint("slips", __name__)

ROLE_VI = {"reception": "Bộ phận tiếp nhận và trả kết quả", "specialist": "Chuyên viên",
           "leader": "Lãnh đạo"}
CLOSED_BY_VI = {
    "received": "Tiếp nhận", "claimed": "Nhận xử lý", "assigned": "Phân công lại",
    "forwarded": "Chuyển bước tiếp theo", "sent_back": "Trả lại bước trước",
    "transferred": "Chuyển liên thông", "submitted_for_approval": "Trình phê duyệt",
    "approved": "Phê duyệt", "result_issued": "Ban hành kết quả", "refused": "Từ chối",
    "withdrawn": "Rút hồ sơ", "returned": "Trả kết quả cho tổ chức, cá nhân",
}


def _event(session: Session, dossier: Dossier, kind: str) -> DossierEvent | None:
    """The dossier's event of ``kind`` numbered ``?event=`` (default: the latest)."""
    statement = select(DossierEvent).where(DossierEvent.dossier_id == dossier.id,
                                           DossierEvent.kind == kind)
    number = request.args.get("event", type=int)
    if number is not None:
        statement = statement.where(DossierEvent.sequence == number)
    return session.scalar(statement.order_by(DossierEvent.sequence.desc()).limit(1))


def _unit(session: Session, unit_id: int | None, fallback: Unit) -> Unit:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit or fallback


@bp.route("/dossiers/<code>/slips/supplement")
@login_required
def supplement(code: str):
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    statement = select(SupplementPause).where(SupplementPause.dossier_id == dossier.id)
    pause_id = request.args.get("pause", type=int)
    if pause_id is not None:
        statement = statement.where(SupplementPause.id == pause_id)
    pause = session.scalar(statement.order_by(SupplementPause.id.desc()).limit(1))
    if pause is None:
        abort(404, description=_("No supplement was requested for dossier %(code)s.",
                                 code=dossier.code))
    requested = session.scalar(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id,
                                   DossierEvent.kind == "supplement_requested",
                                   DossierEvent.at == pause.requested_at).limit(1))
    asking_unit = _unit(session, requested.to_unit_id if requested else None, dossier.unit)
    personal_data_viewed(dossier.code, "supplement request slip")
    return render_template("slips/supplement_request.html", dossier=dossier, pause=pause,
                           unit=dossier.unit, asking_unit=asking_unit,
                           issued=local(pause.requested_at))


@bp.route("/dossiers/<code>/slips/refusal")
@login_required
def refusal(code: str):
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    event = _event(session, dossier, "refused")
    if dossier.status != "refused" or event is None:
        abort(404, description=_("Dossier %(code)s was not refused during processing.",
                                 code=dossier.code))
    refusing = home_agency(session, _unit(session, event.from_unit_id, dossier.unit))
    personal_data_viewed(dossier.code, "processing refusal slip")
    return render_template("slips/processing_refusal.html", dossier=dossier, event=event,
                           unit=refusing, issued=local(event.at))


@bp.route("/dossiers/<code>/slips/apology")
@login_required
def apology(code: str):
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    event = _event(session, dossier, "apology")
    if event is None:
        abort(404, description=_("Dossier %(code)s has no apology.", code=dossier.code))
    late_unit = home_agency(session, _unit(session, event.to_unit_id, dossier.unit))
    data = event.data or {}
    personal_data_viewed(dossier.code, "apology slip")
    return render_template(
        "slips/apology.html", dossier=dossier, event=event, unit=late_unit,
        issued=local(event.at), old_due_at=_parse(data.get("old_due_at")) or dossier.due_at,
        new_due_at=_parse(data.get("new_due_at")) or dossier.due_at)


def _parse(value: str | None):  # noqa: ANN202
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


def verdict(row: ControlSlipRow) -> str:
    """Trước hạn / Đúng hạn / Quá hạn for a finished holding; Đang xử lý for an open one
    within its deadline. Early means handed on before the deadline's day."""
    if row.on_time is None:
        return "Đang xử lý"
    if row.on_time is False:
        return "Quá hạn"
    if row.due_at is None or row.time_out is None:
        return "Đúng hạn"
    return "Trước hạn" if local(row.time_out).date() < local(row.due_at).date() else "Đúng hạn"


def agencies(session: Session, rows: list[ControlSlipRow]) -> list[str]:
    """Names of the agencies that worked the dossier, in the order they first held it:
    the first resolves it, the others cooperate (a department or office counts as its
    People's Committee; the tax office as itself). The desk's own lines are not work."""
    names: list[str] = []
    for row in rows:
        if row.role == "reception":
            continue
        unit = session.scalar(select(Unit).where(Unit.code == row.holder_unit_code))
        name = home_agency(session, unit).name if unit is not None else row.holder_unit
        if name not in names:
            names.append(name)
    return names


@bp.route("/dossiers/<code>/slips/control")
@login_required
def control(code: str):
    session = db_session()
    dossier = visible_dossier(session, current_user, code)
    rows = control_slip_rows(session, dossier)
    lines = []
    for number, row in enumerate(rows):
        giver = rows[number - 1] if number else None
        lines.append({"row": row, "giver": giver, "verdict": verdict(row),
                      "role": ROLE_VI.get(row.role, row.role),
                      "closed_by": CLOSED_BY_VI.get(row.closed_by or "", row.closed_by)})
    return render_template("slips/control.html", dossier=dossier, unit=dossier.unit,
                           lines=lines, agencies=agencies(session, rows),
                           issued=local(timeutil.now()),
                           original_due_at=original_due_at(session, dossier))
