"""What travels to and from the tax office: the cadastral information slip the land
office fills in, and the tax office's answers.

Every answer is checked against the schema of its message's kind before it is applied,
whoever brings it (:func:`load_answer`): the tax officer's form, or the adapter fetching
it from an external tax system.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from motcua_sdk.numbers import Number

# MST 10 or 13 digits, or a personal ID number
TAX_CODE = r"^([0-9]{10}|[0-9]{10}-[0-9]{3}|[0-9]{12})\Z"


class PartySchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=2, max=160))
    citizen_id = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9]{12}\Z", error="A citizen ID has 12 digits."))


class LandSlipSchema(Schema):
    """Phiếu chuyển thông tin địa chính để xác định nghĩa vụ tài chính (the essentials)."""

    parcel_number = fields.String(required=True, validate=validate.Length(min=1, max=20))
    map_sheet = fields.String(required=True, validate=validate.Length(min=1, max=20))
    address = fields.String(required=True, validate=validate.Length(min=5, max=300))
    # Typed at the land office: "120,5" (decimal comma) as well as "120.5".
    area_m2 = Number(required=True, validate=validate.Range(min=0.1, max=10_000_000))
    land_use = fields.String(required=True, validate=validate.Length(min=2, max=120))
    price = Number(required=True, integer=True, validate=validate.Range(min=1, max=10**13))
    transferor = fields.Nested(PartySchema, required=True)
    transferee = fields.Nested(PartySchema, required=True)


class BusinessAnswerSchema(Schema):
    """The tax office's answer about a household business: its tax code, or a query."""

    outcome = fields.String(required=True, validate=validate.OneOf(
        ("tax_code", "query"), error="Answer with a tax code or a query."))
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
    amount = Number(required=True, integer=True, validate=validate.Range(min=0, max=10**13))


class LandNoticeSchema(Schema):
    """Thông báo nộp nghĩa vụ tài chính: what the citizen must pay, by when."""

    outcome = fields.String(load_default="notice", validate=validate.Equal("notice"))
    notice_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    items = fields.List(fields.Nested(NoticeItemSchema), required=True,
                        validate=validate.Length(min=1, max=10))
    pay_by = fields.Date(required=True)


class LandQuerySchema(Schema):
    """The tax office asks the land office back about a slip (đề nghị làm rõ)."""

    outcome = fields.String(required=True, validate=validate.Equal("query"))
    question = fields.String(required=True, validate=validate.Length(min=5, max=1000))


# What each kind of message may be answered with. A key of another kind's answer (a
# tax code on a land slip, a notice on a business message) is refused, not ignored: it
# means the answer was made for another message.
ANSWER_KEYS = {"business": {"tax_code", "question"},
               "land": {"notice_number", "items", "pay_by", "total", "question"}}
# The envelope an external tax system adds around the answer itself (see openapi.json).
ENVELOPE_KEYS = {"message_id", "kind", "tax_office", "answered_at"}


def load_answer(kind: str, answer: Any) -> dict[str, Any]:
    """The tax office's ``answer`` to a message of ``kind``, checked and reduced to the
    answer itself (JSON-ready: ``pay_by`` as ISO text). Raises ``ValidationError`` naming
    what is wrong: an outcome that does not fit the message, a malformed tax code, a
    notice whose total is not the sum of its items..."""
    if not isinstance(answer, dict):
        raise ValidationError("The answer is not an object.")
    if kind not in ANSWER_KEYS:
        raise ValidationError(f"No answer is expected to a {kind!r} message.")
    if answer.get("kind") not in (None, kind):
        raise ValidationError(f"An answer to a {answer.get('kind')!r} message cannot "
                              f"answer a {kind!r} message.", field_name="kind")
    foreign = sorted(set(answer) - ANSWER_KEYS[kind] - ENVELOPE_KEYS - {"outcome"})
    if foreign:
        raise ValidationError(f"Not part of an answer to a {kind} message: "
                              f"{', '.join(foreign)}.", field_name="outcome")
    body = {key: value for key, value in answer.items() if key not in ENVELOPE_KEYS}
    if kind == "business":
        loaded = BusinessAnswerSchema(unknown=EXCLUDE).load(body)
        if loaded["outcome"] == "tax_code":
            return {"outcome": "tax_code", "tax_code": loaded["tax_code"]}
        return {"outcome": "query", "question": loaded["question"]}
    outcome = body.get("outcome")
    if outcome == "query":
        return LandQuerySchema().load({key: value for key, value in body.items()
                                       if key in ("outcome", "question")})
    if outcome != "notice":
        raise ValidationError("A land slip is answered with a notice or a query.",
                              field_name="outcome")
    total = body.pop("total", None)
    loaded = LandNoticeSchema().load({key: value for key, value in body.items()
                                      if key != "question"})
    if "question" in body:
        raise ValidationError("A notice carries no question.", field_name="question")
    items = [{"name": item["name"], "amount": item["amount"]} for item in loaded["items"]]
    computed = sum(item["amount"] for item in items)
    if total is not None and (isinstance(total, bool) or total != computed):
        raise ValidationError(f"The total {total!r} is not the sum of the items ({computed}).",
                              field_name="total")
    return {"outcome": "notice", "notice_number": loaded["notice_number"], "items": items,
            "pay_by": loaded["pay_by"].isoformat()}
