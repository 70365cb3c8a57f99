"""The department screen: the queue of this plugin's dossiers and the printable certificate."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from motcua_sdk import services
from sqlalchemy import select

from motcua_construction_permit.models import Certificate

bp = Blueprint("construction_permit", __name__, url_prefix="/construction_permit", template_folder="templates")


@bp.route("/")
@services.staff_required()
def queue():
    from motcua_construction_permit import PROCEDURE_CODE

    # The dossiers waiting for the officer's units (overdue first, then due soonest).
    dossiers = services.queue([PROCEDURE_CODE])
    issued = services.session().scalars(
        select(Certificate).order_by(Certificate.id.desc()).limit(50)).all()
    return render_template("construction_permit/queue.html", dossiers=dossiers, issued=issued)


@bp.route("/certificate/<code>")
@services.staff_required()
def certificate(code: str):
    dossier = services.get_dossier(code)
    found = services.session().scalar(
        select(Certificate).where(Certificate.dossier_code == dossier.code))
    if found is None:
        abort(404)
    return render_template("construction_permit/certificate.html", dossier=dossier, certificate=found)
