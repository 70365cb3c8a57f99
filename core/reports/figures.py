"""Counting the categories for a scope and a period, grouped or not, and listing the
dossiers behind any one figure (the drill-down), from the same conditions.

Figures for the receiving units of a subtree come from the figures kept as events
happen (:mod:`.summary`); a department's or an officer's view, which those cannot split,
counts the dossiers row by row (:mod:`.reference`), as the check compares both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.core.reports import reference, summary
from motcua.core.reports.categories import CATEGORIES, conditions
from motcua.core.reports.periods import Period
from motcua.core.reports.scope import GROUPS, Scope, dossier_query

__all__ = ["GROUPS", "Scope", "dossiers_in", "figure_tables", "figures", "overdue_count",
           "resolved_by_month"]


def figure_tables(session: Session, scope: Scope, period: Period, now: datetime,
                  groups: tuple[str | None, ...]) -> dict[str | None, list[dict]]:
    """:func:`figures` for each of ``groups`` (None: the total), reading the kept
    figures once for all of them."""
    if not scope.by_receiving_unit:
        return {group: reference.figures_from_dossiers(session, scope, period, now, group)
                for group in groups}
    pairs = _picked(session, scope, summary.pair_figures(
        session, scope.root, period, now, scope.source))
    return {group: summary.grouped(session, pairs, group) for group in groups}


def _picked(session: Session, scope: Scope, pairs: dict) -> dict:
    """``pairs`` (by receiving unit and procedure) of the scope's procedures only."""
    if not scope.picks_procedures:
        return pairs
    kept = set(session.scalars(scope.procedure_ids()))
    return {pair: value for pair, value in pairs.items() if pair[1] in kept}


def figures(session: Session, scope: Scope, period: Period, now: datetime,
            group: str | None = None) -> list[dict]:
    """One dict of category counts (plus ``key`` and ``label`` when grouped by ``unit``,
    ``procedure`` or ``field``); ungrouped: a single dict."""
    return figure_tables(session, scope, period, now, (group,))[group]


def overdue_count(session: Session, scope: Scope, period: Period, now: datetime) -> int:
    """The ``in_processing_overdue`` figure alone (the dashboard's alert): for a period
    not yet over, only the live part is read."""
    if scope.by_receiving_unit and period.end > now:
        return sum(_picked(session, scope, summary.overdue_now(
            session, scope.root, period, now, scope.source)).values())
    return figures(session, scope, period, now)[0]["in_processing_overdue"]


def dossiers_in(session: Session, scope: Scope, period: Period, now: datetime,
                category: str, *, key: tuple[str, str] | None = None, limit: int = 200,
                offset: int = 0) -> tuple[list, int]:
    """The dossiers a figure counts (and how many), oldest received first; ``key`` is a
    group (``("unit", "H80.01")``) when the figure is one of a grouped table's cells.
    The items are ``Dossier`` rows, or on a hub ``HubDossier`` rows."""
    if category not in CATEGORIES:
        raise KeyError(category)
    conds = conditions(period.start, period.end, now, scope.source)
    dossier = scope.source.dossier
    query = scope.where(dossier_query(select(dossier), scope.source)
                        .where(conds["to_handle"], conds[category]))
    if key is not None:
        column = GROUPS[key[0]][0]
        query = query.where(column == key[1])
    total = session.scalar(select(func.count()).select_from(
        query.with_only_columns(dossier.id).subquery()))
    items = session.scalars(query.order_by(dossier.received_at, dossier.id)
                            .limit(limit).offset(offset)).all()
    return list(items), total or 0


def resolved_by_month(session: Session, scope: Scope, period: Period, now: datetime
                      ) -> list[tuple[Period, dict]]:
    """Resolved, early, on time and late per calendar month of ``period`` up to ``now``
    (the chart of the dashboard); each month's counts equal those of :func:`figures`
    for that month."""
    if not scope.by_receiving_unit:
        return reference.months_from_dossiers(session, scope, period, now)
    return summary.months(session, scope.root, period, now,
                          scope.procedure_ids() if scope.picks_procedures else None)
