"""Officers' login sessions: refused once ended server-side, or idle or too old.

The session lives in Flask's signed cookie, so a copy of it stays valid as long as its
signature does. Three stamps in it make the server the judge: the account's session
generation at login (logout and a password change raise it, ending every copy), the
login moment (absolute timeout) and the last request (idle timeout). The limits are
settings (docs/security.md).
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user
from flask_login.config import COOKIE_NAME

from motcua.core.config import Settings
from motcua.core.models import Account

GENERATION = "_motcua_generation"
STARTED = "_motcua_started"
SEEN = "_motcua_seen"
# The last-request stamp is rewritten at most this often: a new cookie on every request
# would cost bandwidth and buys no precision worth having.
SEEN_RESOLUTION = timedelta(seconds=60)
# Flask-Login's own keys, dropped with ours when a session is refused.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")


# Seconds of the wall clock (tests replace it). Not the application's clock: that one is
# moved through days by replays and tests of deadlines, which must not log anyone out.
clock = time.time


def _stamp() -> int:
    return int(clock())


def begin(account: Account) -> None:
    """Log ``account`` in on this browser, stamping the session."""
    login_user(account)
    moment = _stamp()
    session[GENERATION] = account.session_generation
    session[STARTED] = moment
    session[SEEN] = moment


def holds_login() -> bool:
    """Whether this request can be an officer's at all: its session names an account, or
    it carries Flask-Login's remember cookie. When it cannot, ``current_user`` is
    anonymous without loading it: public requests need not pay for that."""
    return "_user_id" in session or current_app.config.get(
        "REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies


def refusal(account: Account, config: Settings) -> str | None:
    """Why the current session may no longer act as ``account`` (None: it may).

    The one rule every logged-in page and the API's browser sessions go through.
    """
    started, seen = session.get(STARTED), session.get(SEEN)
    if session.get(GENERATION) != account.session_generation:
        return "ended"
    if not isinstance(started, int) or not isinstance(seen, int):
        return "ended"
    moment = _stamp()
    if moment - started >= config.session_max_hours * 3600:
        return "expired"
    if moment - seen >= config.session_idle_minutes * 60:
        return "idle"
    return None


def touch() -> None:
    """Record that the session was used now (the idle timeout counts from here)."""
    moment = _stamp()
    if moment - session.get(SEEN, 0) >= SEEN_RESOLUTION.total_seconds():
        session[SEEN] = moment


def forget() -> None:
    """Drop the login from this browser's session, keeping its other choices (language)."""
    for key in (*_LOGIN_KEYS, GENERATION, STARTED, SEEN):
        session.pop(key, None)
