"""What each figure of the reports counts, as SQL conditions over a dossier row.

For a period [start, end) and "now" (the end, or the present moment for a period not yet
over), a dossier is:

- ``carried_over``: received before the period and not finished when it began;
- ``received_online`` / ``received_in_person``: received in the period online, or at the
  desk (in person, by post, or entered after an outage);
- ``to_handle``: carried over or received: the period's workload;
- ``resolved``: its result issued in the period, and of those ``early`` (on a day before
  the deadline's day), ``on_time`` (by the deadline) and ``late`` (after it);
- ``refused`` / ``withdrawn``: ended so in the period;
- ``in_processing``: not finished at the end of the period, ``in_processing_on_time`` or
  ``in_processing_overdue`` (late at "now" by :mod:`motcua.core.workflow.lateness`: its
  deadline passed, and if it waits for a supplement or for the applicant's payment of a
  financial obligation, passed before that wait stopped its clock; a dossier waiting
  for payment is in processing, never a supplement);
- ``supplement_requested``: a supplement was asked for in the period.

The deadline is the original appointment: an apology's new date does not make a late
dossier on time (Decree 61), while a supplement pause moves the deadline (the clock was
stopped; the routing engine already pushed ``due_at`` back by the working time waited).
``to_handle`` = ``resolved`` + ``refused`` + ``withdrawn`` + ``in_processing``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Date, String, and_, exists, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from motcua.core.reports.source import LOCAL, Source
from motcua.core.workflow.lateness import late_condition

CATEGORIES = ("to_handle", "carried_over", "received_online", "received_in_person",
              "resolved", "early", "on_time", "late", "in_processing",
              "in_processing_on_time", "in_processing_overdue", "supplement_requested",
              "refused", "withdrawn")
RESOLVED_STATUSES = ("result_ready", "returned")


class vietnam_day(FunctionElement):  # noqa: N801 - reads as a SQL function
    """The Vietnam calendar day of a stored UTC time (UTC+7 all year, no summer time)."""

    type = Date()
    inherit_cache = True


@compiles(vietnam_day, "sqlite")
def _vietnam_day_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(vietnam_day, "postgresql")
def _vietnam_day_postgresql(element, compiler, **kw):  # noqa: ANN001, ANN202
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '7 hours') AS DATE)"


class vietnam_month(FunctionElement):  # noqa: N801 - reads as a SQL function
    """The Vietnam calendar month (``YYYY-MM``) of a stored UTC time."""

    type = String()
    inherit_cache = True


@compiles(vietnam_month, "sqlite")
def _vietnam_month_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(vietnam_month, "postgresql")
def _vietnam_month_postgresql(element, compiler, **kw):  # noqa: ANN001, ANN202
    return (f"to_char({compiler.process(element.clauses, **kw)} + INTERVAL '7 hours', "
            "'YYYY-MM')")


class month_start(FunctionElement):  # noqa: N801 - reads as a SQL function
    """The first day of the month of a date column."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):  # noqa: ANN001, ANN202
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element, compiler, **kw):  # noqa: ANN001, ANN202
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


def deadline(source: Source = LOCAL) -> ColumnElement:
    """The original appointment (kept at an apology) or the due time. Needs the
    source's :meth:`~.source.Source.with_deadline` join."""
    return source.deadline()


def resolution_classes(source: Source = LOCAL) -> dict[str, ColumnElement]:
    """How a resolved dossier ended against its :func:`deadline`: ``early`` (on a day
    before the deadline's day), ``on_time`` (by the deadline, not early) or ``late``.
    The same conditions serve the figures counted from dossiers and the figures kept as
    dossiers finish (motcua.core.reports.tally)."""
    due, finished_at = deadline(source), source.dossier.finished_at
    early = vietnam_day(finished_at) < vietnam_day(due)
    return {"early": early,
            "on_time": and_(finished_at <= due, not_(early)),
            "late": finished_at > due}


def conditions(start: datetime, end: datetime, now: datetime,
               source: Source = LOCAL) -> dict[str, ColumnElement]:
    """Each category's condition for the period [``start``, ``end``), over the dossiers
    of ``source``."""
    d, e = source.dossier, source.event
    moment = min(end, now)
    finished_in = and_(d.finished_at >= start, d.finished_at < end)
    received_in = and_(d.received_at >= start, d.received_at < end)
    carried = and_(d.received_at < start,
                   or_(d.finished_at.is_(None), d.finished_at >= start))
    resolved = and_(finished_in, d.status.in_(RESOLVED_STATUSES))
    classes = resolution_classes(source)
    processing = and_(d.received_at < end,
                      or_(d.finished_at.is_(None), d.finished_at >= end))
    overdue = and_(processing, late_condition(deadline(source), d, e, moment))
    supplement = exists(select(e.id).where(
        e.dossier_id == d.id, e.kind == "supplement_requested",
        e.at >= start, e.at < end))
    return {
        "to_handle": or_(carried, received_in),
        "carried_over": carried,
        "received_online": and_(received_in, d.channel == "online"),
        "received_in_person": and_(received_in, d.channel != "online"),
        "resolved": resolved,
        "early": and_(resolved, classes["early"]),
        "on_time": and_(resolved, classes["on_time"]),
        "late": and_(resolved, classes["late"]),
        "in_processing": processing,
        "in_processing_on_time": and_(processing, not_(overdue)),
        "in_processing_overdue": overdue,
        "supplement_requested": and_(or_(carried, received_in), supplement),
        "refused": and_(finished_in, d.status == "refused"),
        "withdrawn": and_(finished_in, d.status == "withdrawn"),
    }


def on_time_rate(figures: dict) -> float | None:
    """Share of resolved dossiers resolved early or on time (None when none resolved)."""
    resolved = figures.get("resolved") or 0
    if not resolved:
        return None
    return (figures.get("early", 0) + figures.get("on_time", 0)) / resolved
