"""A test client that behaves as a browser on the platform's pages: the suite's instances
run with CSRF protection on, as production does, so every form it submits carries its
token.

The login form is filled from the page itself (the hidden ``csrf_token`` the platform
rendered, as a browser posts it). Every later state-changing request carries the token
of the client's session: in the form as the platform's templates put it
(``csrf_token``), or, for a body that is not a form (JSON, raw bytes), in the
``X-CSRFToken`` header, which Flask-WTF reads too. A request may opt out
(``csrf=False``): that is how the suite proves a request without a token is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

HIDDEN_TOKEN = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Flask-WTF's own names: the session key and form field, the signature's salt, the header.
FIELD = "csrf_token"
SALT = "wtf-csrf-token"
HEADER = "X-CSRFToken"


class TokenClient(FlaskClient):
    """A Flask test client whose unsafe requests carry the session's CSRF token."""

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any):  # noqa: ANN201
        method = str(kwargs.get("method", "GET")).upper()
        if csrf and method not in SAFE_METHODS:
            token = self.session_token()
            data = kwargs.get("data")
            if data is None and "json" not in kwargs:
                kwargs["data"] = {FIELD: token}
            elif isinstance(data, dict):
                kwargs["data"] = {FIELD: token, **data}
            else:
                headers = dict(kwargs.get("headers") or {})
                headers.setdefault(HEADER, token)
                kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def session_token(self) -> str:
        """The signed CSRF token of this client's session, as the platform's
        ``csrf_token()`` renders it (a raw token is put in the session first if no page
        has made one yet, exactly as Flask-WTF does)."""
        with self.session_transaction() as session:
            raw = session.get(FIELD)
            if not raw:
                raw = session[FIELD] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
        app = self.application
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return URLSafeTimedSerializer(secret, salt=SALT).dumps(raw)


def form_token(page: str) -> str | None:
    """The hidden CSRF token of the first form of ``page`` (None if it has none)."""
    found = HIDDEN_TOKEN.search(page)
    return found.group(1) if found else None


def log_in(client: FlaskClient, username: str, password: str):  # noqa: ANN201
    """Fill in the login form as a browser does: its page first, then the form posted
    with the token that page carried (a missing token is posted as missing)."""
    page = client.get("/login").get_data(as_text=True)
    form = {"username": username, "password": password}
    token = form_token(page)
    if token is not None:
        form[FIELD] = token
    return client.post("/login", data=form, csrf=False)
