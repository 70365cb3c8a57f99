"""The department's screens: the queue, the register, a permit (page and PDF) and a
dossier's drawings."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from motcua_construction_permit.models import Permit
from motcua_construction_permit.text import translations
from motcua_sdk import services
from motcua_sdk.pdf import pdf_response, render_pdf

bp = Blueprint("construction_permit", __name__, url_prefix="/construction_permit",
               template_folder="templates")
translations.init_blueprint(bp)

REGISTER_ROWS = 100


def _permit_of(code: str) -> tuple:
    """The dossier (if the account may see it) and its permit; 404 without one."""
    dossier = services.get_dossier(code)
    permit = services.session().scalar(select(Permit).where(Permit.dossier_code == dossier.code))
    if permit is None:
        abort(404)
    return dossier, permit


@bp.route("/")
@services.staff_required()
def queue():
    from motcua_construction_permit import PROCEDURE_CODE

    # The dossiers waiting for the officer's units (overdue first, then due soonest).
    return render_template("construction_permit/queue.html",
                           dossiers=services.queue([PROCEDURE_CODE]))


@bp.route("/register")
@services.staff_required()
def register():
    permits = services.session().scalars(
        select(Permit).order_by(Permit.id.desc()).limit(REGISTER_ROWS)).all()
    return render_template("construction_permit/register.html", permits=permits)


@bp.route("/permit/<code>")
@services.staff_required()
def permit(code: str):
    dossier, found = _permit_of(code)
    return render_template("construction_permit/permit.html", dossier=dossier, permit=found,
                           receipts=services.fee_receipts(dossier))


def permit_document(dossier) -> tuple[str, bytes]:  # noqa: ANN001 - a DossierView
    """The file name and the PDF of ``dossier``'s permit (a Vietnamese document whatever
    the screen's language)."""
    found = services.session().scalar(select(Permit).where(Permit.dossier_code == dossier.code))
    if found is None:
        abort(404)
    data = render_pdf("construction_permit/permit_pdf.html", permit=found, dossier=dossier,
                      data=dossier.specialist_data)
    return f"giay-phep-xay-dung-{found.sequence:04d}-{found.year}.pdf", data


@bp.route("/permit/<code>.pdf")
@services.staff_required()
def permit_pdf(code: str):
    name, data = permit_document(services.get_dossier(code))
    return pdf_response(data, name)


@bp.route("/drawings/<code>")
@services.staff_required()
def drawings(code: str):
    dossier = services.get_dossier(code)
    return render_template("construction_permit/drawings.html", dossier=dossier,
                           files=services.list_attachments(dossier))


@bp.route("/drawings/<code>/<int:attachment_id>")
@services.staff_required()
def drawing(code: str, attachment_id: int):
    dossier = services.get_dossier(code)
    listed = {item.id: item for item in services.list_attachments(dossier)}
    if attachment_id not in listed:
        abort(404)
    item = listed[attachment_id]
    response = Response(services.read_attachment(dossier, attachment_id), mimetype=item.mime)
    # Shown in the browser, never run: the scans are the applicant's files.
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
