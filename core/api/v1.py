"""REST API v1: the blueprint, its routes and its JSON error responses."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from motcua.core.api import dossiers, openapi, procedures, workflow
from motcua.core.errors import InvalidFields, MotcuaError, ValidationError
from motcua.core.extensions import db_session

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

bp.add_url_rule("/procedures", view_func=procedures.list_procedures)
bp.add_url_rule("/procedures/<code>", view_func=procedures.get_procedure)
bp.add_url_rule("/dossiers", view_func=dossiers.list_dossiers)
bp.add_url_rule("/dossiers", view_func=dossiers.create_dossier, methods=["POST"])
bp.add_url_rule("/dossiers/<code>", view_func=dossiers.get_dossier)
bp.add_url_rule("/dossiers/<code>/events", view_func=dossiers.dossier_events)
bp.add_url_rule("/openapi.json", view_func=openapi.openapi_json)
workflow.register(bp)


def pointer(field: str) -> str:
    """The JSON pointer (RFC 6901) of a dotted field path in the request body."""
    parts = field.split(".") if field else []
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


@bp.errorhandler(MotcuaError)
def _error(error: MotcuaError) -> tuple[Response, int, dict]:
    """``{"error": message, "field": path}``; nothing the request added is kept."""
    db_session().rollback()
    status = error.status_code
    if isinstance(error, ValidationError):
        # The request was read; its data broke a rule.
        status = 422
    body = {"error": error.message}
    if error.field:
        body["field"] = error.field
    if isinstance(error, InvalidFields):
        body["errors"] = [{"field": field, "pointer": pointer(field), "message": message}
                          for field, message in error.errors]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return jsonify(body), status, headers
