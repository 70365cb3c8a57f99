"""The ICT department's audit viewer: filter, page through, export, verify."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context

from motcua.core.audit.chain import verify
from motcua.core.audit.query import AuditFilter, export_csv, export_jsonl, page
from motcua.core.extensions import db_session
from motcua.core.web.helpers import province_admin_required

bp = Blueprint("audit", __name__, url_prefix="/ict/audit")
PAGE_SIZE = 50


@bp.get("/")
@province_admin_required
def viewer() -> str:
    """Newest entries first, 50 a page, with the filters of the form."""
    wanted = AuditFilter.from_args(request.args)
    number = request.args.get("page", 1, type=int) or 1
    entries, total = page(db_session(), wanted, number, PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("audit/viewer.html", entries=entries, total=total,
                           number=number, pages=pages, wanted=wanted,
                           query={k: v for k, v in request.args.items() if k != "page"})


@bp.get("/export.<fmt>")
@province_admin_required
def export(fmt: str) -> Response:
    """The filtered entries as CSV or JSON lines, oldest first."""
    wanted = AuditFilter.from_args(request.args)
    if fmt == "csv":
        body, mimetype = export_csv(db_session(), wanted), "text/csv; charset=utf-8"
    elif fmt == "jsonl":
        body, mimetype = export_jsonl(db_session(), wanted), "application/x-ndjson"
    else:
        return Response("Export as .csv or .jsonl.", status=404)
    return Response(stream_with_context(body), mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=motcua-audit.{fmt}"})


@bp.post("/verify")
@province_admin_required
def check() -> str:
    """Recompute the chain now and say whether it is intact."""
    result = verify(db_session())
    wanted = AuditFilter.from_args(request.args)
    entries, total = page(db_session(), wanted, 1, PAGE_SIZE)
    return render_template("audit/viewer.html", entries=entries, total=total, number=1,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), wanted=wanted,
                           query={}, verified=result)
