"""Who is acting and from where, when there is a request (CLI and workers have neither)."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from motcua.core.models import Account


def current_actor(session: Session) -> Account | None:
    """The logged-in officer of the current request, as an object of ``session``."""
    if not has_request_context():
        return None
    user = current_user._get_current_object() if current_user else None  # noqa: SLF001
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.get(Account, user.id) if user not in session else user


def current_ip() -> str | None:
    """The client's address (with ``MOTCUA_TRUSTED_PROXIES``, the forwarded one)."""
    return request.remote_addr if has_request_context() else None
