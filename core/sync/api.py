"""The hub's ingest API ``/sync/v1`` (CSRF-exempt: requests are signed, not cookie-based)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from motcua.core.errors import MotcuaError, NotFound
from motcua.core.extensions import db_session, settings
from motcua.core.sync import hub, openapi
from motcua.core.sync.protocol import NODE_HEADER, SIGNATURE_HEADER
from motcua.core.sync.queries import QUERIES, answer

bp = Blueprint("sync_v1", __name__, url_prefix="/sync/v1")


@bp.before_request
def _only_on_a_hub():
    if settings().role == "node" and request.endpoint != "sync_v1.openapi_json":
        raise NotFound("This server is a node, not a hub: push to the provincial hub.")


@bp.post("/batches")
def push_batch() -> tuple[Response, int]:
    """Apply one signed batch (see the OpenAPI document)."""
    session = db_session()
    result = hub.ingest(session, request.headers.get(NODE_HEADER),
                        request.headers.get(SIGNATURE_HEADER), request.get_data(cache=False),
                        keep_figures=settings().role == "hub")
    session.commit()
    return jsonify(result), 200


def _query(name: str):  # noqa: ANN202
    def view() -> Response:
        session = db_session()
        node, body = hub.signed_query(session, request.headers.get(NODE_HEADER),
                                      request.headers.get(SIGNATURE_HEADER), request.get_data())
        result = answer(session, node, name, body)
        session.commit()
        return jsonify(result)

    view.__name__ = f"query_{name.replace('/', '_')}"
    return view


for _name in QUERIES:
    bp.add_url_rule(f"/{_name}", view_func=_query(_name), methods=["POST"])
SIGNED_ENDPOINTS = {"sync_v1.push_batch",
                    *(f"sync_v1.query_{name.replace('/', '_')}" for name in QUERIES)}


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi.build_spec())


@bp.errorhandler(MotcuaError)
def _error(error: MotcuaError) -> tuple[Response, int]:
    """``{"error": message, "field": ...}``; nothing of the request is kept."""
    session = db_session()
    session.rollback()
    claimed = request.headers.get(NODE_HEADER)
    if isinstance(error, hub.SignatureRefused):
        # Not proven to come from the node it names: tallied apart from every node.
        hub.record_unattributed(session, error.kind, claimed, error.message)
        session.commit()
    elif error.status_code < 500 and request.endpoint in SIGNED_ENDPOINTS and claimed:
        # Every signed view authenticates first: any other refusal comes after it.
        hub.record_refusal(session, claimed, error.message)
        session.commit()
    return jsonify(hub.refusal_body(error)), error.status_code
