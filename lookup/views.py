"""The public lookup website and its JSON API (no login).

- ``GET /tra-cuu``: the form (``?code=`` redirects to the dossier's page);
- ``GET /tra-cuu/<code>``: the dossier's page; the QR code on the receipt links here;
- ``GET /api/lookup/<code>``: the same answer as JSON; ``?phone4=1234`` is the second factor.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from markupsafe import Markup

from motcua.core.audit.record import record
from motcua.core.errors import MotcuaError
from motcua.core.extensions import db_session
from motcua.lookup.misses import guarded_lookup
from motcua.lookup.ratelimit import (
    factor_limit,
    lookup_limit,
    mark_factor_failed,
    too_many_failures,
)
from motcua.lookup.service import LookupResult, MalformedPhone4, parse_code

bp = Blueprint("lookup", __name__, template_folder="templates", static_folder="static",
               static_url_path="/tra-cuu/static")


def render(template: str, **context) -> str:  # noqa: ANN003
    """``render_template`` with a ``_`` that looks the catalogue up once per page.

    The Jinja ``_`` flask-babel installs finds the request's locale and catalogue again for
    each of the ~20 strings of a lookup page: a fifth of the page's time (cProfile). This
    one does what it does (the catalogue's ``ugettext``, then Jinja's new-style marking as
    safe and ``%`` formatting) with the catalogue fetched once."""
    translations = get_translations()

    def gettext(string: str, **variables) -> Markup:  # noqa: ANN003
        return Markup(translations.ugettext(string)) % variables

    return render_template(template, _=gettext, **context)


def wrong_factor_message() -> str:
    return _("The last 4 digits do not match the phone number on the dossier; "
             "only the public information is shown.")


def run_lookup(raw_code: str) -> tuple[LookupResult | None, str | None, int, str | None]:
    """Call the service for a channel: (result, error message, status, factor error).

    A wrong second factor still gives the public result, with status 403 and the
    failure counted against the strict limit; a dossier whose second factor is locked
    gives it with status 429.
    """
    phone4 = request.args.get("phone4")
    try:
        result = guarded_lookup(db_session(), raw_code, phone4)
    except MalformedPhone4 as error:
        # The code itself may be fine: show the public view and say what is wrong.
        result = guarded_lookup(db_session(), raw_code)
        return result, None, 400, error.message
    except MotcuaError as error:
        return None, error.message, error.status_code, None
    if result.extra.get("phone4") == "locked":  # this dossier's guesses are spent
        return result, None, 429, too_many_failures()
    if result.extra.get("phone4") == "wrong":
        mark_factor_failed()
        return result, None, 403, wrong_factor_message()
    if result.verified:  # the full name, checklist and result: personal data
        record("personal_data.viewed", target=result.code,
               detail={"where": "public lookup with the phone's last digits"})
    return result, None, 200, None


@bp.route("/tra-cuu")
def form():
    # Not limited: it only checks the code's shape and redirects to ``show``, which counts.
    raw = request.args.get("code")
    if raw is None:
        return render("lookup/form.html", code="", error=None)
    try:
        code = parse_code(raw)
    except MotcuaError as error:
        return render("lookup/form.html", code=raw[:100], error=error.message), \
            error.status_code
    # The phone's digits come along when the miss budget asked for them (lookup.misses).
    return redirect(url_for("lookup.show", code=code, phone4=request.args.get("phone4") or None))


@bp.route("/tra-cuu/", defaults={"code": ""})  # a QR link cut short: ask for the code
@bp.route("/tra-cuu/<path:code>")
@lookup_limit
@factor_limit
def show(code: str):
    try:
        result, error, status, factor_error = run_lookup(code)
    except MotcuaError as error:  # a malformed phone4 on a bad code: report the code
        result, error, status, factor_error = None, error.message, error.status_code, None
    if result is None:
        return render("lookup/form.html", code=code[:100], error=error,
                      ask_phone4=status == 429), status
    return render("lookup/result.html", result=result, factor_error=factor_error), \
        status


@bp.route("/api/lookup/", defaults={"code": ""})
@bp.route("/api/lookup/<path:code>")
@lookup_limit
@factor_limit
def api(code: str):
    try:
        result, error, status, factor_error = run_lookup(code)
    except MotcuaError as error:
        return jsonify({"error": error.message}), error.status_code
    if result is None:
        return jsonify({"error": error}), status
    if factor_error:
        return jsonify({"error": factor_error, "dossier": result.to_dict()}), status
    return jsonify(result.to_dict()), status


@bp.errorhandler(429)
def _too_many(error):  # noqa: ANN001
    """The limit's message on the lookup's own page (or as JSON), not the desk's."""
    if request.path.startswith("/api/"):
        return jsonify({"error": error.description}), 429
    return render("lookup/form.html", code="", error=error.description), 429
