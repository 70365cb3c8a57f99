"""Numbers as people type them in Vietnam: a decimal comma ("120,5") and dots between
thousands ("1.200.000"), as well as the plain "120.5" of a form or a spreadsheet."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


def parse_number(text: str) -> Decimal:
    """The number written in ``text`` as a :class:`~decimal.Decimal`.

    "120,5" and "120.5" are 120.5; "1.200.000" (dots between groups of three digits) is
    1200000; "1.200.000,5" is 1200000.5. Raises ``ValueError`` with a message a person can
    act on when ``text`` is not a number.
    """
    cleaned = _SPACES.sub("", str(text or ""))
    if not cleaned:
        raise ValueError("Enter a number.")
    if "," in cleaned:
        # The comma is the decimal mark; any dots before it group thousands.
        whole, _comma, fraction = cleaned.rpartition(",")
        cleaned = f"{whole.replace('.', '')}.{fraction}"
    elif _GROUPED.match(cleaned):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(f"{text!r} is not a number; write it like 120,5 or 1.200.000.")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number; write it like 120,5.") from None
