"""The tax interconnection's figures: what is pending at each tax office, how long the
tax offices take to answer, and which messages to an external tax system are stuck.

Every figure is limited to a :class:`Scope`: the exchanges of the tax offices and of the
sending units the viewer holds a role over (:func:`viewer_scope`).

Turnaround is counted in **working days the way answer deadlines are**: an answer takes
``n`` working days when it came after the deadline of ``n - 1`` working days and no later
than the deadline of ``n`` working days (:func:`motcua_sdk.services.working_deadline`,
the province's calendar). Answered on the day of the request before its hour: 1; an
answer within ``settings.ANSWER_DAYS`` is on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import false, or_, select

from motcua_sdk import services
from motcua_tax_interconnection import settings
from motcua_tax_interconnection.models import Exchange

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# More working days than this is "longer than a year": counting stops there.
MAX_DAYS = 512


@dataclass(frozen=True)
class Scope:
    """The exchanges a viewer may count: those of ``offices`` (tax offices) and those
    sent by ``units`` (receiving units). ``everything`` for a command-line caller."""

    offices: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    everything: bool = False

    def clause(self):  # noqa: ANN201 - a SQLAlchemy condition
        if self.everything:
            return None
        if not self.offices and not self.units:
            return false()
        return or_(Exchange.tax_office_code.in_(sorted(self.offices) or [""]),
                   Exchange.unit_code.in_(sorted(self.units) or [""]))


EVERYTHING = Scope(everything=True)


def viewer_scope(session) -> Scope:  # noqa: ANN001
    """The tax offices and sending units the current account holds any role over."""
    account = services.current_account()
    if account is None:
        return Scope()
    roles = {name for name, _unit in account.roles}

    def sees(code: str) -> bool:
        return any(services.has_role(role, code) for role in roles)

    offices = session.scalars(select(Exchange.tax_office_code).distinct()).all()
    units = session.scalars(select(Exchange.unit_code).distinct()).all()
    return Scope(offices=frozenset(code for code in offices
                                   if code != settings.EXTERNAL and sees(code)),
                 units=frozenset(code for code in units if sees(code)))


def report_scope(session) -> Scope:  # noqa: ANN001
    """The scope of a report built through the ``motcua_reports`` hook: the logged-in
    viewer's (:func:`viewer_scope`), everything for a command without an account."""
    return viewer_scope(session) if services.current_account() is not None else EVERYTHING


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _instant(value, *, after: bool = False):  # noqa: ANN001, ANN202
    """A bound as an instant: a date given by the core's report page or CLI names a whole
    Vietnamese day (``start`` its midnight, ``end`` the next midnight, so the period's
    last day is counted); a datetime is taken as it is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value + timedelta(days=1) if after else value
        return datetime.combine(day, time(0), tzinfo=LOCAL)
    return value


def _filtered(statement, column, start, end, unit_code, scope: Scope):  # noqa: ANN001, ANN202
    start, end = _instant(start), _instant(end, after=True)
    if start is not None:
        statement = statement.where(column >= start)
    if end is not None:
        statement = statement.where(column < end)
    if unit_code:
        statement = statement.where(Exchange.unit_code.startswith(unit_code))
    clause = scope.clause()
    return statement if clause is None else statement.where(clause)


class WorkingDays:
    """:func:`motcua_sdk.services.working_deadline` arithmetic for one report, with the
    calls rows share cached: every deadline of a request is the clock time of its start
    (the calendar's clock start, on a working day) on the ``n``-th working day after
    that day, and the ``n``-th working day after a day is the same for every request
    started that day."""

    def __init__(self) -> None:
        self._days: dict[tuple[date, int], date] = {}

    def _nth_working_day(self, day: date, count: int) -> date:
        key = (day, count)
        if key not in self._days:
            # Noon of a working day is in office hours: the clock starts right then.
            noon = datetime.combine(day, time(12), tzinfo=LOCAL)
            self._days[key] = services.working_deadline(noon, count).astimezone(LOCAL).date()
        return self._days[key]

    def taken(self, start: datetime, end: datetime) -> int:
        """The working days from ``start`` to ``end`` counted like an answer deadline: the
        smallest ``n`` whose deadline (``working_deadline(start, n)``) is not before
        ``end``."""
        start, end = _aware(start), _aware(end)
        clock = services.working_deadline(start, 0).astimezone(LOCAL)
        if clock >= end:
            return 0
        day, at = clock.date(), clock.timetz()

        def before_end(count: int) -> bool:
            return datetime.combine(self._nth_working_day(day, count), at) < end

        low, high = 0, 1  # deadline(low) < end; search upwards for one not before it
        while before_end(high):
            if high >= MAX_DAYS:
                return MAX_DAYS
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if before_end(middle):
                low = middle
            else:
                high = middle
        return high


def working_days_taken(start: datetime, end: datetime) -> int:
    """:meth:`WorkingDays.taken` for one pair of moments."""
    return WorkingDays().taken(start, end)


def pending_report(session, start, end, unit_code, *, scope: Scope | None = None  # noqa: ANN001
                   ) -> list[dict]:
    """Requests waiting per tax office and kind, and how many are past their answer time
    (``scope`` by default: :func:`report_scope`)."""
    scope = report_scope(session) if scope is None else scope
    statement = _filtered(select(Exchange).where(Exchange.status == "waiting"),
                          Exchange.created_at, start, end, unit_code, scope)
    moment = datetime.now(UTC)
    rows: dict[tuple[str, str], dict] = {}
    for exchange in session.scalars(statement):
        row = rows.setdefault((exchange.tax_office_code, exchange.kind), {
            "tax_office": exchange.tax_office_code, "kind": exchange.kind,
            "waiting": 0, "overdue": 0})
        row["waiting"] += 1
        row["overdue"] += _aware(exchange.due_at) < moment
    return [rows[key] for key in sorted(rows)]


def turnaround_report(session, start, end, unit_code, *, scope: Scope | None = None  # noqa: ANN001
                      ) -> list[dict]:
    """Answered requests per tax office and kind: the average working days to the answer
    (one decimal), and how many were answered within the answer time (``scope`` by
    default: :func:`report_scope`)."""
    scope = report_scope(session) if scope is None else scope
    statement = _filtered(select(Exchange).where(Exchange.answered_at.is_not(None)),
                          Exchange.answered_at, start, end, unit_code, scope)
    totals: dict[tuple[str, str], list[int]] = {}
    working = WorkingDays()
    for exchange in session.scalars(statement):
        days = working.taken(exchange.created_at, exchange.answered_at)
        totals.setdefault((exchange.tax_office_code, exchange.kind), []).append(days)
    return [{"tax_office": office, "kind": kind, "answered": len(values),
             "average_working_days": round(sum(values) / len(values), 1),
             "on_time": sum(days <= settings.ANSWER_DAYS[kind] for days in values)}
            for (office, kind), values in sorted(totals.items())]


def stuck_messages(session, *, scope: Scope = EVERYTHING, dossier_code: str | None = None  # noqa: ANN001
                   ) -> list[Exchange]:
    """Messages to the external tax system still waiting that need looking at: not yet
    delivered (with their attempts and last error), or delivered with an answer refused."""
    statement = select(Exchange).where(
        Exchange.channel == settings.EXTERNAL, Exchange.status == "waiting",
        or_(Exchange.delivered_at.is_(None), Exchange.last_error.is_not(None)))
    if dossier_code is not None:
        statement = statement.where(Exchange.dossier_code == dossier_code)
    statement = _filtered(statement, Exchange.created_at, None, None, None, scope)
    return list(session.scalars(statement.order_by(Exchange.created_at, Exchange.id)))
