"""Marshmallow schemas for what the desk and the API take in and give out."""

from __future__ import annotations

import re

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    fields,
    validate,
    validates,
)
from marshmallow import (
    ValidationError as SchemaError,
)

from motcua.core.models import CHANNELS

CITIZEN_ID = re.compile(r"^\d{12}$")
_PHONE_DIGITS = re.compile(r"^0\d{9,10}$")


def normalize_phone(raw: str | None) -> str | None:
    """Vietnamese phone number as ``0xxxxxxxxx`` from ``+84...``, ``84...`` or ``0...``."""
    if raw is None:
        return None
    digits = re.sub(r"[\s.\-()]", "", raw)
    if not digits:
        return None
    if digits.startswith("+84"):
        # "+84 (0) 912..." is common on business cards: keep a single leading zero.
        digits = "0" + digits[3:].removeprefix("0")
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not _PHONE_DIGITS.match(digits):
        raise SchemaError("Phone number must be a Vietnamese number such as 0912345678.")
    return digits


class PhoneField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001
        return normalize_phone(super()._deserialize(value, attr, data, **kwargs))


class ApplicantSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=2, max=160))
    citizen_id = fields.String(required=True)
    phone = PhoneField(load_default=None, allow_none=True)
    email = fields.Email(load_default=None, allow_none=True)
    address = fields.String(required=True, validate=validate.Length(min=3, max=400))
    organization = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=255))

    @validates("name")
    def _name(self, value: str, **_kw) -> None:
        if len(value.strip()) < 2:
            raise SchemaError("Applicant name is required.")

    @validates("address")
    def _address(self, value: str, **_kw) -> None:
        if len(value.strip()) < 3:
            raise SchemaError("Address is required.")

    @validates("citizen_id")
    def _citizen_id(self, value: str, **_kw) -> None:
        if not CITIZEN_ID.match(value or ""):
            raise SchemaError("Citizen ID (CCCD) must be exactly 12 digits.")
        if not 1 <= int(value[:3]) <= 96:
            raise SchemaError("Citizen ID (CCCD) starts with a province code from 001 to 096.")


class IntakeSchema(Schema):
    """A new dossier as the desk or an API client hands it in."""

    class Meta:
        unknown = RAISE

    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    applicant = fields.Nested(ApplicantSchema, required=True)
    submitted_documents = fields.List(fields.Integer(), load_default=list)
    channel = fields.String(load_default="in_person",
                            validate=validate.OneOf([c for c in CHANNELS if c != "back_entry"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    sms_consent = fields.Boolean(load_default=False)
    specialist_data = fields.Dict(load_default=dict)
    received_at = fields.AwareDateTime(load_default=None, allow_none=True)
    back_entry_reason = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=400))


class RefusalSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    procedure_code = fields.String(required=True)
    unit_code = fields.String(required=True)
    applicant = fields.Nested(ApplicantSchema, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=5, max=2000))


def first_error(messages: dict, prefix: str = "") -> tuple[str, str]:
    """(field path, message) of the first error in a marshmallow error dict."""
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            return first_error(value, f"{path}.")
        if isinstance(value, list) and value:
            return path, str(value[0])
        return path, str(value)
    return prefix.rstrip("."), "Invalid input."
