"""Plugin report columns by type (``motcua_sdk.ReportColumn``): each value checked against
its column's type, shown on the page in the reader's language (1.234,5 and 90,3% in
Vietnamese; dates as dd/mm/yyyy) and written to Excel as a typed cell with the same
pattern as its number format, so the page and the workbook read alike."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_decimal, format_percent

from motcua.core.numbers import COUNT_FORMAT
from motcua.core.timeutil import local
from motcua_sdk.types import ReportColumn

DATE_FORMAT = "DD/MM/YYYY"  # Excel's; the page writes %d/%m/%Y


def _pattern(places: int, percent: bool = False) -> str:
    """Babel's (and Excel's) pattern: ``#,##0``, ``#,##0.0`` ..., with ``%``."""
    return "#,##0" + ("." + "0" * places if places else "") + ("%" if percent else "")


def checked(column: ReportColumn, value: Any) -> Any:
    """``value`` as its column's type holds it (a ``date`` for a date column); TypeError
    naming the column when it is not of that type. ``None`` stays ``None``."""
    if value is None:
        return None
    kind = column.type
    if kind in ("number", "percent"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"column {column.key} is of type {kind}: {value!r} is not a "
                            f"number")
        return value
    if kind == "date":
        if isinstance(value, datetime):
            # An aware moment is a day in Vietnam; a naive one is taken as it is.
            return (local(value) if value.tzinfo else value).date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise TypeError(f"column {column.key} is of type date: {value!r} is not a date")
    if kind == "text":
        return str(value)
    # "auto" (API 0.1's plain keys): numbers and text as they come, anything else as text.
    return value if isinstance(value, int | float | str) else str(value)


def shown(column: ReportColumn, value: Any) -> str:
    """A checked value as the page shows it, in the current language."""
    if value is None:
        return ""
    if column.type == "number":
        return format_decimal(value, _pattern(column.places))
    if column.type == "percent":
        return format_percent(value, _pattern(column.places, percent=True))
    if column.type == "date":
        return value.strftime("%d/%m/%Y")
    if column.type == "auto" and isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, COUNT_FORMAT)
    return str(value)


def excel_format(column: ReportColumn, value: Any) -> str | None:
    """The Excel number format of a checked value's cell (None: Excel's general)."""
    if value is None:
        return None
    if column.type == "number":
        return _pattern(column.places)
    if column.type == "percent":
        return _pattern(column.places, percent=True)
    if column.type == "date":
        return DATE_FORMAT
    if column.type == "auto" and isinstance(value, int) and not isinstance(value, bool):
        return COUNT_FORMAT
    return None


def is_numeric(column: ReportColumn) -> bool:
    """True for the columns whose cells are right-aligned, as figures are."""
    return column.type in ("number", "percent")
