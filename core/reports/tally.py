"""Keeping the report figures (``report_figures``, ``report_supplements``) as dossiers
change, in the transaction that changes them.

What a dossier adds to the figures is written once, as SQL over its rows (the parts
below); the same statements add one dossier's part when an event changes it
(:func:`count_event`), take a dossier out and put it back when it is replaced wholesale
(:func:`recount_dossier`, the take-over of a handed-over dossier) and fill the tables
from every dossier (:func:`rebuild`: the migration's back-fill, the benchmark's bulk
copy and ``motcua reports rebuild-summary``). Every write is an UPSERT adding to the
counts (``count = count + n``), so officers recording events at once never lose one;
the rows are written in key order so two such transactions cannot deadlock.

A dossier adds:

- when received (its first event): one to ``received_online`` or
  ``received_in_person`` on the day received;
- when it finishes (result ready, refused or withdrawn; its outcome, finish time and
  deadline do not change afterwards): one to ``closed`` and to its outcome on the day
  finished and, if it was open past its deadline over a midnight, one to
  ``overdue_from`` on the day that began and to ``overdue_until`` on the day finished;
- for each request for supplement: one request, keyed by the day of the dossier's
  previous request.

Every count goes to the day's row and to its month's row.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    case,
    delete,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from motcua.core.models import (
    Dossier,
    DossierEvent,
    ReportFigures,
    ReportSupplements,
)
from motcua.core.models.reports import NO_PREVIOUS_DAY, REPORT_COUNTS
from motcua.core.reports.categories import (
    RESOLVED_STATUSES,
    deadline,
    month_start,
    resolution_classes,
    vietnam_day,
)
from motcua.core.reports.source import LOCAL, Source, current_source

# The statuses of a finished dossier (``finished_at`` set).
FINISHED_STATUSES = (*RESOLVED_STATUSES, "refused", "withdrawn")
SUPPLEMENT = "supplement_requested"
KEY = ("grain", "day", "unit_id", "procedure_id")
SUPPLEMENT_KEY = ("grain", "day", "previous_day", "unit_id", "procedure_id")

Bind = Session | Connection


def _one(condition: ColumnElement) -> ColumnElement:
    return case((condition, 1), else_=0)


def _part(day: ColumnElement, counts: dict[str, ColumnElement], where: list,
          source: Source, *, deadline_join: bool = False) -> Select:
    """One row per dossier: the day it counts on, its unit and procedure, its counts.
    A dossier whose unit or procedure the catalogue lacks (a hub's copy may name one)
    has no figures to go to."""
    d = source.dossier
    values = [counts.get(name, literal(0)).label(name) for name in REPORT_COUNTS]
    query = select(day.label("day"), d.unit_id.label("unit_id"),
                   d.procedure_id.label("procedure_id"), *values).select_from(d)
    if deadline_join:
        query = source.with_deadline(query)
    if source is not LOCAL:
        where = [*where, d.unit_id.is_not(None), d.procedure_id.is_not(None)]
    return query.where(*where)


def received_part(where: list, source: Source = LOCAL) -> list[Select]:
    """What a dossier adds when received."""
    d = source.dossier
    return [_part(vietnam_day(d.received_at), {
        "received_online": _one(d.channel == "online"),
        "received_in_person": _one(d.channel != "online"),
    }, where, source)]


def finished_parts(where: list, source: Source = LOCAL) -> list[Select]:
    """What a finished dossier adds: its outcome, and the days it was open and overdue."""
    d = source.dossier
    finished, received = vietnam_day(d.finished_at), vietnam_day(d.received_at)
    due = vietnam_day(deadline(source))
    # At a period's end (a midnight) it was open and overdue if that midnight came after
    # both its receipt and its deadline, and it finished later: between these two days.
    overdue_day = case((received > due, received), else_=due)
    resolved = d.status.in_(RESOLVED_STATUSES)
    classes = resolution_classes(source)
    where = [*where, d.finished_at.is_not(None)]
    return [
        _part(finished, {
            "closed": literal(1),
            **{name: _one(and_(resolved, condition)) for name, condition in classes.items()},
            "refused": _one(d.status == "refused"),
            "withdrawn": _one(d.status == "withdrawn"),
            "overdue_until": _one(overdue_day < finished),
        }, where, source, deadline_join=True),
        _part(overdue_day, {"overdue_from": literal(1)}, [*where, overdue_day < finished],
              source, deadline_join=True),
    ]


def _grains() -> Select:
    return union_all(select(literal("d", String).label("grain")),
                     select(literal("m", String).label("grain"))).subquery("grains")


def _dialect(bind: Bind) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


def _upsert(bind: Bind, table, columns: list[str], query: Select, key: tuple[str, ...]):  # noqa: ANN001, ANN202
    insert = (pg_insert if _dialect(bind) == "postgresql" else sqlite_insert)(table)
    statement = insert.from_select(columns, query)
    counts = [name for name in columns if name not in key]
    return bind.execute(statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in counts}))


def figure_sums(parts: list[Select], sign: int = 1) -> Select:
    """The rows ``parts`` select, summed (times ``sign``) on their days and months, in
    key order: ``grain, day, unit_id, procedure_id`` and the counts."""
    rows = union_all(*parts).subquery("parts")
    grains = _grains()
    day = case((grains.c.grain == "m", month_start(rows.c.day)), else_=rows.c.day)
    weight = literal_column(str(int(sign)))
    return (select(grains.c.grain, day, rows.c.unit_id, rows.c.procedure_id,
                   *(func.sum(rows.c[name]) * weight for name in REPORT_COUNTS))
            .select_from(rows).join(grains, true())
            .group_by(grains.c.grain, day, rows.c.unit_id, rows.c.procedure_id)
            .order_by(grains.c.grain, day, rows.c.unit_id, rows.c.procedure_id))


def add_figures(bind: Bind, parts: list[Select], sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) the rows ``parts`` select, on their days and
    months."""
    if not parts:
        return
    _upsert(bind, ReportFigures.__table__, [*KEY, *REPORT_COUNTS], figure_sums(parts, sign),
            KEY)


def requests_part(where: list, sign: int, source: Source = LOCAL) -> Select:
    """A dossier's requests for supplement (as ``where`` selects them, which must keep
    whole dossiers), each with the day of the dossier's previous request."""
    d, e = source.dossier, source.event
    previous = func.lag(e.at).over(partition_by=e.dossier_id, order_by=(e.at, e.sequence))
    if source is not LOCAL:
        where = [*where, d.unit_id.is_not(None), d.procedure_id.is_not(None)]
    return (select(vietnam_day(e.at).label("day"),
                   vietnam_day(previous).label("previous_day"),
                   d.unit_id.label("unit_id"), d.procedure_id.label("procedure_id"),
                   literal_column(str(int(sign))).label("weight"))
            .select_from(e).join(d, d.id == e.dossier_id)
            .where(e.kind == SUPPLEMENT, *where))


def supplement_sums(requests: list[Select]) -> Select:
    """The requests selected (by :func:`requests_part`, with their weights) summed on their
    days and months, in key order: ``grain, day, previous_day, unit_id, procedure_id``
    and ``requests``."""
    rows = union_all(*requests).subquery("requests")
    grains = _grains()
    day = case((grains.c.grain == "m", month_start(rows.c.day)), else_=rows.c.day)
    previous = func.coalesce(rows.c.previous_day, literal(NO_PREVIOUS_DAY, Date))
    return (select(grains.c.grain, day, previous, rows.c.unit_id, rows.c.procedure_id,
                   func.sum(rows.c.weight))
            .select_from(rows).join(grains, true())
            .group_by(grains.c.grain, day, previous, rows.c.unit_id, rows.c.procedure_id)
            .having(func.sum(rows.c.weight) != 0)
            .order_by(grains.c.grain, day, previous, rows.c.unit_id, rows.c.procedure_id))


def add_supplements(bind: Bind, requests: list[Select]) -> None:
    """Add the requests selected (by :func:`requests_part`, with their weights)."""
    _upsert(bind, ReportSupplements.__table__, [*SUPPLEMENT_KEY, "requests"],
            supplement_sums(requests), SUPPLEMENT_KEY)


def add_rows(bind: Bind, table, key: tuple[str, ...], rows: list[dict]) -> None:  # noqa: ANN001
    """Add ``rows`` (dicts of key and count columns, in key order) to ``table``'s counts."""
    if not rows:
        return
    statement = (pg_insert if _dialect(bind) == "postgresql" else sqlite_insert)(table)
    counts = [name for name in rows[0] if name not in key]
    bind.execute(statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in counts}), rows)


def count_event(session: Session, dossier: Dossier, event: DossierEvent) -> None:
    """Add what ``event`` (flushed) changed in ``dossier``'s figures: its receipt (the
    first event), its finish (the event after which it is finished and before which it
    was not), a request for supplement. On a hub, whose reports count the nodes'
    dossiers (:mod:`.hub_tally`), a dossier of its own adds nothing."""
    if current_source() is not LOCAL:
        return
    where = [Dossier.id == dossier.id]
    parts = []
    was_finished = False
    if event.sequence == 1:
        parts += received_part(where)
    elif dossier.finished_at is not None:
        # The event log, not the caller's word, says how the dossier stood before.
        was_finished = session.scalar(select(DossierEvent.to_status).where(
            DossierEvent.dossier_id == dossier.id,
            DossierEvent.sequence == event.sequence - 1)) in FINISHED_STATUSES
    if dossier.finished_at is not None and not was_finished:
        parts += finished_parts(where)
    add_figures(session, parts)
    if event.kind == SUPPLEMENT:
        # The dossier's requests again, without this one and with it: the new request
        # may come before a later one (a replayed time), whose previous day it changes.
        add_supplements(session, [
            requests_part([DossierEvent.dossier_id == dossier.id,
                           DossierEvent.id != event.id], -1),
            requests_part([DossierEvent.dossier_id == dossier.id], 1)])


def recount_dossier(session: Session, dossier_id: int, sign: int) -> None:
    """Take away (``sign`` -1) or add (1) everything dossier ``dossier_id`` adds, as its
    rows stand now: around a change made without events (a take-over)."""
    where = [Dossier.id == dossier_id]
    add_figures(session, [*received_part(where), *finished_parts(where)], sign)
    add_supplements(session, [requests_part([DossierEvent.dossier_id == dossier_id], sign)])


def rebuild(bind: Bind, source: Source = LOCAL) -> None:
    """Empty both tables and count every dossier of ``source`` again (the back-fill)."""
    if _dialect(bind) == "postgresql":
        # Events recorded meanwhile wait, then add to the rebuilt counts: none is
        # counted twice (seen by the rebuild and added) or lost (added, then deleted).
        bind.execute(text("LOCK TABLE report_figures, report_supplements IN EXCLUSIVE MODE"))
    bind.execute(delete(ReportFigures.__table__))
    bind.execute(delete(ReportSupplements.__table__))
    add_figures(bind, [*received_part([], source), *finished_parts([], source)])
    add_supplements(bind, [requests_part([], 1, source)])
