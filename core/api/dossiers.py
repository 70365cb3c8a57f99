"""Dossiers through the API: create at a reception desk, read, list and follow events.

Officers see only dossiers of units within their role scopes; a dossier outside the
scope answers 404 so its existence does not leak.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, time, timedelta

from flask import Response, g, jsonify, request, url_for
from marshmallow import ValidationError as SchemaError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload

from motcua.core.api.auth import auth_required
from motcua.core.api.idempotency import api_write
from motcua.core.api.params import BadRequest, bool_param, date_param, paging
from motcua.core.api.schemas import (
    AttachmentInSchema,
    DossierPageSchema,
    DossierSchema,
    EventListSchema,
)
from motcua.core.attachments import IncomingFile
from motcua.core.audit.record import record
from motcua.core.errors import NotFound, ValidationError
from motcua.core.extensions import db_session, settings
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import FINAL_STATUSES, STATUSES, Account, Dossier, Procedure, Unit
from motcua.core.schemas import first_error
from motcua.core.text import normalize_code
from motcua.core.timeutil import VIETNAM, now


def _json_body() -> dict:
    """The request body as a JSON object, or :class:`BadRequest`."""
    if not request.is_json:
        raise BadRequest("Send the body as JSON with 'Content-Type: application/json'.")
    try:
        body = json.loads(request.get_data(as_text=True) or "")
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


def _scope_roots(account: Account) -> list[Unit]:
    return [assignment.unit for assignment in account.roles]


def _in_scope(account: Account):  # noqa: ANN202
    """SQL condition: the dossier's unit or holder unit lies in one of the account's scopes."""
    roots = _scope_roots(account)
    if not roots:
        return None
    unit, holder = aliased(Unit), aliased(Unit)
    owned = select(Dossier.id).join(unit, Dossier.unit_id == unit.id).where(
        or_(*[unit.path.startswith(root.path, autoescape=True) for root in roots]))
    held = select(Dossier.id).join(holder, Dossier.holder_unit_id == holder.id).where(
        or_(*[holder.path.startswith(root.path, autoescape=True) for root in roots]))
    return or_(Dossier.id.in_(owned), Dossier.id.in_(held))


def _visible(code: str) -> Dossier:
    account = g.api_account
    condition = _in_scope(account)
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
    return jsonify(DossierSchema().dump(dossier))


@auth_required
def dossier_events(code: str) -> Response:
    """GET /dossiers/<code>/events: the dossier's history, oldest first."""
    dossier = _visible(code)
    return jsonify(EventListSchema().dump({"items": dossier.events}))


def _local_start(day) -> datetime:  # noqa: ANN001
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def _filters(statement):  # noqa: ANN001, ANN202
    args = request.args
    status = args.get("status")
    if status:
        if status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}.", field="status")
        statement = statement.where(Dossier.status == status)
    if args.get("unit"):
        unit = db_session().scalar(select(Unit).where(
            Unit.code == args["unit"].strip().upper()))
        if unit is None:
            raise BadRequest(f"Unknown unit {args['unit']!r}.", field="unit")
        statement = statement.where(Dossier.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))))
    if args.get("procedure"):
        statement = statement.where(Dossier.procedure_id.in_(
            select(Procedure.id).where(Procedure.code == args["procedure"].strip())))
    received_from, received_to = date_param("received_from"), date_param("received_to")
    if received_from:
        statement = statement.where(Dossier.received_at >= _local_start(received_from))
    if received_to:
        statement = statement.where(
            Dossier.received_at < _local_start(received_to + timedelta(days=1)))
    if bool_param("overdue"):
        statement = statement.where(Dossier.finished_at.is_(None), Dossier.due_at < now(),
                                    Dossier.status.not_in(FINAL_STATUSES))
    query = (args.get("q") or "").strip()
    if query:
        statement = statement.where(or_(
            Dossier.code == normalize_code(query),
            func.lower(Dossier.applicant_name).contains(query.lower(), autoescape=True),
        ))
    return statement


@auth_required
def list_dossiers() -> Response:
    """GET /dossiers: dossiers in the caller's scope, newest first, filtered and paged."""
    page, per_page = paging()
    condition = _in_scope(g.api_account)
    if condition is None:
        return jsonify(DossierPageSchema().dump(
            {"items": [], "page": page, "per_page": per_page, "total": 0}))
    statement = _filters(select(Dossier).where(condition))
    session = db_session()
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    items = session.scalars(
        statement.order_by(Dossier.received_at.desc(), Dossier.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
        .options(selectinload(Dossier.documents), selectinload(Dossier.attachments))
    )
    return jsonify(DossierPageSchema().dump(
        {"items": list(items), "page": page, "per_page": per_page, "total": total}))
