"""Reading query-string parameters with a clear 400 for bad values."""

from __future__ import annotations

from datetime import date

from flask import request

from motcua.core.db import INT_MAX
from motcua.core.errors import MotcuaError
from motcua.core.timeutil import EARLIEST_DATE, LATEST_DATE, parse_date

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


class BadRequest(MotcuaError):
    """The request itself cannot be read (bad JSON, bad query parameter)."""

    status_code = 400


def int_param(name: str, default: int, low: int, high: int = INT_MAX) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.", field=name) from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be from {low} to {high}.", field=name)
    return value


def paging() -> tuple[int, int]:
    """(page, per_page) from the query string, within the limits."""
    return int_param("page", 1, 1), int_param("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def date_param(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD, from {EARLIEST_DATE} to "
                         f"{LATEST_DATE}.", field=name) from None


def bool_param(name: str) -> bool:
    raw = (request.args.get(name) or "").lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise BadRequest(f"{name} must be true or false.", field=name)
