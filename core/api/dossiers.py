"""Dossiers through the API: create at a reception desk, read, list and follow events.

Officers see only dossiers of units within their role scopes; a dossier outside the
scope answers 404 so its existence does not leak.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, time, timedelta

from flask import Response, g, jsonify, request, url_for
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from motcua.core import json_limits
from motcua.core.api.auth import auth_required
from motcua.core.api.idempotency import api_write
from motcua.core.api.params import BadRequest, date_param, paging
from motcua.core.api.schemas import (
    AttachmentInSchema,
    DossierDetailSchema,
    DossierPageSchema,
    DossierSchema,
    EventListSchema,
)
from motcua.core.attachments import IncomingFile
from motcua.core.audit.record import record
from motcua.core.codes import normalize_code
from motcua.core.errors import NotFound, ValidationError
from motcua.core.extensions import db_session, settings
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Dossier, Unit
from motcua.core.schemas import first_error
from motcua.core.timeutil import VIETNAM
from motcua.core.web.dossier_search import paged, read_filters, search_statement
from motcua.core.web.scope import visible_condition


def _json_body() -> dict:
    """The request body as a JSON object, or :class:`BadRequest`."""
    if not request.is_json:
        raise BadRequest("Send the body as JSON with 'Content-Type: application/json'.")
    try:
        body = json_limits.loads(request.get_data(as_text=True) or "")
    except ValueError as error:
        raise BadRequest(f"The body is not valid JSON: {error}.") from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def _incoming_files(raw: object) -> list[IncomingFile]:
    """Decode the ``attachments`` list; raise :class:`ValidationError` on bad entries."""
    try:
        entries = AttachmentInSchema(many=True).load(raw if raw is not None else [])
    except SchemaError as error:
        path, message = first_error(error.messages, "attachments.")
        raise ValidationError(f"{path}: {message}", field=path) from None
    files = []
    for index, entry in enumerate(entries):
        try:
            data = base64.b64decode(entry["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            path = f"attachments.{index}.data_base64"
            raise ValidationError(f"{path}: not valid base64.", field=path) from None
        files.append(IncomingFile(filename=entry["filename"], content_type=entry["content_type"],
                                  data=data, document_id=entry["document_id"]))
    return files


@api_write
def create_dossier() -> tuple[Response, int, dict]:
    """POST /dossiers: receive a complete dossier at a desk of the caller's (committed by
    :func:`api_write` once the answer is built)."""
    body = _json_body()
    files = _incoming_files(body.pop("attachments", None))
    session = db_session()
    ctx = DeskContext(session=session, actor=g.api_account, settings=settings(), files=files)
    dossier = take_in(ctx, body)
    location = url_for("api_v1.get_dossier", code=dossier.code)
    return jsonify(DossierSchema().dump(dossier)), 201, {"Location": location}


def _visible(code: str) -> Dossier:
    account = g.api_account
    condition = visible_condition(account)
    dossier = None
    if condition is not None:
        dossier = db_session().scalar(
            select(Dossier).where(Dossier.code == normalize_code(code), condition).options(
                selectinload(Dossier.documents), selectinload(Dossier.attachments))
        )
    if dossier is None:
        raise NotFound(f"No dossier with code {normalize_code(code)} in your scope.")
    return dossier


@auth_required
def get_dossier(code: str) -> Response:
    """GET /dossiers/<code>: the full dossier, for officers whose scope covers it."""
    dossier = _visible(code)
    record("personal_data.viewed", target=dossier.code, actor=g.api_account,
           detail={"where": "API dossier detail"})
    return jsonify(DossierDetailSchema().dump(dossier))


@auth_required
def dossier_events(code: str) -> Response:
    """GET /dossiers/<code>/events: the dossier's history, oldest first."""
    dossier = _visible(code)
    return jsonify(EventListSchema().dump({"items": dossier.events}))


def _local_start(day) -> datetime:  # noqa: ANN001
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def _filters(statement):  # noqa: ANN001, ANN202
    """The list's own filters (unit subtree, dates received); the search box and the
    filters shared with the web lists are :mod:`motcua.core.web.dossier_search`'s."""
    args = request.args
    if args.get("unit"):
        unit = db_session().scalar(select(Unit).where(
            Unit.code == args["unit"].strip().upper()))
        if unit is None:
            raise BadRequest(f"Unknown unit {args['unit']!r}.", field="unit")
        statement = statement.where(Dossier.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))))
    received_from, received_to = date_param("received_from"), date_param("received_to")
    if received_from:
        statement = statement.where(Dossier.received_at >= _local_start(received_from))
    if received_to:
        statement = statement.where(
            Dossier.received_at < _local_start(received_to + timedelta(days=1)))
    return statement


@auth_required
def list_dossiers() -> Response:
    """GET /dossiers: dossiers in the caller's scope matching the search box ``q`` (code,
    applicant name, citizen ID or phone) and the filters, newest first, paged."""
    page, per_page = paging()
    statement = _filters(search_statement(g.api_account, request.args.get("q") or "",
                                          read_filters(request.args)))
    found = paged(db_session(), statement.options(
        selectinload(Dossier.documents), selectinload(Dossier.attachments)), page, per_page)
    return jsonify(DossierPageSchema().dump(
        {"items": found.items, "page": page, "per_page": per_page, "total": found.total}))
