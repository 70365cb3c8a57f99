"""Rules that need no application: numbering, name folding, schemas, form parsing."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from motcua_business_registration import procedures
from motcua_business_registration.forms import data_to_form, form_to_data, parse_lines
from motcua_business_registration.numbering import (
    NUMBER_PATTERN,
    area_code,
    district_letter,
    format_number,
)
from motcua_business_registration.schemas import (
    ChangeSchema,
    RegistrationSchema,
    SuspensionSchema,
    TerminationSchema,
)
from motcua_business_registration.text import fold


def test_numbers_follow_the_province_district_type_sequence_pattern():
    assert area_code("H99.01.01") == "H99.01"
    assert area_code("H72.12") == "H72.12"
    assert format_number("H99.01", 1) == "99A80000001"[:4] + "000001"
    assert format_number("H01.03", 123) == "01C8000123"
    assert format_number("H72.26", 999_999) == "72Z8999999"
    assert format_number("H72.27", 5) == "72AA8000005"
    assert [district_letter(n) for n in (1, 2, 26, 27, 52, 53)] == [
        "A", "B", "Z", "AA", "AZ", "BA"]
    for number in ("01C8000123", "72AA8000005"):
        assert NUMBER_PATTERN.match(number)
    for bad in ("01C9000123", "1C8000123", "01c8000123", "01C800012"):
        assert not NUMBER_PATTERN.match(bad)


@pytest.mark.parametrize("sequence", [0, -1, 1_000_000])
def test_a_sequence_outside_the_register_is_refused(sequence):
    with pytest.raises(ValueError):
        format_number("H99.01", sequence)


def test_a_commune_code_is_not_a_district_register():
    with pytest.raises(ValueError, match="district"):
        format_number(area_code("X99.00001"), 1)


def test_names_compare_without_diacritics_case_or_spaces():
    assert fold("Tạp hóa  Bình An") == fold("TAP HOA BINH AN") == "tap hoa binh an"
    assert fold("Đại Đồng") == "dai dong"
    assert fold("Tạp hóa Bình An") != fold("Tạp hóa Bình Anh")


def test_a_complete_registration_loads(registration_data):
    loaded = RegistrationSchema().load(registration_data)
    assert loaded["capital"] == 150_000_000
    assert [line["vsic"] for line in loaded["business_lines"]] == ["4711", "4723"]


@pytest.mark.parametrize(("change", "field"), [
    ({"owner": {"full_name": "A", "citizen_id": "12345678901"}}, "owner"),
    ({"owner": {"full_name": "A", "citizen_id": "0010850123AB"}}, "owner"),
    ({"business_lines": [{"vsic": "9999"}]}, "business_lines"),
    ({"business_lines": []}, "business_lines"),
    ({"business_lines": [{"vsic": "4711"}, {"vsic": "4711"}]}, "business_lines"),
    ({"capital": 0}, "capital"),
    ({"capital": "a lot"}, "capital"),
    ({"workers": -1}, "workers"),
    ({"business_name": "   "}, "business_name"),
    ({"business_name": "x" * 201}, "business_name"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_registration_data_names_the_field(registration_data, change, field):
    registration_data.update(change)
    with pytest.raises(ValidationError) as caught:
        RegistrationSchema().load(registration_data)
    assert field in caught.value.messages


def test_missing_registration_fields_are_reported():
    with pytest.raises(ValidationError) as caught:
        RegistrationSchema().load({})
    assert {"business_name", "address", "business_lines", "capital", "workers",
            "owner"} <= set(caught.value.messages)


def test_a_change_needs_a_number_and_something_new():
    with pytest.raises(ValidationError) as caught:
        ChangeSchema().load({"registration_number": "99A8000001"})
    assert "business_name" in caught.value.messages
    with pytest.raises(ValidationError):
        ChangeSchema().load({"registration_number": "99-8000001", "capital": 5})
    loaded = ChangeSchema().load({"registration_number": "99a8000001", "capital": 5})
    assert loaded["registration_number"] == "99A8000001"


def test_a_suspension_has_an_end_after_its_start_within_a_year():
    base = {"registration_number": "99A8000001", "action": "suspend",
            "start_date": "2026-12-01"}
    for end, ok in (("2027-06-01", True), ("2026-12-01", False), (None, False),
                    ("2028-01-01", False)):
        data = dict(base, end_date=end) if end else base
        if ok:
            assert SuspensionSchema().load(data)["end_date"].isoformat() == end
        else:
            with pytest.raises(ValidationError):
                SuspensionSchema().load(data)
    resumed = SuspensionSchema().load({**base, "action": "resume"})
    assert resumed["action"] == "resume"


def test_a_termination_has_a_date():
    with pytest.raises(ValidationError):
        TerminationSchema().load({"registration_number": "99A8000001"})


def test_form_fields_round_trip(registration_data):
    form = data_to_form(registration_data)
    assert form["business_lines"] == "4711: Tạp hóa, đồ uống đóng chai\n4723"
    data = form_to_data(procedures.REGISTRATION, form)
    assert RegistrationSchema().load(data)["owner"]["citizen_id"] == "001085012345"
    assert parse_lines("\n 4711 - gạo\nabc\n") == [{"vsic": "4711", "detail": "gạo"},
                                                   {"vsic": "abc"}]


def test_every_procedure_has_a_schema_and_a_three_day_workflow():
    assert set(procedures.CODES) == {"1.001612", "2.000720", "1.001570", "1.001266"}
    for spec in procedures.SPECS:
        assert spec.schema is not None and spec.level == "district"
        assert sum(step["days"] for step in spec.workflow) <= spec.processing_days
        assert [step["role"] for step in spec.workflow] == ["specialist", "leader"]


def test_capital_and_workers_read_as_people_type_them(registration_data):
    # From the plugin's form (text): thousands dots, as Vietnamese write amounts.
    form = {**data_to_form(registration_data), "capital": "1.500.000.000", "workers": "12"}
    loaded = RegistrationSchema().load(form_to_data(procedures.REGISTRATION, form))
    assert (loaded["capital"], loaded["workers"]) == (1_500_000_000, 12)
    with pytest.raises(ValidationError) as caught:
        RegistrationSchema().load({**registration_data, "capital": "1,5 tỷ"})
    assert "capital" in caught.value.messages
    with pytest.raises(ValidationError, match="whole number"):
        ChangeSchema().load({"registration_number": "99A8000001", "capital": "150000,5"})
