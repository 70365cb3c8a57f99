"""Flask's signed-cookie session, minus the work a request without a session never needed.

Flask's own interface builds its signing serializer (itsdangerous, with its key
derivation set up) twice for a request that has a session and once for every request
that has none, and reads seven cookie settings before it finds out there is nothing to
save. Citizens' lookups (website, JSON, kiosk, SMS) mostly carry no cookie at all, so
that was pure overhead on the busiest routes. The cookie, its signature, its lifetime and
its settings are exactly Flask's: this class only keeps the serializer and returns early.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessionInterface(SecureCookieSessionInterface):
    """:class:`~flask.sessions.SecureCookieSessionInterface` with its serializer kept per
    key set (a rotated ``SECRET_KEY`` or new fallbacks build a new one)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {keys: serializer}  # only the current key set is kept
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.cookies.get(self.get_cookie_name(app)) and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SecureCookieSession,
                     response: Response) -> None:
        if not session and not session.modified:
            # Nothing to write and nothing to delete; Flask's ``Vary: Cookie`` still holds.
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
