"""Counting the categories for a scope and a period, grouped or not, and listing the
dossiers behind any one figure (the drill-down), from the same conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from motcua.core.models import Dossier, DossierWorkflow, Procedure, StepHolding, Unit
from motcua.core.reports.categories import CATEGORIES, conditions, vietnam_month
from motcua.core.reports.periods import Period
from motcua.core.timeutil import local_date

GROUPS = {
    "unit": (Unit.code, Unit.name),
    "procedure": (Procedure.code, Procedure.name),
    "field": (Procedure.field, Procedure.field),
}


@dataclass(frozen=True)
class Scope:
    """Whose dossiers: those received in the subtree of ``root`` and, for a department's
    or an officer's view, only those that passed through ``department`` (its subtree) or
    through the hands of ``officer_id``."""

    root: Unit
    department: Unit | None = None
    officer_id: int | None = None

    def where(self, query: Select) -> Select:
        query = query.where(Unit.path.startswith(self.root.path))
        if self.department is not None:
            held_at = aliased(Unit)  # not the receiving unit of the outer query
            query = query.where(exists(
                select(StepHolding.id).join(held_at, held_at.id == StepHolding.unit_id)
                .where(StepHolding.dossier_id == Dossier.id,
                       held_at.path.startswith(self.department.path))))
        if self.officer_id is not None:
            query = query.where(exists(select(StepHolding.id).where(
                StepHolding.dossier_id == Dossier.id,
                StepHolding.account_id == self.officer_id)))
        return query


def _base(query: Select) -> Select:
    return (query.select_from(Dossier)
            .join(Unit, Unit.id == Dossier.unit_id)
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .outerjoin(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id))


def figures(session: Session, scope: Scope, period: Period, now: datetime,
            group: str | None = None) -> list[dict]:
    """One dict of category counts (plus ``key`` and ``label`` when grouped by ``unit``,
    ``procedure`` or ``field``); ungrouped: a single dict."""
    conds = conditions(period.start, period.end, now)
    sums = [func.coalesce(func.sum(case((conds[name], 1), else_=0)), 0).label(name)
            for name in CATEGORIES]
    keys = GROUPS[group] if group else ()
    query = scope.where(_base(select(*keys, *sums)).where(conds["to_handle"]))
    if group:
        query = query.group_by(*dict.fromkeys(keys)).order_by(keys[0])
    rows = []
    for row in session.execute(query):
        values = dict(row._mapping)  # noqa: SLF001 - the row's columns by name
        item = {name: int(values[name]) for name in CATEGORIES}
        if group:
            item["key"], item["label"] = row[0], row[1]
        rows.append(item)
    if not group and not rows:
        rows = [dict.fromkeys(CATEGORIES, 0)]
    return rows


def dossiers_in(session: Session, scope: Scope, period: Period, now: datetime,
                category: str, *, key: tuple[str, str] | None = None, limit: int = 200,
                offset: int = 0) -> tuple[list[Dossier], int]:
    """The dossiers a figure counts (and how many), oldest received first; ``key`` is a
    group (``("unit", "H80.01")``) when the figure is one of a grouped table's cells."""
    if category not in CATEGORIES:
        raise KeyError(category)
    conds = conditions(period.start, period.end, now)
    query = scope.where(_base(select(Dossier)).where(conds["to_handle"], conds[category]))
    if key is not None:
        column = GROUPS[key[0]][0]
        query = query.where(column == key[1])
    total = session.scalar(select(func.count()).select_from(
        query.with_only_columns(Dossier.id).subquery()))
    items = session.scalars(query.order_by(Dossier.received_at, Dossier.id)
                            .limit(limit).offset(offset)).all()
    return list(items), total or 0


def resolved_by_month(session: Session, scope: Scope, period: Period, now: datetime
                      ) -> list[tuple[Period, dict]]:
    """Resolved, early, on time and late per calendar month of ``period`` up to ``now``,
    in one grouped query (the chart of the dashboard); each month's counts equal those
    of :func:`figures` for that month."""
    conds = conditions(period.start, period.end, now)
    month = vietnam_month(Dossier.finished_at)
    sums = [func.coalesce(func.sum(case((conds[name], 1), else_=0)), 0).label(name)
            for name in ("early", "on_time", "late")]
    query = scope.where(_base(select(month.label("month"), func.count().label("resolved"),
                                     *sums)).where(conds["resolved"])).group_by(month)
    found = {row.month: {"resolved": row.resolved, "early": int(row.early),
                         "on_time": int(row.on_time), "late": int(row.late)}
             for row in session.execute(query)}
    today = local_date(now)
    empty = {"resolved": 0, "early": 0, "on_time": 0, "late": 0}
    return [(month_period, found.get(month_period.code, empty))
            for month_period in period.months() if month_period.first <= today]
