"""Comparing the kept figures with the figures counted row by row from ``dossiers``: what
``motcua reports check-summary`` runs after a restore, a bulk load or a doubt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.core.models import ReportFigures, ReportSupplements, Unit
from motcua.core.models.reports import REPORT_COUNTS
from motcua.core.reports import reference, summary
from motcua.core.reports.categories import month_start
from motcua.core.reports.periods import Period, parse_period
from motcua.core.reports.scope import Scope
from motcua.core.reports.source import Source, current_source
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


def differences(session: Session, roots: list[Unit], periods: list[Period], now: datetime,
                source: Source | None = None) -> list[str]:
    """Where the kept figures differ from the row-by-row count, for each of ``roots``
    (by receiving unit, procedure, field and in total) and each period, and in the
    months chart of each period's year; empty when they all agree. ``source``: whose
    dossiers (default: this server's, or on a hub the nodes')."""
    source = source or current_source()
    found = []
    for root in roots:
        for period in periods:
            pairs = summary.pair_figures(session, root, period, now, source)
            for group in GROUPS:
                kept = summary.grouped(session, pairs, group)
                counted = reference.figures_from_dossiers(
                    session, Scope(root, source=source), period, now, group)
                if kept != counted:
                    found.append(f"{root.code} {period.code} by {group or 'total'}: kept "
                                 f"{kept} but dossiers give {counted}")
        for year in sorted({period.first.year for period in periods}):
            whole = parse_period(str(year))
            kept = summary.months(session, root, whole, now)
            counted = reference.months_from_dossiers(session, Scope(root, source=source),
                                                     whole, now)
            if kept != counted:
                found.append(f"{root.code} months of {year}: kept {kept} but dossiers "
                             f"give {counted}")
    return found


def _month_sums(session: Session, table, keys: tuple[str, ...],  # noqa: ANN001
                counts: tuple[str, ...]) -> tuple[dict, dict]:
    """Per month and key: the month row's counts, and the sums of its day rows (rows
    counting nothing are left out of both: a dossier taken away leaves zeros)."""
    day = month_start(table.day)
    key_columns = [getattr(table, name) for name in keys]
    summed = (select(day, *key_columns, *(func.sum(getattr(table, n)) for n in counts))
              .where(table.grain == "d").group_by(day, *key_columns))
    months = (select(table.day, *key_columns, *(getattr(table, n) for n in counts))
              .where(table.grain == "m"))

    def collect(query) -> dict:  # noqa: ANN001
        width = len(keys) + 1
        return {tuple(row[:width]): tuple(int(v) for v in row[width:])
                for row in session.execute(query) if any(row[width:])}

    return collect(months), collect(summed)


def month_row_differences(session: Session) -> list[str]:
    """Where a month row differs from the sum of its day rows, in both kept tables.
    Reports read whole months from month rows and partial months from day rows, so a
    damaged day row shows only in a report of some days: this finds it in two grouped
    reads, whatever the periods compared."""
    found = []
    for table, keys, counts in (
            (ReportFigures, ("unit_id", "procedure_id"), REPORT_COUNTS),
            (ReportSupplements, ("previous_day", "unit_id", "procedure_id"), ("requests",))):
        months, days = _month_sums(session, table, keys, counts)
        for key in sorted(months.keys() | days.keys(), key=str):
            if months.get(key) != days.get(key):
                month, *rest = key
                found.append(
                    f"{table.__tablename__} {month:%Y-%m} "
                    f"{dict(zip(keys, (str(v) for v in rest), strict=True))}: month row "
                    f"{dict(zip(counts, months.get(key, ()), strict=False))} but its days "
                    f"sum to {dict(zip(counts, days.get(key, ()), strict=False))}")
    return found


def top_units(session: Session) -> list[Unit]:
    """The units without a parent (a province): every dossier is under one of them."""
    return list(session.scalars(select(Unit).where(Unit.parent_id.is_(None))
                                .order_by(Unit.code)))


def check(session: Session, now: datetime, periods: list[Period] | None = None) -> list[str]:
    """:func:`month_row_differences`, then :func:`differences` for every top unit over
    ``periods`` (default :func:`default_periods`)."""
    return [*month_row_differences(session),
            *differences(session, top_units(session),
                         periods or default_periods(local_date(now)), now)]
