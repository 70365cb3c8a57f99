"""The touch-screen kiosk at the office (004 Art. 4.3c, Art. 5): look a dossier up by
scanning or typing its code, and browse the procedure catalogue with its forms.

Every page stays under ``/kiosk`` (no way out to the browser or the internet); the script
in ``static/kiosk.js`` keeps a hidden input focused for the barcode scanner and returns to
the home screen after ``KIOSK_IDLE_SECONDS`` (env ``MOTCUA_KIOSK_IDLE_SECONDS``, default
90) without a touch. Lookups call the same service as the website and SMS.
"""

from __future__ import annotations

import os

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from motcua.core.config import LANGUAGES
from motcua.core.errors import MotcuaError
from motcua.core.extensions import db_session, settings
from motcua.core.models import Procedure, ProcedureDocument
from motcua.core.text import fold
from motcua.lookup.misses import guarded_lookup
from motcua.lookup.ratelimit import lookup_limit

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates",
               static_folder="static", static_url_path="/static")

DEFAULT_IDLE_SECONDS = 90
PAGE_SIZE = 20  # procedures per catalogue page: a screen of large touch targets


def idle_seconds() -> int:
    """Seconds without a touch before the kiosk returns home."""
    value = current_app.config.get("KIOSK_IDLE_SECONDS") or os.environ.get(
        "MOTCUA_KIOSK_IDLE_SECONDS") or DEFAULT_IDLE_SECONDS
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_SECONDS


@bp.context_processor
def _kiosk_globals() -> dict:
    return {"idle_seconds": idle_seconds()}


@bp.route("/")
def home():
    if request.args.get("reset"):
        # The next citizen starts in Vietnamese with a clean screen.
        session.pop("lang", None)
        return redirect(url_for("kiosk.home"))
    return render_template("kiosk/home.html")


@bp.route("/status.css")
def status_colours():
    """The status colours of the lookup website (one file for both), served under
    /kiosk like everything the kiosk loads."""
    return send_from_directory(current_app.blueprints["lookup"].static_folder, "status.css")


@bp.route("/ngon-ngu/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(url_for("kiosk.home"))


@bp.route("/tra-cuu")
@lookup_limit
def lookup_page():
    raw = request.args.get("code")
    if raw is None:
        return render_template("kiosk/keypad.html", error=None, code="")
    try:
        result = guarded_lookup(db_session(), raw)
    except MotcuaError as error:
        return render_template("kiosk/keypad.html", error=error.message,
                               code=raw[:100]), error.status_code
    return render_template("kiosk/result.html", result=result)


@bp.route("/thu-tuc")
def catalogue():
    """The catalogue, a page of :data:`PAGE_SIZE` at a time (a province lists ~2,000
    procedures: every one is reachable by paging or by the on-screen search)."""
    query = (request.args.get("q") or "").strip()[:100]
    where = [Procedure.active.is_(True)]
    if query:
        where.append(Procedure.search_text.contains(fold(query)))
    session = db_session()
    total = session.scalar(select(func.count()).select_from(Procedure).where(*where))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page_number(request.args.get("page")), pages)
    procedures = session.scalars(
        select(Procedure).where(*where).order_by(Procedure.field, Procedure.name, Procedure.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template("kiosk/catalogue.html", procedures=procedures, query=query,
                           page=page, pages=pages, total=total,
                           first=(page - 1) * PAGE_SIZE + 1 if total else 0,
                           last=(page - 1) * PAGE_SIZE + len(procedures))


def _page_number(raw: str | None) -> int:
    """A page number from the query string; anything that is not a positive number is 1
    (a kiosk never shows an error for a link it made itself)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 6:
        return max(1, int(raw))
    return 1


@bp.route("/thu-tuc/<code>")
def procedure(code: str):
    found = db_session().scalar(
        select(Procedure).where(Procedure.code == code.strip()[:40],
                                Procedure.active.is_(True))
        .options(selectinload(Procedure.documents), selectinload(Procedure.receiving_units))
    )
    if found is None:
        abort(404, description=_("No procedure with code %(code)s.", code=code[:40]))
    return render_template("kiosk/procedure.html", procedure=found)


@bp.route("/bieu-mau/<path:filename>")
def form_file(filename: str):
    """A blank form of the catalogue, from the instance ``forms`` folder."""
    listed = db_session().scalar(
        select(ProcedureDocument.id).where(ProcedureDocument.form_filename == filename).limit(1)
    )
    if listed is None:
        abort(404, description=_("This form is not in the catalogue."))
    # send_from_directory refuses paths that leave the folder and answers 404 if missing.
    return send_from_directory(settings().forms_path, filename, as_attachment=True)


ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/<path:rest>", methods=ANY_METHOD)
@bp.route("/", methods=[m for m in ANY_METHOD if m != "GET"])
def _nowhere(rest: str = ""):
    """Anything else under /kiosk (a mistyped address, a POST) is answered here, so the
    kiosk's own error page shows: Flask gives a blueprint's error handlers only the
    errors of its own routes, and an unmatched URL belongs to no blueprint."""
    try:
        endpoint, _args = current_app.url_map.bind("").match(request.path, method="GET")
    except HTTPException:
        endpoint = None
    abort(405 if endpoint not in (None, "kiosk._nowhere") else 404)


def _default_messages() -> dict[int, str]:
    # Werkzeug's default descriptions are English and talk about URLs.
    return {
        403: _("This is not available on the kiosk."),
        404: _("This page does not exist on the kiosk."),
        405: _("This is not available on the kiosk."),
        500: _("Something went wrong. Please try again, or ask the staff at the desk."),
    }


@bp.errorhandler(400)
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(405)
@bp.errorhandler(429)
@bp.errorhandler(500)
def _kiosk_error(error):  # noqa: ANN001
    """Errors stay on a kiosk page: the desk's error page would lead out of the kiosk."""
    message = getattr(error, "description", None) or ""
    if error.code == 500 or not message or message == type(error).description:
        message = _default_messages().get(error.code) or message
    return render_template("kiosk/error.html", message=message), error.code
