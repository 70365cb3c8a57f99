"""Figures in the reader's number format, the one helper the report pages and the Excel
number formats share."""

from __future__ import annotations

import pytest

from motcua.core.numbers import NO_RATE, format_count, format_rate


@pytest.mark.parametrize(("language", "count", "rate"), [
    ("vi", "1.234.567", "90,3%"), ("en", "1,234,567", "90.3%")])
def test_counts_and_rates_follow_the_pages_language(app, language, count, rate):
    with app.test_request_context(f"/?lang={language}"):
        assert format_count(1234567) == count
        assert format_rate(0.9034) == rate
        assert format_rate(None) == NO_RATE
        assert format_count(None) == "0"

