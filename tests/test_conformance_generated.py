"""The conformance suite's generated sample dossiers (motcua.conformance.generated) and
its escaping watcher's reading of a page (motcua.conformance.escaping)."""

from __future__ import annotations

from markupsafe import escape
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from motcua.conformance.escaping import unescaped_canaries
from motcua.conformance.generated import APPLICANT_CANARY_NAME, CANARY_MARK, samples_for
from motcua_sdk.types import SampleDossier


class Owner(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=40))
    note = fields.String(load_default=None, allow_none=True)


class Request(Schema):
    class Meta:
        unknown = RAISE

    subject = fields.String(required=True, validate=validate.Length(min=1, max=60))
    tax_code = fields.String(required=True, validate=validate.Regexp(r"\d{10}"))
    kind = fields.String(required=True, validate=validate.OneOf(("a", "b", "c")))
    area = fields.Float(load_default=None, allow_none=True,
                        validate=validate.Range(min=0, min_inclusive=False, max=500))
    owner = fields.Nested(Owner, required=True)
    start = fields.Date(required=True)
    end = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _order(self, data: dict, **_kwargs) -> None:
        if data.get("end") and data["end"] < data["start"]:
            raise ValidationError("end before start")


BASE = SampleDossier(procedure_code="1.990001", applicant_name="Nguyễn Văn An",
                     specialist_data={"subject": "Mẫu", "tax_code": "0101234567", "kind": "b",
                                      "area": 12.5, "owner": {"name": "An", "note": "x"},
                                      "start": "2026-01-05", "end": "2026-02-01"})


def _by_label() -> dict:
    return {sample.label: sample for sample in samples_for(Request, BASE)}


def test_every_generated_sample_loads_and_the_generation_is_deterministic():
    first, second = samples_for(Request, BASE), samples_for(Request, BASE)
    assert first == second
    assert [s.label for s in first] == ["optional fields empty", "lower bounds",
                                        "upper bounds", "html canary"]
    for sample in first:
        Request().load(sample.specialist_data)


def test_optional_fields_are_left_out_nested_ones_too():
    data = _by_label()["optional fields empty"].specialist_data
    assert "area" not in data and "end" not in data and "note" not in data["owner"]
    assert data["subject"] == "Mẫu" and data["tax_code"] == "0101234567"


def test_bounds_honour_lengths_ranges_choices_and_cross_field_rules():
    lower, upper = _by_label()["lower bounds"].specialist_data, \
        _by_label()["upper bounds"].specialist_data
    assert len(lower["subject"]) == 1 and len(upper["subject"]) == 60
    assert 0 < lower["area"] < 0.01 and upper["area"] == 500
    assert (lower["kind"], upper["kind"]) == ("a", "c")
    assert len(upper["owner"]["name"]) == 40
    # The cross-field rule refuses an end before the start: one of the two dates keeps
    # the sample's value rather than break it.
    Request().load(lower)


def test_the_canary_goes_into_every_free_text_field_but_patterned_ones():
    sample = _by_label()["html canary"]
    data = sample.specialist_data
    assert all(CANARY_MARK in text for text in (data["subject"], data["owner"]["name"],
                                                 data["owner"]["note"]))
    assert data["tax_code"] == "0101234567"  # a Regexp field keeps the sample's value
    assert sample.applicant["name"] == APPLICANT_CANARY_NAME


def test_a_canary_is_found_only_where_it_was_not_escaped():
    text = _by_label()["html canary"].specialist_data["subject"]
    assert unescaped_canaries(f"<td>{escape(text)}</td><p>{escape(APPLICANT_CANARY_NAME)}</p>") \
        == []
    found = unescaped_canaries(f"<td>{text}</td><p>{APPLICANT_CANARY_NAME}</p>")
    assert found == ["specialist field subject1", "the applicant's name"]
    by_hand = text.replace("<", "&lt;").replace(">", "&gt;")
    assert unescaped_canaries(f'<input value="{by_hand}">') == ["a specialist field's quotes"]
