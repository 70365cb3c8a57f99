"""Marshmallow schemas for what the desk and the API take in and give out.

Every message a person can see is ours and marked for translation: marshmallow's own
defaults ("Missing data for required field.") are replaced field by field, and the texts
are translated when a schema is made, so into the language of the request that loads it.
"""

from __future__ import annotations

import re

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    fields,
    validate,
    validates,
    validates_schema,
)
from marshmallow import (
    ValidationError as SchemaError,
)

from motcua.core.messages import N_, _
from motcua.core.models import CHANNELS

CITIZEN_ID = re.compile(r"^\d{12}$")
_PHONE_DIGITS = re.compile(r"^0\d{9,10}$")


def _messages(**extra: str) -> dict:
    """Our wording for marshmallow's default field messages (translated per request)."""
    return {"required": N_("This field is required."), "null": N_("This field is required."),
            "invalid": N_("This value is not valid."),
            "validator_failed": N_("This value is not valid."), **extra}


class _Length(validate.Length):
    """A length limit whose message is ours, translated when the check fails."""

    def __init__(self, *, min: int | None = None, max: int) -> None:  # noqa: A002
        error = (N_("Enter at most {max} characters.") if min is None
                 else N_("Enter between {min} and {max} characters."))
        super().__init__(min=min, max=max, error=error)

    def _format_error(self, value, message: str) -> str:  # noqa: ANN001
        return _(self.error).format(min=self.min, max=self.max)


class _OneOf(validate.OneOf):
    def __init__(self, choices: list[str]) -> None:
        super().__init__(choices, error=N_("Choose one of: {choices}."))

    def _format_error(self, value) -> str:  # noqa: ANN001
        return _(self.error).format(choices=self.choices_text)


class _Email(validate.Email):
    def __init__(self) -> None:
        super().__init__(error=N_("Enter a valid email address, such as name@example.vn."))

    def _format_error(self, value: str) -> str:
        return _(self.error)


class _EmailField(fields.Email):
    """An email address (``format: email`` in the OpenAPI document) with our message."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        # fields.Email puts its own validator first, built with the English text.
        self.validators[0] = _Email()


class _Schema(Schema):
    """Base of the input schemas: marshmallow's messages are replaced by ours, translated
    into the language of the request when the schema is made (one per request)."""

    error_messages = {"unknown": N_("Unknown field."), "type": N_("Invalid input type.")}

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.error_messages = _translated(self.error_messages)
        for field in self.fields.values():
            for part in (field, getattr(field, "inner", None)):
                if part is not None:
                    part.error_messages = _translated(part.error_messages)


def _translated(messages: dict) -> dict:
    return {key: _(value) if isinstance(value, str) else value
            for key, value in messages.items()}


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
        raise SchemaError(_("Phone number must be a Vietnamese number such as "
                          "0912345678."))
    return digits


class PhoneField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001
        return normalize_phone(super()._deserialize(value, attr, data, **kwargs))


class ApplicantSchema(_Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=_Length(min=2, max=160),
                         error_messages=_messages())
    citizen_id = fields.String(required=True, error_messages=_messages())
    phone = PhoneField(load_default=None, allow_none=True, error_messages=_messages())
    email = _EmailField(load_default=None, allow_none=True, error_messages=_messages())
    address = fields.String(required=True, validate=_Length(min=3, max=400),
                            error_messages=_messages())
    organization = fields.String(load_default=None, allow_none=True,
                                 validate=_Length(max=255), error_messages=_messages())

    @validates("name")
    def _name(self, value: str, **_kw) -> None:
        if len(value.strip()) < 2:
            raise SchemaError(_("Applicant name is required."))

    @validates("address")
    def _address(self, value: str, **_kw) -> None:
        if len(value.strip()) < 3:
            raise SchemaError(_("Address is required."))

    @validates("citizen_id")
    def _citizen_id(self, value: str, **_kw) -> None:
        if not CITIZEN_ID.match(value or ""):
            raise SchemaError(_("Citizen ID (CCCD) must be exactly 12 digits."))
        if not 1 <= int(value[:3]) <= 96:
            raise SchemaError(_("Citizen ID (CCCD) starts with a province code from 001 "
                                "to 096."))


class IntakeSchema(_Schema):
    """A new dossier as the desk or an API client hands it in."""

    class Meta:
        unknown = RAISE

    procedure_code = fields.String(required=True, validate=_Length(min=1, max=40),
                                   error_messages=_messages())
    unit_code = fields.String(required=True, validate=_Length(min=1, max=40),
                              error_messages=_messages())
    applicant = fields.Nested(ApplicantSchema, required=True, error_messages=_messages())
    submitted_documents = fields.List(
        fields.Integer(error_messages=_messages(
            invalid=N_("A checklist entry must be a document number."),
            too_large=N_("A checklist entry must be a document number."))),
        load_default=list, error_messages=_messages(
            invalid=N_("Give the checklist as a list of document numbers.")))
    channel = fields.String(load_default="in_person", error_messages=_messages(),
                            validate=_OneOf([c for c in CHANNELS if c != "back_entry"]))
    note = fields.String(load_default=None, allow_none=True, validate=_Length(max=2000),
                         error_messages=_messages())
    sms_consent = fields.Boolean(load_default=False, error_messages=_messages(
        invalid=N_("Give true or false.")))
    specialist_data = fields.Dict(load_default=dict, error_messages=_messages(
        invalid=N_("Give the specialist data as an object of fields.")))
    received_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                       error_messages=_messages(
        invalid=N_("Give a date and time such as 2026-03-02T08:30:00+07:00."),
        invalid_awareness=N_("Give the date and time with its time zone, such as "
                             "2026-03-02T08:30:00+07:00."),
        format=N_("Give a date and time such as 2026-03-02T08:30:00+07:00.")))
    back_entry_reason = fields.String(load_default=None, allow_none=True,
                                      validate=_Length(max=400), error_messages=_messages())

    @validates_schema
    def _consent_needs_phone(self, data: dict, **_kw) -> None:
        # SMS updates go to the applicant's phone: consent without one would promise
        # messages that can never be sent (and print "None" on the receipt).
        if data.get("sms_consent") and not (data.get("applicant") or {}).get("phone"):
            raise SchemaError(_("SMS updates need the applicant's phone number: enter it or "
                                "untick SMS updates."), field_name="sms_consent")


class RefusalSchema(_Schema):
    class Meta:
        unknown = EXCLUDE

    procedure_code = fields.String(required=True, error_messages=_messages())
    unit_code = fields.String(required=True, error_messages=_messages())
    applicant = fields.Nested(ApplicantSchema, required=True, error_messages=_messages())
    reason = fields.String(required=True, validate=_Length(min=5, max=2000),
                           error_messages=_messages())


def first_error(messages: dict, prefix: str = "") -> tuple[str, str]:
    """(field path, message) of the first error in a marshmallow error dict."""
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            return first_error(value, f"{path}.")
        if isinstance(value, list) and value:
            return path, str(value[0])
        return path, str(value)
    return prefix.rstrip("."), _("Invalid input.")
