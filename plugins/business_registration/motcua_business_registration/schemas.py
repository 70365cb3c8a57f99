"""The specialist data of each procedure (checked at intake, on review and at issuance).

Decree 01/2021/NĐ-CP, Chapter VIII: a household business registers a name, a seat
(address), its lines of business, its capital, its number of workers and its owner
(the household member representing it, identified by the 12-digit citizen ID); later
procedures name the household by its registration number.
"""

from __future__ import annotations

import re

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from motcua_business_registration.numbering import NUMBER_PATTERN
from motcua_business_registration.text import fold, tidy
from motcua_business_registration.vsic import VSIC_2018
from motcua_sdk.fields import meta
from motcua_sdk.numbers import Number

CITIZEN_ID = re.compile(r"^[0-9]{12}\Z")
MAX_CAPITAL = 10**13  # VND; far above any household business, catches extra digits


def _text(max_length: int, *, required: bool = True, **kwargs) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=max_length),
                         **kwargs)


# The desk renders these fields from their metadata (title, widget, search index); the
# titles are translated through this plugin's catalogue.


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class OwnerSchema(_Strict):
    """The household business owner (chủ hộ kinh doanh) or a household member."""

    full_name = _text(160, metadata=meta("Full name", index="text"))
    citizen_id = fields.String(required=True, validate=validate.Regexp(
        CITIZEN_ID, error="A citizen ID (CCCD) has exactly 12 digits."),
        metadata=meta("Citizen ID (12 digits)", index="code"))
    birth_date = fields.Date(load_default=None, allow_none=True,
                             metadata=meta("Date of birth"))
    address = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=300), metadata=meta("Address"))

    @post_load
    def _tidy(self, data: dict, **_kwargs) -> dict:
        data["full_name"] = tidy(data["full_name"])
        return data


class BusinessLineSchema(_Strict):
    """One line of business: a VSIC 2018 level-4 code and, optionally, the goods or
    services in the household's own words."""

    # Typed, not chosen from a list of every VSIC code.
    vsic = fields.String(required=True, validate=validate.OneOf(
        sorted(VSIC_2018), error="Unknown VSIC code {input}; use a 4-digit VSIC 2018 code."),
        metadata=meta("VSIC code", widget="text"))
    detail = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200),
                           metadata=meta("Goods or services"))


def _check_lines(lines: list[dict]) -> None:
    codes = [line.get("vsic") for line in lines if isinstance(line, dict) and line.get("vsic")]
    if len(set(codes)) != len(codes):
        raise ValidationError("Each VSIC code may be listed once.")


def _check_name(name: str) -> None:
    if not re.search(r"\w", name) or not fold(name).strip():
        raise ValidationError("The business name must contain letters or digits.")


class RegistrationSchema(_Strict):
    """1.001612 Đăng ký thành lập hộ kinh doanh."""

    business_name = _text(200, metadata=meta("Business name", index="text"))
    address = _text(300, metadata=meta("Business address"))
    business_lines = fields.List(fields.Nested(BusinessLineSchema), required=True,
                                 validate=validate.Length(min=1, max=30),
                                 metadata=meta("Lines of business"))
    # Typed as people write them: "1.500.000.000" (motcua_sdk.numbers).
    capital = Number(required=True, integer=True, validate=validate.Range(
        min=1, max=MAX_CAPITAL, error="Capital is a whole number of VND above 0."),
        metadata=meta("Capital (VND)"))
    workers = Number(required=True, integer=True, validate=validate.Range(
        min=0, max=100_000, error="The number of workers is 0 or more."),
        metadata=meta("Number of workers"))
    owner = fields.Nested(OwnerSchema, required=True, metadata=meta("Owner"))
    members = fields.List(fields.Nested(OwnerSchema), load_default=list,
                          metadata=meta("Other household members"))

    @validates("business_lines")
    def _lines(self, value: list[dict], **_kwargs) -> None:
        _check_lines(value)

    @validates("business_name")
    def _name(self, value: str, **_kwargs) -> None:
        _check_name(value)

    @post_load
    def _tidy(self, data: dict, **_kwargs) -> dict:
        data["business_name"] = tidy(data["business_name"])
        data["address"] = tidy(data["address"])
        return data


class _ByNumber(_Strict):
    registration_number = fields.String(required=True, validate=validate.Regexp(
        NUMBER_PATTERN, error="A household business registration number looks like "
                              "99A8000123."),
        metadata=meta("Registration number", index="code"))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=500),
                           metadata=meta("Reason", widget="textarea"))

    @pre_load
    def _upper(self, data: dict, **_kwargs) -> dict:
        number = data.get("registration_number") if isinstance(data, dict) else None
        if isinstance(number, str):
            data = {**data, "registration_number": number.strip().upper()}
        return data


CHANGEABLE = ("business_name", "address", "business_lines", "capital", "workers", "owner")


class ChangeSchema(_ByNumber):
    """2.000720 Đăng ký thay đổi nội dung đăng ký hộ kinh doanh: the new values only."""

    business_name = _text(200, required=False, load_default=None, allow_none=True,
                          metadata=meta("New business name", index="text"))
    address = _text(300, required=False, load_default=None, allow_none=True,
                    metadata=meta("New business address"))
    business_lines = fields.List(fields.Nested(BusinessLineSchema), load_default=None,
                                 allow_none=True, validate=validate.Length(min=1, max=30),
                                 metadata=meta("New lines of business"))
    capital = Number(load_default=None, allow_none=True, integer=True,
                     validate=validate.Range(min=1, max=MAX_CAPITAL),
                     metadata=meta("New capital (VND)"))
    workers = Number(load_default=None, allow_none=True, integer=True,
                     validate=validate.Range(min=0, max=100_000),
                     metadata=meta("New number of workers"))
    owner = fields.Nested(OwnerSchema, load_default=None, allow_none=True,
                          metadata=meta("New owner"))

    @validates("business_lines")
    def _lines(self, value: list[dict] | None, **_kwargs) -> None:
        if value:
            _check_lines(value)

    @validates("business_name")
    def _name(self, value: str | None, **_kwargs) -> None:
        if value is not None:
            _check_name(value)

    @validates_schema
    def _something_changes(self, data: dict, **_kwargs) -> None:
        if all(data.get(name) is None for name in CHANGEABLE):
            raise ValidationError("Give at least one new value (name, address, lines of "
                                  "business, capital, workers or owner).",
                                  field_name="business_name")


class SuspensionSchema(_ByNumber):
    """1.001570 Tạm ngừng kinh doanh / tiếp tục kinh doanh trước thời hạn đã thông báo."""

    action = fields.String(required=True, validate=validate.OneOf(("suspend", "resume")),
                           metadata=meta("Notice", options=[
                               ("suspend", "Suspend business"),
                               ("resume", "Resume business early")]))
    start_date = fields.Date(required=True, metadata=meta("From"))
    end_date = fields.Date(load_default=None, allow_none=True,
                           metadata=meta("Until", description="Needed for a suspension."))

    @validates_schema
    def _dates(self, data: dict, **_kwargs) -> None:
        if data.get("action") != "suspend":
            return
        end = data.get("end_date")
        if end is None:
            raise ValidationError("Give the date the suspension ends.", field_name="end_date")
        if data.get("start_date") and end <= data["start_date"]:
            raise ValidationError("The suspension must end after it starts.",
                                  field_name="end_date")
        if data.get("start_date") and (end - data["start_date"]).days > 366:
            raise ValidationError("A suspension lasts at most one year; notify again to "
                                  "extend it.", field_name="end_date")


class TerminationSchema(_ByNumber):
    """1.001266 Chấm dứt hoạt động hộ kinh doanh."""

    termination_date = fields.Date(required=True, metadata=meta("Termination date"))


def load(schema_class: type[Schema], data: dict) -> dict:
    """``data`` loaded through ``schema_class`` (marshmallow ``ValidationError`` if bad)."""
    return schema_class().load(data or {})


def allowing_pending(schema_class: type[Schema]) -> type[Schema]:
    """``schema_class`` that also accepts empty data: what the catalogue declares, because
    the desk may take a dossier in before anyone typed its specialist data (the desk
    renders the fields, and a form left blank waits for the specialist). Whatever is
    given is checked in full; the specialist's form and the issuance load through the
    strict ``schema_class`` itself, so nothing incomplete is saved from the review screen
    or issued."""

    def load(self, data, *args, **kwargs):  # noqa: ANN001, ANN202
        if isinstance(data, dict) and not data:
            return {}
        return schema_class.load(self, data, *args, **kwargs)

    return type(f"Pending{schema_class.__name__}", (schema_class,), {
        "load": load, "__doc__": f"{schema_class.__doc__} Empty data waits for the "
                                 "specialist."})
