"""The figures of a period read from the kept figures (:mod:`.tally`), per receiving unit
and procedure, then summed by unit, procedure or field.

For the period's days [first, end):

- received, resolved (early, on time, late), refused and withdrawn: the period's sums;
- carried over and in processing: received minus closed, summed over every day before
  the period's first day and before its end (running differences);
- requests for supplement: dossiers counted once, by their requests in the period whose
  previous request came before it;
- in processing and overdue: the dossiers open now are read live (an indexed query on
  unfinished dossiers, the only figure that depends on "now"); those finished since the
  period ended, from ``overdue_from`` minus ``overdue_until`` up to its end.

Whole months are read from month rows and only the days of partial months from day
rows, so a year costs about the same as a month.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from motcua.core.models import (
    Procedure,
    ReportFigures,
    ReportSupplements,
    Unit,
)
from motcua.core.reports.categories import CATEGORIES
from motcua.core.reports.periods import Period
from motcua.core.reports.reference import months_up_to
from motcua.core.reports.source import LOCAL, Source
from motcua.core.workflow.lateness import late_condition

Pair = tuple[int, int]  # (receiving unit id, procedure id)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def span(table, first: date, end: date) -> ColumnElement:  # noqa: ANN001
    """The rows of ``table`` that count the days [``first``, ``end``) exactly once:
    month rows for the whole months, day rows for the rest."""
    if first >= end:
        return false()
    whole_from = first if first.day == 1 else _next_month(first)
    whole_to = end.replace(day=1)
    days = and_(table.grain == "d", table.day >= first, table.day < end)
    if whole_from >= whole_to:
        return days
    return or_(and_(table.grain == "m", table.day >= whole_from, table.day < whole_to),
               and_(table.grain == "d", table.day >= first, table.day < whole_from),
               and_(table.grain == "d", table.day >= whole_to, table.day < end))


def _sum(value: ColumnElement, rows: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((rows, value), else_=0)), 0)


def _kept(session: Session, root: Unit, first: date, end: date) -> dict[Pair, dict]:
    """Per unit and procedure: the period's sums and the running differences."""
    t = ReportFigures
    period, before_first, before_end = (span(t, first, end), span(t, date.min, first),
                                        span(t, date.min, end))
    still_open = t.received_online + t.received_in_person - t.closed
    columns = {
        "carried_over": _sum(still_open, before_first),
        "in_processing": _sum(still_open, before_end),
        "overdue_finished_later": _sum(t.overdue_from - t.overdue_until, before_end),
        **{name: _sum(getattr(t, name), period) for name in (
            "received_online", "received_in_person", "early", "on_time", "late", "refused",
            "withdrawn")},
    }
    query = (select(t.unit_id, t.procedure_id,
                    *(value.label(name) for name, value in columns.items()))
             .join(Unit, Unit.id == t.unit_id)
             .where(Unit.path.startswith(root.path), or_(period, before_first, before_end))
             .group_by(t.unit_id, t.procedure_id))
    return {(row.unit_id, row.procedure_id): {name: int(row._mapping[name])  # noqa: SLF001
                                              for name in columns}
            for row in session.execute(query)}


def _supplements(session: Session, root: Unit, first: date, end: date) -> dict[Pair, int]:
    """Per unit and procedure: dossiers asked for a supplement in the period."""
    t = ReportSupplements
    query = (select(t.unit_id, t.procedure_id, func.sum(t.requests))
             .join(Unit, Unit.id == t.unit_id)
             .where(Unit.path.startswith(root.path), span(t, first, end),
                    t.previous_day < first)
             .group_by(t.unit_id, t.procedure_id))
    return {(unit_id, procedure_id): int(count)
            for unit_id, procedure_id, count in session.execute(query)}


def overdue_open(session: Session, root: Unit, end: datetime, moment: datetime,
                 *, finished_from: datetime | None = None,
                 source: Source = LOCAL) -> dict[Pair, int]:
    """Per unit and procedure, read live: dossiers received before ``end``, unfinished
    (or, with ``finished_from``, finished at or after it), past their deadline at
    ``moment`` (:func:`~motcua.core.workflow.lateness.late_condition`: a dossier waiting
    for a supplement or a payment is judged when its clock stopped)."""
    d = source.dossier
    finished = (d.finished_at.is_(None) if finished_from is None
                else d.finished_at >= finished_from)
    query, due = source.live_deadline(
        select(d.unit_id, d.procedure_id, func.count()).join(Unit, Unit.id == d.unit_id))
    query = (query.where(Unit.path.startswith(root.path), finished, d.received_at < end,
                         late_condition(due, d, source.event, moment))
             .group_by(d.unit_id, d.procedure_id))
    if source is not LOCAL:  # a hub's copy may name a procedure the catalogue lacks
        query = query.where(d.procedure_id.is_not(None))
    return {(unit_id, procedure_id): count
            for unit_id, procedure_id, count in session.execute(query)}


def overdue_now(session: Session, root: Unit, period: Period, now: datetime,
                source: Source = LOCAL) -> dict[Pair, int]:
    """In processing at the end of ``period`` and overdue (at its end, or now if it is
    not over), per unit and procedure."""
    if period.end > now:
        found = overdue_open(session, root, period.end, now, source=source)
        # Finished after the period's end although it is not over: only a clock
        # replayed into the past can make these, but they count as open then.
        for pair, count in overdue_open(session, root, period.end, now,
                                        finished_from=period.end, source=source).items():
            found[pair] = found.get(pair, 0) + count
        return found
    return overdue_open(session, root, period.end, period.end, source=source)


def pair_figures(session: Session, root: Unit, period: Period, now: datetime,
                 source: Source = LOCAL) -> dict[Pair, dict]:
    """Every category per receiving unit (in ``root``'s subtree) and procedure; the kept
    figures are ``source``'s (a hub keeps the nodes' dossiers' figures)."""
    first, end = period.first, period.last + timedelta(days=1)
    kept = _kept(session, root, first, end)
    supplements = _supplements(session, root, first, end)
    overdue = overdue_now(session, root, period, now, source)
    result = {}
    for pair in kept.keys() | supplements.keys() | overdue.keys():
        k = kept.get(pair) or defaultdict(int)
        late_open = overdue.get(pair, 0)
        if period.end <= now:
            late_open += k["overdue_finished_later"]
        received = k["received_online"] + k["received_in_person"]
        result[pair] = {
            "to_handle": k["carried_over"] + received,
            "carried_over": k["carried_over"],
            "received_online": k["received_online"],
            "received_in_person": k["received_in_person"],
            "resolved": k["early"] + k["on_time"] + k["late"],
            "early": k["early"],
            "on_time": k["on_time"],
            "late": k["late"],
            "in_processing": k["in_processing"],
            "in_processing_on_time": k["in_processing"] - late_open,
            "in_processing_overdue": late_open,
            "supplement_requested": supplements.get(pair, 0),
            "refused": k["refused"],
            "withdrawn": k["withdrawn"],
        }
    return result


def _add(total: dict, item: dict) -> None:
    for name in CATEGORIES:
        total[name] += item[name]


def grouped(session: Session, pairs: dict[Pair, dict], group: str | None) -> list[dict]:
    """``pairs`` summed into one dict, or by ``unit``, ``procedure`` or ``field`` (with
    ``key`` and ``label``), ordered by key as the database orders it; groups with
    nothing to handle are left out, as a count over dossiers leaves them out."""
    if group is None:
        total = dict.fromkeys(CATEGORIES, 0)
        for item in pairs.values():
            _add(total, item)
        return [total]
    if group == "unit":
        ids = {unit_id for unit_id, _procedure in pairs}
        rows = session.execute(select(Unit.id, Unit.code, Unit.name)
                               .where(Unit.id.in_(ids)).order_by(Unit.code)).all()
        key_of = {unit_id: (code, name) for unit_id, code, name in rows}
        pick = 0
    else:
        ids = {procedure_id for _unit, procedure_id in pairs}
        column = Procedure.code if group == "procedure" else Procedure.field
        rows = session.execute(select(Procedure.id, Procedure.code, Procedure.name,
                                      Procedure.field)
                               .where(Procedure.id.in_(ids)).order_by(column)).all()
        key_of = {procedure_id: (code, name) if group == "procedure" else (field, field)
                  for procedure_id, code, name, field in rows}
        pick = 1
    # Dicts keep insertion order: the groups come out in the database's key order.
    groups = {key: {**dict.fromkeys(CATEGORIES, 0), "key": key[0], "label": key[1]}
              for key in key_of.values()}
    for pair, item in pairs.items():
        _add(groups[key_of[pair[pick]]], item)
    return [row for row in groups.values() if row["to_handle"] > 0]


def months(session: Session, root: Unit, period: Period, now: datetime,
           procedure_ids: Select | None = None) -> list[tuple[Period, dict]]:
    """Resolved, early, on time and late per calendar month of ``period`` up to ``now``
    (of the procedures ``procedure_ids`` selects, if given)."""
    t = ReportFigures
    end = period.last + timedelta(days=1)
    query = (select(t.day, func.sum(t.early), func.sum(t.on_time), func.sum(t.late))
             .join(Unit, Unit.id == t.unit_id)
             .where(Unit.path.startswith(root.path), span(t, period.first, end))
             .group_by(t.grain, t.day))
    if procedure_ids is not None:
        query = query.where(t.procedure_id.in_(procedure_ids))
    found: dict[str, dict] = {}
    for day, early, on_time, late in session.execute(query):
        month = found.setdefault(f"{day:%Y-%m}",
                                 {"resolved": 0, "early": 0, "on_time": 0, "late": 0})
        for name, value in (("early", early), ("on_time", on_time), ("late", late)):
            month[name] += int(value)
            month["resolved"] += int(value)
    return months_up_to(period, now, found)
