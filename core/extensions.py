"""Flask extensions and accessors for the current deployment's database and settings."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask import session as http_session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from motcua.core.config import LANGUAGES, Settings
from motcua.core.db import Database

login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()


def database() -> Database:
    """The :class:`Database` of the running app."""
    return current_app.extensions["motcua.db"]


def db_session() -> Session:
    """The session of the current request or command."""
    return database().session


def settings() -> Settings:
    return current_app.config["MOTCUA"]


def public_base_url() -> str:
    """The address citizens reach this server at: ``MOTCUA_PUBLIC_BASE_URL`` when set, else
    the address the current request was served on (empty outside a request)."""
    configured = settings().public_base_url
    if configured or not has_request_context():
        return configured
    return request.url_root.rstrip("/")


def select_locale() -> str:
    """Language of the page: the user's explicit choice, else the deployment default
    (also for a command, which has no page: a message shared with the pages)."""
    if not has_request_context():
        return settings().language
    chosen = http_session.get("lang") or request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return settings().language
