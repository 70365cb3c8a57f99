"""Who is calling the API: a bearer token for machine clients, or the browser's login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from flask_login import current_user

from motcua.core.accounts import account_for_token
from motcua.core.errors import MotcuaError
from motcua.core.extensions import db_session
from motcua.core.models import Account


class Unauthorized(MotcuaError):
    """No valid credentials came with the request."""

    status_code = 401


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the token as 'Authorization: Bearer <token>'.")
    return token.strip()


def current_account() -> Account:
    """The calling account; raises :class:`Unauthorized` if there is none."""
    token = _bearer_token()
    if token is not None:
        account = account_for_token(db_session(), token)
        if account is None:
            # A bad token is refused even when a browser session exists: the client
            # asked to be this token's owner and must learn the token is dead.
            raise Unauthorized("The API token is unknown or revoked.")
        return account
    if current_user.is_authenticated:
        return current_user._get_current_object()
    raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")


def auth_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` with ``g.api_account`` set to the calling account."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.api_account = current_account()
        return view(*args, **kwargs)

    return wrapper
