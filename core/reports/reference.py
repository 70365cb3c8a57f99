"""The figures counted row by row from ``dossiers`` (on a hub, ``hub_dossiers``): the
definition the kept figures (:mod:`.summary`) must equal, used for department and
officer views (which the kept figures cannot split) and by the check (``motcua reports
check-summary``) and tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from motcua.core.reports.categories import CATEGORIES, conditions, vietnam_month
from motcua.core.reports.periods import Period
from motcua.core.reports.scope import GROUPS, Scope, dossier_query
from motcua.core.timeutil import local_date


def figures_from_dossiers(session: Session, scope: Scope, period: Period, now: datetime,
                          group: str | None = None) -> list[dict]:
    """One dict of category counts (plus ``key`` and ``label`` when grouped by ``unit``,
    ``procedure`` or ``field``); ungrouped: a single dict."""
    conds = conditions(period.start, period.end, now, scope.source)
    sums = [func.coalesce(func.sum(case((conds[name], 1), else_=0)), 0).label(name)
            for name in CATEGORIES]
    keys = GROUPS[group] if group else ()
    query = scope.where(dossier_query(select(*keys, *sums), scope.source)
                        .where(conds["to_handle"]))
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


def months_from_dossiers(session: Session, scope: Scope, period: Period, now: datetime
                         ) -> list[tuple[Period, dict]]:
    """Resolved, early, on time and late per calendar month of ``period`` up to ``now``,
    in one grouped query."""
    conds = conditions(period.start, period.end, now, scope.source)
    month = vietnam_month(scope.source.dossier.finished_at)
    sums = [func.coalesce(func.sum(case((conds[name], 1), else_=0)), 0).label(name)
            for name in ("early", "on_time", "late")]
    query = scope.where(dossier_query(select(
        month.label("month"), func.count().label("resolved"), *sums), scope.source)
        .where(conds["resolved"])).group_by(month)
    found = {row.month: {"resolved": row.resolved, "early": int(row.early),
                         "on_time": int(row.on_time), "late": int(row.late)}
             for row in session.execute(query)}
    return months_up_to(period, now, found)


def months_up_to(period: Period, now: datetime, found: dict[str, dict]
                 ) -> list[tuple[Period, dict]]:
    """The months of ``period`` that have begun by ``now``, each with its counts in
    ``found`` (by ``YYYY-MM``) or zeros."""
    today = local_date(now)
    empty = {"resolved": 0, "early": 0, "on_time": 0, "late": 0}
    return [(month_period, found.get(month_period.code, empty))
            for month_period in period.months() if month_period.first <= today]
