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
from motcua.core.models import CHANNELS, Dossier, column_length
from motcua.core.models.dossiers import COPY_KINDS, DOCUMENT_QUANTITY_MAX
from motcua.core.text import UnfitText, ascii_digits, clean_line

CITIZEN_ID_LENGTH = column_length(Dossier.applicant_citizen_id)
_PHONE_DIGITS = re.compile(r"0[0-9]{9,10}")


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


class _Range(validate.Range):
    """A number limit whose message is ours, translated when the check fails."""

    def __init__(self, *, min: int, max: int) -> None:  # noqa: A002
        super().__init__(min=min, max=max, error=N_("Give a number from {min} to {max}."))

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
    if not _PHONE_DIGITS.fullmatch(digits):
        raise SchemaError(_("Phone number must be a Vietnamese number such as "
                          "0912345678."))
    return digits


class LineField(fields.String):
    """One line of text cleaned by :func:`~motcua.core.text.clean_line` (NFC, no
    invisible characters, emoji or markup); its length is checked by a validator so the
    OpenAPI document shows it."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001
        try:
            return clean_line(super()._deserialize(value, attr, data, **kwargs))
        except UnfitText as error:
            raise SchemaError(str(error)) from None


def limited(column, *, min: int | None = None) -> _Length:  # noqa: A002, ANN001
    """A length check as long as ``column`` allows."""
    return _Length(min=min, max=column_length(column))


class PhoneField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001
        return normalize_phone(super()._deserialize(value, attr, data, **kwargs))


class ApplicantSchema(_Schema):
    class Meta:
        unknown = RAISE

    name = LineField(required=True, validate=limited(Dossier.applicant_name, min=2),
                     error_messages=_messages())
    citizen_id = fields.String(required=True, error_messages=_messages())
    phone = PhoneField(load_default=None, allow_none=True, error_messages=_messages())
    email = _EmailField(load_default=None, allow_none=True,
                        validate=limited(Dossier.applicant_email), error_messages=_messages())
    address = LineField(required=True, validate=limited(Dossier.applicant_address, min=3),
                        error_messages=_messages())
    organization = LineField(load_default=None, allow_none=True,
                             validate=limited(Dossier.applicant_organization),
                             error_messages=_messages())

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
        if value and not value.isascii() and any(ch.isdigit() for ch in value):
            raise SchemaError(_("Type the digits 0 to 9 (not full-width or other "
                                "scripts' digits)."))
        if len(value) != CITIZEN_ID_LENGTH or not ascii_digits(value):
            raise SchemaError(_("Citizen ID (CCCD) must be exactly 12 digits."))
        if not 1 <= int(value[:3]) <= 96:
            raise SchemaError(_("Citizen ID (CCCD) starts with a province code from 001 "
                                "to 096."))


class DocumentFormSchema(_Schema):
    """How one checklist document was handed in: its form and how many of it."""

    class Meta:
        unknown = RAISE

    document_id = fields.Integer(required=True, error_messages=_messages())
    copy_kind = fields.String(required=True, validate=_OneOf(list(COPY_KINDS)),
                              error_messages=_messages())
    quantity = fields.Integer(required=True, validate=_Range(min=1, max=DOCUMENT_QUANTITY_MAX),
                              error_messages=_messages(invalid=N_("Give a whole number.")))


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
    # Per document, its form and quantity when they differ from the procedure's list.
    document_forms = fields.List(fields.Nested(DocumentFormSchema), load_default=list,
                                 error_messages=_messages(
        invalid=N_("Give the document forms as a list of objects.")))
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
    back_entry_reason = LineField(load_default=None, allow_none=True,
                                  validate=limited(Dossier.back_entry_reason),
                                  error_messages=_messages())

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


def all_errors(messages, prefix: str = "") -> list[tuple[str, str]]:  # noqa: ANN001
    """Every ``(field path, message)`` of a marshmallow error dict, in order; list items
    are numbered (``business_lines.0.vsic``) and a schema-wide error is put on the path
    that holds it."""
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            path = prefix.rstrip(".") if key == "_schema" else f"{prefix}{key}"
            found.extend(all_errors(value, f"{path}." if path else ""))
        return found
    path = prefix.rstrip(".")
    if isinstance(messages, list | tuple):
        if messages and all(isinstance(item, str) for item in messages):
            return [(path, str(item)) for item in messages[:1]]
        found = []
        for item in messages:
            found.extend(all_errors(item, prefix))
        return found
    return [(path, str(messages))]
