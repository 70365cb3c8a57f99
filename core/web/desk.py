"""Reception desk (Bộ phận một cửa): the home page with its search box and today's list.

The search box takes either words of a procedure's name or code (diacritics optional) or a
dossier code typed or scanned by a barcode scanner (which types the code and Enter). The
intake form, dossier pages and slips are nested blueprints registered here, so the app
factory only knows ``desk``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from motcua.core.extensions import db_session
from motcua.core.models import Account, Dossier, Unit
from motcua.core.timeutil import VIETNAM, local_date, now
from motcua.core.web.dossier_pages import bp as dossier_pages
from motcua.core.web.helpers import role_required
from motcua.core.web.intake_form import bp as intake_form
from motcua.core.web.scope import dossier_code, reception_units, search_procedures
from motcua.core.web.slips import bp as slips

bp = Blueprint("desk", __name__)
bp.register_blueprint(intake_form)
bp.register_blueprint(dossier_pages)
bp.register_blueprint(slips)

TODAY_LIMIT = 200


def todays_dossiers(session: Session, units: list[Unit]) -> list[Dossier]:
    """Dossiers received (or back-entered) today, Vietnam time, at ``units``."""
    if not units:
        return []
    midnight = datetime.combine(local_date(now()), time(0), tzinfo=VIETNAM)
    window = (midnight, midnight + timedelta(days=1))
    return list(session.scalars(
        select(Dossier)
        .where(
            Dossier.unit_id.in_([unit.id for unit in units]),
            or_(Dossier.received_at.between(*window), Dossier.entered_at.between(*window)),
        )
        .order_by(Dossier.entered_at.desc())
        .limit(TODAY_LIMIT)
    ))


@bp.route("/")
@role_required("reception")
def home():
    session = db_session()
    account: Account = current_user
    query = (request.args.get("q") or "").strip()
    error, results, status = None, None, 200
    if query:
        code = dossier_code(query)
        if code:
            if session.scalar(select(Dossier.id).where(Dossier.code == code)):
                return redirect(url_for("desk.dossiers.show", code=code))
            error, status = _("No dossier with code %(code)s.", code=code), 404
        else:
            results = search_procedures(session, account, query)
    units = reception_units(session, account)
    return render_template(
        "desk/home.html", query=query, results=results, error=error, units=units,
        dossiers=todays_dossiers(session, units),
    ), status
