"""``/account/password``: every officer's own change of password, and the rule that an
officer whose password an administrator reset changes it before anything else."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from motcua.core import account_admin
from motcua.core.errors import ValidationError
from motcua.core.extensions import db_session
from motcua.core.models import Account
from motcua.core.passwords import MIN_PASSWORD_LENGTH
from motcua.core.web import sessions
from motcua.core.web.auth import landing_page

bp = Blueprint("password", __name__)

# What an officer with a temporary password may still open besides the form.
_ALLOWED_ENDPOINTS = {"password.change", "auth.logout", "auth.login", "auth.switch_language",
                      "static"}
_MACHINE_BLUEPRINTS = {"api_v1", "sync_v1"}


@bp.before_app_request
def _temporary_password_first():
    if request.endpoint in _ALLOWED_ENDPOINTS or request.blueprint in _MACHINE_BLUEPRINTS:
        return None
    if not sessions.holds_login():
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("password.change"))
    return None


def _form(error: str | None = None) -> str:
    return render_template("accounts/password.html", error=error,
                           min_length=MIN_PASSWORD_LENGTH)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change():
    if request.method == "GET":
        return _form()
    session = db_session()
    account = session.get(Account, current_user.id)
    new = request.form.get("new", "")
    try:
        if new != request.form.get("confirm", ""):
            raise ValidationError("The two new passwords differ.", field="confirm")
        account_admin.change_own_password(session, account, request.form.get("current", ""),
                                          new)
    except ValidationError as problem:
        session.rollback()
        return _form(_(problem.message)), 400
    session.commit()
    sessions.begin(account)  # every other session ended; this browser's goes on
    flash(_("Your password is changed; your other sessions have ended."))
    return redirect(landing_page(account), code=303)
