"""motcua_sdk.numbers: decimal commas, thousands groups, and clear refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError, fields

from motcua_sdk.numbers import Number, NumberError, parse_number


@pytest.mark.parametrize(("text", "expected"), [
    ("120,5", "120.5"), ("120.5", "120.5"), ("1.200,5", "1200.5"), ("1,200.5", "1200.5"),
    ("1.200.000", "1200000"), ("1,200,000", "1200000"), ("1 200 000", "1200000"),
    ("1\u00a0200,75", "1200.75"), ("1.200.000,5", "1200000.5"), ("-3,25", "-3.25"),
    ("+2", "2"), (" 7 ", "7"), ("0,125", "0.125"), ("1234,567", "1234.567"),
    ("12", "12"), ("0", "0"),
])
def test_reads_vietnamese_and_english_notation(text, expected):
    assert parse_number(text) == Decimal(expected)


def test_accepts_json_numbers_as_they_are():
    assert parse_number(12) == 12
    assert parse_number(1.5) == Decimal("1.5")
    assert parse_number(Decimal("2.25")) == Decimal("2.25")


@pytest.mark.parametrize("text", ["1.200", "1,200", "12,500", "-1.000"])
def test_refuses_what_reads_two_ways_and_says_both(text):
    with pytest.raises(NumberError) as caught:
        parse_number(text)
    digits = text.lstrip("-").replace(".", "").replace(",", "")
    assert digits in caught.value.message and "can be read as" in caught.value.message


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "1e5", "1e309", "NaN", "inf", "120,", ",5", "1..2", "1,2,3",
    "1.2.3,5", "12,34,567.5", "1,200,5", "1.200.5", "5 m2", "--1", "1-", "١٢٣",
])
def test_refuses_garbage_with_a_message(text):
    with pytest.raises(NumberError) as caught:
        parse_number(text)
    assert caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", [True, None, [1], {"a": 1}, float("nan"), float("inf")])
def test_refuses_values_that_are_not_numbers(value):
    with pytest.raises(NumberError):
        parse_number(value)


def test_integer_reads_a_lone_group_as_thousands_and_refuses_fractions():
    assert parse_number("1.200", integer=True) == 1200
    assert parse_number("1.200.000", integer=True) == 1200000
    assert parse_number("3,0", integer=True) == 3
    with pytest.raises(NumberError, match="whole number"):
        parse_number("1,5", integer=True)
    with pytest.raises(NumberError, match="whole number"):
        parse_number(2.5, integer=True)


class _Slip(Schema):
    area = Number(required=True)
    price = Number(as_decimal=True)
    count = Number(integer=True)


def test_field_loads_decimal_commas_in_each_form():
    loaded = _Slip().load({"area": "120,5", "price": "1.200,25", "count": "1.200"})
    assert loaded == {"area": 120.5, "price": Decimal("1200.25"), "count": 1200}
    assert isinstance(loaded["area"], float) and isinstance(loaded["count"], int)
    assert _Slip().load({"area": 3})["area"] == 3.0


@pytest.mark.parametrize("value", ["abc", "1e309", [1], {"a": 1}, "1" + "0" * 400, "1,200"])
def test_field_refuses_with_a_message(value):
    with pytest.raises(ValidationError) as caught:
        _Slip().load({"area": value})
    assert caught.value.messages["area"]


def test_field_is_a_marshmallow_number_for_schema_tools():
    assert isinstance(_Slip().fields["area"], fields.Number)
