"""The public procedure catalogue: list with search and filters, and one procedure."""

from __future__ import annotations

from flask import Response, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from motcua.core.api.params import paging
from motcua.core.api.schemas import ProcedurePageSchema, ProcedureSchema
from motcua.core.errors import NotFound
from motcua.core.extensions import db_session
from motcua.core.models import Procedure, Unit, procedure_units
from motcua.core.text import fold


def list_procedures() -> Response:
    """GET /procedures: active procedures, filtered by q, field and unit."""
    page, per_page = paging()
    statement = select(Procedure).where(Procedure.active.is_(True))
    for word in fold(request.args.get("q")).split():
        statement = statement.where(Procedure.search_text.contains(word, autoescape=True))
    if request.args.get("field"):
        statement = statement.where(Procedure.field == request.args["field"])
    if request.args.get("unit"):
        statement = statement.where(Procedure.id.in_(
            select(procedure_units.c.procedure_id).join(Unit)
            .where(Unit.code == request.args["unit"].strip().upper())
        ))
    session = db_session()
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    items = session.scalars(statement.order_by(Procedure.code)
                            .offset((page - 1) * per_page).limit(per_page))
    return jsonify(ProcedurePageSchema().dump(
        {"items": list(items), "page": page, "per_page": per_page, "total": total}
    ))


def get_procedure(code: str) -> Response:
    """GET /procedures/<code>: one procedure with documents and receiving units."""
    procedure = db_session().scalar(
        select(Procedure).where(Procedure.code == code, Procedure.active.is_(True)).options(
            selectinload(Procedure.documents), selectinload(Procedure.receiving_units))
    )
    if procedure is None:
        raise NotFound(f"No procedure with code {code}.")
    return jsonify(ProcedureSchema().dump(procedure))
