"""Dashboards, drill-down lists, the periodic report (page and Excel) and the officer
evaluation, for leaders (their units' subtree) and the ICT department (the province)."""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import exists, func, or_, select

from motcua.core.extensions import db_session
from motcua.core.models import CHANNELS, Account, HubDossier, Procedure, Unit
from motcua.core.reports.categories import CATEGORIES, on_time_rate
from motcua.core.reports.excel import period_line, periodic_workbook, signing, workbook_response
from motcua.core.reports.figures import (
    GROUPS,
    Scope,
    dossiers_in,
    figure_tables,
    overdue_count,
    resolved_by_month,
)
from motcua.core.reports.labels import CATEGORY_LABELS
from motcua.core.reports.officers import officer_rows
from motcua.core.reports.periods import (
    PARTS,
    Period,
    current_month,
    parse_period,
    picked_period,
    picker_part,
    picker_years,
)
from motcua.core.sync.read_model import uses_hub_read_model
from motcua.core.timeutil import local_date, now

bp = Blueprint("reports", __name__, url_prefix="/reports")
REPORT_ROLES = ("leader", "unit_admin", "ict_admin")
CHANNEL_LABELS = {"in_person": _l("In person at the desk"), "online": _l("Online"),
                  "post": _l("By post"), "back_entry": _l("Back-entered")}
PAGE_SIZE = 100


def report_roots(account: Account) -> list[Unit]:
    """The subtrees whose reports ``account`` may see (outermost only)."""
    roots = [a.unit for a in account.roles if a.role in REPORT_ROLES]
    return [u for u in roots if not any(o is not u and u.is_within(o) for o in roots)]


def _receives_within(unit: Unit) -> bool:
    """True when ``unit`` or a unit under it receives dossiers (a district, a desk)."""
    return db_session().scalar(select(
        exists().where(Unit.path.startswith(unit.path), Unit.receives_dossiers.is_(True))))


def _steps_stay_with_the_units() -> NoReturn:
    """A department's or an officer's figures need who held each step, which the units'
    servers keep and do not push: the hub answers for receiving units only."""
    abort(400, description=_(
        "This is the provincial hub: it counts the dossiers by receiving unit, procedure "
        "and field. A department's or an officer's figures are on that unit's own server."))


def _own_scope() -> Scope:
    """An officer without a report role sees only their own figures: the dossiers that
    passed through their hands, the figures their evaluation reads (docs/reports.md)."""
    own = current_user.unit
    if not current_user.roles or own is None:
        abort(403, description=_("Reports are for leaders and the ICT department."))
    if uses_hub_read_model():
        _steps_stay_with_the_units()
    code = (request.args.get("unit") or "").strip().upper()
    officer = request.args.get("officer", type=int)
    if (code and code != own.code) or (officer is not None and officer != current_user.id) \
            or request.args.get("department"):
        abort(403, description=_("You may see only your own figures."))
    return Scope(own, None, current_user.id, **_narrowing())


def _narrowing() -> dict:
    """The ad-hoc filters the query string asks for: one procedure, field or channel."""
    session = db_session()
    procedure = (request.args.get("procedure") or "").strip() or None
    if procedure and session.scalar(select(Procedure.id).where(
            Procedure.code == procedure)) is None:
        abort(404, description=_("No procedure has the code %(code)s.", code=procedure[:40]))
    field = (request.args.get("field") or "").strip() or None
    if field and session.scalar(select(Procedure.id).where(
            Procedure.field == field).limit(1)) is None:
        abort(404, description=_("No such field."))
    channel = (request.args.get("channel") or "").strip() or None
    if channel and channel not in CHANNELS:
        abort(404, description=_("Unknown channel %(name)s.", name=channel[:40]))
    return {"procedure": procedure, "field": field, "channel": channel}


def _period() -> Period:
    """The period the query string names: the picker's year and part, else a typed code
    (the links the pages make), else this month."""
    if request.args.get("year"):
        return picked_period(request.args["year"], request.args.get("part"))
    period_code = request.args.get("period")
    return parse_period(period_code) if period_code else current_month(local_date(now()))


def _scope(*, own: bool = False) -> tuple[Scope, Period, list[Unit]]:
    """The scope and period the query string asks for, within what the user may see;
    with ``own``, an officer without a report role gets their own figures."""
    period = _period()
    roots = report_roots(current_user)
    if not roots:
        if own:
            return _own_scope(), period, []
        abort(403, description=_("Reports are for leaders and the ICT department."))
    session = db_session()
    code = (request.args.get("unit") or "").strip().upper()
    unit = session.scalar(select(Unit).where(Unit.code == code)) if code else roots[0]
    if unit is None:
        abort(404, description=_("No unit has the code %(code)s.", code=code[:40]))
    if not any(unit.is_within(root) for root in roots):
        abort(403, description=_("That unit is outside the units you lead."))
    department = None
    if request.args.get("department"):
        department = session.scalar(select(Unit).where(
            Unit.code == request.args["department"].strip().upper()))
        if department is None or not department.is_within(unit):
            abort(404, description=_("No such department in this unit."))
    elif not _receives_within(unit):
        # A department (or an agency) receives nothing itself: its figures are the
        # dossiers that passed through it, wherever they were received.
        department = unit
    officer_id = request.args.get("officer", type=int)
    if uses_hub_read_model() and (department is not None or officer_id is not None):
        _steps_stay_with_the_units()
    if officer_id is not None:
        officer = session.get(Account, officer_id)
        if officer is None or not officer.unit.is_within(unit):
            abort(404, description=_("No such officer in this unit."))
    return Scope(unit, department, officer_id, **_narrowing()), period, roots


def _hub_notice() -> dict | None:
    """On a hub: how many of the nodes' dossiers its catalogue cannot place (a receiving
    unit or a procedure it lacks), which no figure counts."""
    if not uses_hub_read_model():
        return None
    return {"unplaced": db_session().scalar(select(func.count()).select_from(HubDossier).where(
        or_(HubDossier.unit_id.is_(None), HubDossier.procedure_id.is_(None))))}


def _departments(unit: Unit) -> list[Unit]:
    """The departments and agencies under ``unit`` (the choices of the department
    filter): the units that handle dossiers without receiving them."""
    return list(db_session().scalars(
        select(Unit).where(Unit.path.startswith(unit.path), Unit.id != unit.id,
                           Unit.kind.in_(("department", "agency")),
                           Unit.receives_dossiers.is_(False), Unit.active.is_(True))
        .order_by(Unit.code)))


def _fields() -> list[str]:
    """The fields of the catalogue, for the field filter."""
    return list(db_session().scalars(select(Procedure.field).distinct()
                                     .order_by(Procedure.field)))


def _officer_name(scope: Scope) -> str | None:
    account = db_session().get(Account, scope.officer_id) if scope.officer_id else None
    return account.full_name if account else None


def _query(scope: Scope, period: Period, **extra) -> dict:  # noqa: ANN003
    args = {"unit": scope.root.code, "period": period.code}
    if scope.department is not None:
        args["department"] = scope.department.code
    if scope.officer_id is not None:
        args["officer"] = scope.officer_id
    for name in ("procedure", "field", "channel"):
        if getattr(scope, name) is not None:
            args[name] = getattr(scope, name)
    return {**args, **extra}


@bp.get("/")
@login_required
def dashboard() -> str:
    """The figures of the period, by unit, procedure and field, the months of the year
    as a chart, and the dossiers overdue now; every number links to its dossiers."""
    scope, period, roots = _scope(own=True)
    session, moment = db_session(), now()
    tables = figure_tables(session, scope, period, moment, (None, "unit", "procedure", "field"))
    total = tables.pop(None)[0]
    year = parse_period(str(period.first.year))
    months = resolved_by_month(session, scope, year, moment)
    this_month = current_month(local_date(moment))
    overdue_now = (total["in_processing_overdue"] if period == this_month
                   else overdue_count(session, scope, this_month, moment))
    children = session.scalars(select(Unit).where(Unit.parent_id == scope.root.id)
                               .order_by(Unit.code)).all()
    return render_template(
        "reports/dashboard.html", scope=scope, period=period, total=total, tables=tables,
        months=months, overdue_now=overdue_now, roots=roots, children=children,
        departments=_departments(scope.root) if roots and not uses_hub_read_model() else [],
        labels=CATEGORY_LABELS, fields=_fields(), channels=CHANNEL_LABELS,
        officer_name=_officer_name(scope), hub=_hub_notice(),
        rate=on_time_rate, query=_query(scope, period), now_month=this_month)


@bp.get("/dossiers")
@login_required
def drill_down() -> str:
    """The dossiers behind one figure."""
    scope, period, _roots = _scope(own=True)
    category = request.args.get("category", "")
    if category not in CATEGORIES:
        abort(404, description=_("Unknown figure %(name)s.", name=category[:40]))
    key = None
    if request.args.get("group") in GROUPS and request.args.get("key"):
        key = (request.args["group"], request.args["key"])
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = dossiers_in(db_session(), scope, period, now(), category, key=key,
                               limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render_template("reports/dossiers.html", scope=scope, period=period,
                           on_hub=uses_hub_read_model(),
                           category=category, label=CATEGORY_LABELS[category], key=key,
                           items=items, total=total, number=number, page_size=PAGE_SIZE,
                           query=_query(scope, period))


def _periodic() -> tuple[str, Scope, Period, list[dict], dict]:
    """The periodic report's rows, by receiving unit (default) or by field."""
    group = request.args.get("by", "unit")
    if group not in ("unit", "field"):
        group = "unit"
    scope, period, _roots = _scope()
    session, moment = db_session(), now()
    tables = figure_tables(session, scope, period, moment, (group, None))
    return group, scope, period, tables[group], tables[None][0]


CHANNELS_VI = {"in_person": "trực tiếp", "online": "trực tuyến", "post": "qua bưu chính",
               "back_entry": "nhập lại sau sự cố"}


def narrowed(scope: Scope) -> str:
    """What an ad-hoc report is narrowed to, in the report's own (Vietnamese) words."""
    parts = []
    if scope.department is not None and scope.department.id != scope.root.id:
        parts.append(f"đơn vị xử lý {scope.department.name}")
    if scope.procedure is not None:
        parts.append(f"thủ tục {scope.procedure}")
    if scope.field is not None:
        parts.append(f"lĩnh vực {scope.field}")
    if scope.channel is not None:
        parts.append(f"hồ sơ nhận {CHANNELS_VI[scope.channel]}")
    return f" — {'; '.join(parts)}" if parts else ""


@bp.get("/periodic")
@login_required
def periodic() -> str:
    """The official periodic report, printable; by receiving unit or by field."""
    group, scope, period, rows, total = _periodic()
    return render_template("reports/periodic.html", scope=scope, period=period, rows=rows,
                           total=total, by=group, rate=on_time_rate,
                           hub=_hub_notice(), narrowed=narrowed(scope),
                           signing=signing(local_date(now())),
                           query=_query(scope, period, by=group))


@bp.get("/periodic.xlsx")
@login_required
def periodic_xlsx() -> Response:
    """The same report as an Excel workbook."""
    group, scope, period, rows, total = _periodic()
    data = periodic_workbook(
        "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        period_line(scope.root.name, period) + narrowed(scope),
        "Đơn vị tiếp nhận" if group == "unit" else "Lĩnh vực",
        rows, {**total, "label": "Tổng cộng"}, local_date(now()))
    return workbook_response(data, f"bao-cao-{scope.root.code}-{period.code}.xlsx")


@bp.get("/officers")
@login_required
def officers() -> str:
    """Officer evaluation: steps closed, on-time share, late steps, apologies."""
    if uses_hub_read_model():
        _steps_stay_with_the_units()
    scope, period, _roots = _scope()
    rows = officer_rows(db_session(), scope.root, period)
    return render_template("reports/officers.html", scope=scope, period=period, rows=rows,
                           query=_query(scope, period))


def drill_url(query: dict, category: str, **extra) -> str:  # noqa: ANN003
    """The link of a figure to its dossiers."""
    return url_for("reports.drill_down", category=category, **query, **extra)


@bp.app_context_processor
def _helpers() -> dict:
    def sees_reports() -> bool:
        # Officers see their own figures; leaders and the ICT department their units'.
        return current_user.is_authenticated and bool(current_user.roles)

    def period_picker(period: Period) -> dict:
        return {"parts": PARTS, "part": picker_part(period),
                "years": picker_years(local_date(now()), period)}

    return {"sees_reports": sees_reports, "drill_url": drill_url,
            "period_picker": period_picker}


# The plugins' reports add their pages to this blueprint (imported last: it uses it).
from motcua.core.reports import plugin_reports as _plugin_reports  # noqa: E402, F401
