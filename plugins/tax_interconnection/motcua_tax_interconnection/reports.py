"""The tax interconnection's figures: what is pending at each tax office, and how long
the tax offices take to answer."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from motcua_tax_interconnection.models import Exchange


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _between(statement, column, start, end):  # noqa: ANN001, ANN202
    if start is not None:
        statement = statement.where(column >= start)
    if end is not None:
        statement = statement.where(column < end)
    return statement


def pending_report(session, start, end, unit_code) -> list[dict]:  # noqa: ANN001
    """Requests waiting per tax office and kind, and how many are past their answer time."""
    statement = _between(select(Exchange).where(Exchange.status == "waiting"),
                         Exchange.created_at, start, end)
    if unit_code:
        statement = statement.where(Exchange.unit_code.startswith(unit_code))
    moment = datetime.now(UTC)
    rows: dict[tuple[str, str], dict] = {}
    for exchange in session.scalars(statement):
        row = rows.setdefault((exchange.tax_office_code, exchange.kind), {
            "tax_office": exchange.tax_office_code, "kind": exchange.kind,
            "waiting": 0, "overdue": 0})
        row["waiting"] += 1
        row["overdue"] += _aware(exchange.due_at) < moment
    return [rows[key] for key in sorted(rows)]


def turnaround_report(session, start, end, unit_code) -> list[dict]:  # noqa: ANN001
    """Answered requests per tax office and kind, with the average hours to the answer."""
    statement = _between(select(Exchange).where(Exchange.answered_at.is_not(None)),
                         Exchange.answered_at, start, end)
    if unit_code:
        statement = statement.where(Exchange.unit_code.startswith(unit_code))
    totals: dict[tuple[str, str], list[float]] = {}
    for exchange in session.scalars(statement):
        hours = (_aware(exchange.answered_at) - _aware(exchange.created_at)).total_seconds()
        totals.setdefault((exchange.tax_office_code, exchange.kind), []).append(hours / 3600)
    return [{"tax_office": office, "kind": kind, "answered": len(values),
             "average_hours": round(sum(values) / len(values), 1)}
            for (office, kind), values in sorted(totals.items())]
