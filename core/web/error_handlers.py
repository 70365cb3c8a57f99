"""How failures answer: JSON on the APIs (``/api/``, ``/sync/v1/``) and to clients asking
for JSON, a page for browsers; never a traceback, and with the headers the HTTP error
carries (``Allow`` on a 405)."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from motcua.core.errors import Conflict, MotcuaError

JSON_PATHS = ("/api/", "/sync/v1/")


def wants_json() -> bool:
    """Whether the answer to this request is JSON (an API path, or a client asking)."""
    return request.path.startswith(JSON_PATHS) or (
        request.accept_mimetypes.best == "application/json")


def error_response(message: str, status: int, *, field: str | None = None,
                   headers: list[tuple[str, str]] = ()) -> Response:
    """``{"error": message, "field": ...}`` or the error page, with ``status``."""
    if wants_json():
        body = {"error": message}
        if field:
            body["field"] = field
        response = jsonify(body)
    else:
        response = make_response(render_template("error.html", message=message))
    response.status_code = status
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _server_error_message() -> str:
    return gettext("The server could not complete the request. Try again; if it happens "
                   "again, tell the ICT administrator.")


def init_app(app: Flask) -> None:
    @app.errorhandler(MotcuaError)
    def _motcua_error(error: MotcuaError) -> Response:
        return error_response(error.message, error.status_code, field=error.field)

    @app.errorhandler(StaleDataError)
    def _stale_data(_error: StaleDataError) -> Response:
        # The ORM's version check failed: another officer saved the same record first.
        app.extensions["motcua.db"].session.rollback()
        return _motcua_error(Conflict(gettext(
            "This dossier was just changed by someone else; reload it and try again.")))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        if error.code >= 500:
            # Flask has logged the cause; the client learns nothing of the internals.
            current_app.extensions["motcua.db"].session.rollback()
            return error_response(_server_error_message(), error.code)
        message = error.description or str(error)
        return error_response(message, error.code, headers=error.get_headers())
