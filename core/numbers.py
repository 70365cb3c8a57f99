"""Figures as people read them in the current language (1.234 and 90,3% in Vietnamese,
1,234 and 90.3% in English), and the same patterns as Excel number formats, so a page
and its workbook show a figure alike."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal, format_percent

# Babel's patterns; Excel reads the same text as a number format and shows the reader's
# separators, so a workbook opened in Vietnamese Excel reads 1.234 and 90,3%.
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "#,##0.0%"
NO_RATE = "—"  # nothing to divide by: no dossier was resolved


def format_count(value: int | None) -> str:
    """A count with the current language's thousands separator."""
    return format_decimal(value or 0, COUNT_FORMAT)


def format_rate(share: float | None) -> str:
    """A share (0.903) as a percentage with one decimal, or :data:`NO_RATE`."""
    return NO_RATE if share is None else format_percent(share, RATE_FORMAT)


# Up to 12 decimals, none added: 120,5 stays 120,5, not 120,50.
NUMBER_FORMAT = "#,##0." + "#" * 12


def format_number(value: int | float | Decimal) -> str:
    """A number as typed data shows it: the current language's separators (1.200.000 and
    120,5 in Vietnamese), no decimals added and at most 12 kept."""
    return format_decimal(value if isinstance(value, Decimal) else Decimal(str(value)),
                          NUMBER_FORMAT)
