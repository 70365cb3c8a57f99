"""What travels to and from the tax office: the cadastral information slip the land
office fills in, and the tax office's answers."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

TAX_CODE = r"^(\d{10}|\d{10}-\d{3}|\d{12})$"  # MST 10 or 13 digits, or a personal ID number


class PartySchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=2, max=160))
    citizen_id = fields.String(required=True, validate=validate.Regexp(
        r"^\d{12}$", error="A citizen ID has 12 digits."))


class LandSlipSchema(Schema):
    """Phiếu chuyển thông tin địa chính để xác định nghĩa vụ tài chính (the essentials)."""

    parcel_number = fields.String(required=True, validate=validate.Length(min=1, max=20))
    map_sheet = fields.String(required=True, validate=validate.Length(min=1, max=20))
    address = fields.String(required=True, validate=validate.Length(min=5, max=300))
    area_m2 = fields.Float(required=True, validate=validate.Range(min=0.1, max=10_000_000))
    land_use = fields.String(required=True, validate=validate.Length(min=2, max=120))
    price = fields.Integer(required=True, strict=False,
                           validate=validate.Range(min=1, max=10**13))
    transferor = fields.Nested(PartySchema, required=True)
    transferee = fields.Nested(PartySchema, required=True)


class BusinessAnswerSchema(Schema):
    """The tax office's answer about a household business: its tax code, or a query."""

    outcome = fields.String(required=True, validate=validate.OneOf(("tax_code", "query")))
    tax_code = fields.String(load_default=None, validate=validate.Regexp(
        TAX_CODE, error="A tax code has 10 or 13 digits, or is a 12-digit personal ID."))
    question = fields.String(load_default=None, validate=validate.Length(min=5, max=1000))

    @validates_schema
    def _complete(self, data: dict, **_kwargs) -> None:
        if data["outcome"] == "tax_code" and not data.get("tax_code"):
            raise ValidationError("Give the tax code.", field_name="tax_code")
        if data["outcome"] == "query" and not data.get("question"):
            raise ValidationError("Say what the tax office needs to know.",
                                  field_name="question")


class NoticeItemSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    amount = fields.Integer(required=True, strict=False,
                            validate=validate.Range(min=0, max=10**13))


class LandNoticeSchema(Schema):
    """Thông báo nộp nghĩa vụ tài chính: what the citizen must pay, by when."""

    outcome = fields.String(load_default="notice", validate=validate.Equal("notice"))
    notice_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    items = fields.List(fields.Nested(NoticeItemSchema), required=True,
                        validate=validate.Length(min=1, max=10))
    pay_by = fields.Date(required=True)
