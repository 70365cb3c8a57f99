"""Login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
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
from motcua.core.hashing_gate import LoginBusy
from motcua.core.models import Account
from motcua.core.web import sessions
from motcua.core.workflow.authorization import is_province_admin
from motcua.lookup.ratelimit import limiter

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


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _too_many_logins() -> str:
    return _("Too many login attempts from your connection. Please wait a minute and try "
             "again.")


@bp.route("/login", methods=["GET", "POST"])
# Per address, every attempt counted before its password is checked, so simultaneous
# attempts cannot slip past; the per-account lock-out is in accounts.authenticate.
@limiter.limit(_login_limit, methods=["POST"], error_message=_too_many_logins)
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
        except LoginBusy:
            error = _("The server is busy checking other logins; please try again in a few "
                      "seconds.")
            return render_template("login.html", error=error), 503, {"Retry-After": "5"}
        except LoginRefused as refusal:
            # A locked account is answered as a wrong password is (nothing tells a stranger
            # which usernames exist or are locked); only the audit trail says which.
            locked = isinstance(refusal, AccountLocked)
            record("login.refused" if locked else "login.failed", target=_attempted(),
                   detail={"reason": "locked" if locked else "wrong password"})
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
