"""Comparing the kept figures with the figures counted row by row from ``dossiers``: what
``motcua reports check-summary`` runs after a restore, a bulk load or a doubt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.models import Unit
from motcua.core.reports import reference, summary
from motcua.core.reports.periods import Period, parse_period
from motcua.core.reports.scope import Scope
from motcua.core.timeutil import local_date

GROUPS = (None, "unit", "procedure", "field")


def default_periods(today: date) -> list[Period]:
    """The last twelve months one by one, this year, and the last 365 days."""
    periods, month = [], today.replace(day=1)
    for _ in range(12):
        periods.append(parse_period(f"{month:%Y-%m}"))
        month = (month - timedelta(days=1)).replace(day=1)
    first = today - timedelta(days=365)
    return [*periods, parse_period(str(today.year)),
            parse_period(f"{first:%Y-%m-%d}..{today:%Y-%m-%d}")]


def differences(session: Session, roots: list[Unit], periods: list[Period], now: datetime
                ) -> list[str]:
    """Where the kept figures differ from the row-by-row count, for each of ``roots``
    (by receiving unit, procedure, field and in total) and each period, and in the
    months chart of each period's year; empty when they all agree."""
    found = []
    for root in roots:
        for period in periods:
            pairs = summary.pair_figures(session, root, period, now)
            for group in GROUPS:
                kept = summary.grouped(session, pairs, group)
                counted = reference.figures_from_dossiers(session, Scope(root), period, now,
                                                          group)
                if kept != counted:
                    found.append(f"{root.code} {period.code} by {group or 'total'}: kept "
                                 f"{kept} but dossiers give {counted}")
        for year in sorted({period.first.year for period in periods}):
            whole = parse_period(str(year))
            kept = summary.months(session, root, whole, now)
            counted = reference.months_from_dossiers(session, Scope(root), whole, now)
            if kept != counted:
                found.append(f"{root.code} months of {year}: kept {kept} but dossiers "
                             f"give {counted}")
    return found


def top_units(session: Session) -> list[Unit]:
    """The units without a parent (a province): every dossier is under one of them."""
    return list(session.scalars(select(Unit).where(Unit.parent_id.is_(None))
                                .order_by(Unit.code)))


def check(session: Session, now: datetime, periods: list[Period] | None = None) -> list[str]:
    """:func:`differences` for every top unit, over ``periods`` (default
    :func:`default_periods`)."""
    return differences(session, top_units(session),
                       periods or default_periods(local_date(now)), now)
