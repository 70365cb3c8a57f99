"""Refuse a request whose text carries a NUL character (``\\x00``).

PostgreSQL cannot store NUL in text, and no field of a one-stop office has a use for it;
refused at the door it is a clear 400 (and changes nothing) instead of a database error
deep in the core or in a plugin's query. Uploaded files are not looked at: only the URL,
the query string, form fields and JSON bodies.
"""

from __future__ import annotations

from flask import Flask, abort, request

MESSAGE = "The request contains a NUL character (\\x00), which no field accepts."


def carries_nul() -> bool:
    """True if the current request's text contains a NUL character."""
    if "\x00" in request.path:
        return True
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        return True
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return any("\x00" in key or "\x00" in value
                   for key, value in request.form.items(multi=True))
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\\u0000" in body or b"\x00" in body
    return False


def init_app(app: Flask) -> None:
    """Check every request before its view runs."""

    @app.before_request
    def _refuse_nul():  # noqa: ANN202
        if carries_nul():
            abort(400, description=MESSAGE)
