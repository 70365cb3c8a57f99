"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from motcua.core.accounts import (
    AccountLocked,
    LoginRefused,
    authenticate,
    end_sessions,
    roles_of,
)
from motcua.core.audit.record import record
from motcua.core.config import LANGUAGES
from motcua.core.extensions import db_session, login_manager, settings
from motcua.core.models import Account
from motcua.core.web import sessions
from motcua.core.workflow.authorization import is_province_admin

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_account(account_id: str) -> Account | None:
    account = db_session().get(Account, int(account_id)) if account_id.isdigit() else None
    if account is None or not account.active or sessions.refusal(account, settings()):
        sessions.forget()
        return None
    sessions.touch()
    return account


def _safe_next(target: str | None, default: str | None = None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/"):
        return target
    return default or url_for("desk.home")


def landing_page(account: Account) -> str:
    """Where an officer starts: the desk, their work queues, or the ICT pages."""
    roles = roles_of(account)
    if "reception" in roles:
        return url_for("desk.home")
    if roles & {"specialist", "leader", "unit_admin"}:
        return url_for("department.queues")
    if is_province_admin(account):
        return url_for("sync_pages.overview")
    if "ict_admin" in roles:  # of a district or ward: every role there, no province pages
        return url_for("department.queues")
    return url_for("desk.home")


def _attempted() -> str:
    """The username typed, as the audit trail keeps it (trimmed, bounded)."""
    return request.form.get("username", "").strip().lower()[:80]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        config = settings()
        try:
            account = authenticate(
                db_session(),
                request.form.get("username", ""),
                request.form.get("password", ""),
                max_failures=config.login_max_failures,
                lockout_minutes=config.login_lockout_minutes,
            )
        except AccountLocked:
            record("login.refused", target=_attempted(), detail={"reason": "locked"})
            error = _("This account is locked after repeated failed logins; try again later "
                      "or ask the unit administrator.")
            return render_template("login.html", error=error), 401
        except LoginRefused:
            record("login.failed", target=_attempted(), detail={"reason": "wrong password"})
            return render_template("login.html", error=_("Wrong username or password.")), 401
        sessions.begin(account)
        record("login", target=account.username, actor=account)
        return redirect(_safe_next(request.args.get("next"), landing_page(account)))
    return render_template("login.html", error=None)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Every copy of this account's session cookie ends here, not only this browser's.
    end_sessions(current_user)
    record("logout", target=current_user.username)
    logout_user()
    sessions.forget()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
def switch_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.referrer and urlparse(request.referrer).path))
