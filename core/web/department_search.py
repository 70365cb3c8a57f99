"""The find-a-dossier page behind the search box in the header of the desk and
department pages (and the scanner, which opens it with the scanned code)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from motcua.core.extensions import db_session
from motcua.core.models import STATUSES, Account, Dossier, Procedure, Unit
from motcua.core.web.dossier_search import read_filters, read_page, search
from motcua.core.web.scope import dossier_code
from motcua.core.workflow.authorization import is_reception

bp = Blueprint("search", __name__)


def dossier_url(dossier: Dossier) -> str:
    """Where a found dossier opens: the desk's page for its reception desk, else the
    department's work page."""
    if is_reception(current_user, dossier):
        return url_for("desk.dossiers.show", code=dossier.code)
    return url_for("department.work", code=dossier.code)


def filter_choices(session: Session, account: Account) -> dict:
    """The options of the filter form: statuses, active procedures, and the officers of
    the units in the account's role scopes."""
    roots = [assignment.unit for assignment in account.roles]
    officers = []
    if roots:
        officers = list(session.scalars(
            select(Account).join(Unit, Account.unit_id == Unit.id)
            .where(Account.active.is_(True),
                   or_(*[Unit.path.startswith(root.path, autoescape=True) for root in roots]))
            .order_by(Account.full_name)))
    procedures = list(session.scalars(
        select(Procedure).where(Procedure.active.is_(True)).order_by(Procedure.code)))
    return {"statuses": STATUSES, "procedures": procedures, "officers": officers}


@bp.route("/search")
@login_required
def index():
    """Dossiers in the officer's scope matching the box and the filters; a dossier code
    found opens that dossier directly."""
    session = db_session()
    query = (request.args.get("q") or "").strip()
    filters = read_filters(request.args)
    page, per_page = read_page(request.args)
    found = search(session, current_user, query, filters, page=page, per_page=per_page)
    code = dossier_code(query)
    if code and found.total == 1:
        return redirect(dossier_url(found.items[0]))
    status = 404 if code and not found.total else 200
    return render_template("department/search.html", query=query, code=code,
                           filters=filters, found=found, dossier_url=dossier_url,
                           **filter_choices(session, current_user)), status
