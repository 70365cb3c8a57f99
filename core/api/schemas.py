"""Marshmallow schemas of what the API returns (and of the parts of requests it adds to
the core's :class:`~motcua.core.schemas.IntakeSchema`)."""

from __future__ import annotations

from datetime import datetime

from marshmallow import RAISE, Schema, fields
from sqlalchemy.orm import object_session

from motcua.core.fees import receipts_of
from motcua.core.models import Attachment
from motcua.core.plugin_manager.dossiers import public_fields
from motcua.core.schemas import IntakeSchema, limited
from motcua.core.timeutil import local
from motcua.core.workflow.lateness import dossier_is_late


class LocalDateTime(fields.DateTime):
    """An ISO 8601 time with the Vietnam offset (+07:00), as offices read it."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):  # noqa: ANN001, ANN202
        return None if value is None else local(value).isoformat()


class WholeObject(fields.Nested):
    """A nested object read from the parent itself (the applicant columns of a dossier)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):  # noqa: ANN001, ANN201
        return self._serialize(obj, attr, obj, **kwargs)


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={
        "description": "Dotted path of the offending input (specialist_data.owner.name)."})
    pointer = fields.String(required=True, metadata={
        "description": "The same path as a JSON pointer into the request body."})
    message = fields.String(required=True, metadata={"description": "What is wrong."})


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "What went wrong."})
    field = fields.String(metadata={"description": "Path of the offending input, if any."})
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={
        "description": "Every offending input when several break their rules at once "
                       "(a 422 of a new dossier lists each field, not only the first)."})


class AttachmentInSchema(Schema):
    """A file sent inside the JSON body, base64-encoded."""

    class Meta:
        unknown = RAISE

    filename = fields.String(required=True, validate=limited(Attachment.filename, min=1))
    content_type = fields.String(required=True, validate=limited(Attachment.content_type))
    data_base64 = fields.String(required=True, metadata={"format": "byte"})
    document_id = fields.Integer(load_default=None, allow_none=True)


class DossierCreateSchema(IntakeSchema):
    """The create request: the intake fields plus attachments (documentation only; the
    attachments are validated by :class:`AttachmentInSchema`)."""

    attachments = fields.List(fields.Nested(AttachmentInSchema), load_default=list)


class DocumentSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    name = fields.String()
    copy_kind = fields.String()
    quantity = fields.Integer()
    required = fields.Boolean()


class CodeNameSchema(Schema):
    code = fields.String()
    name = fields.String()


class ProcedureSummarySchema(Schema):
    code = fields.String()
    name = fields.String()
    field = fields.String()
    level = fields.String()
    processing_days = fields.Integer()
    fee = fields.Integer()


class ProcedureSchema(ProcedureSummarySchema):
    fee_note = fields.String(allow_none=True)
    result_type = fields.String()
    description = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(DocumentSchema))
    receiving_units = fields.Function(lambda p: [u.code for u in p.receiving_units],
                                      metadata={"type": "array", "items": {"type": "string"}})


class ApplicantOutSchema(Schema):
    name = fields.String(attribute="applicant_name")
    citizen_id = fields.String(attribute="applicant_citizen_id", allow_none=True)
    phone = fields.String(attribute="applicant_phone", allow_none=True)
    email = fields.String(attribute="applicant_email", allow_none=True)
    address = fields.String(attribute="applicant_address", allow_none=True)
    organization = fields.String(attribute="applicant_organization", allow_none=True)


class ChecklistLineSchema(Schema):
    document_id = fields.Integer(attribute="procedure_document_id", allow_none=True)
    name = fields.String()
    copy_kind = fields.String()
    quantity = fields.Integer()
    submitted = fields.Boolean()


class AttachmentOutSchema(Schema):
    """A stored file's record; never its bytes (the desk page downloads them)."""

    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = LocalDateTime()
    document = fields.Function(
        lambda a: a.document.name if a.document else None,
        metadata={"type": "string", "nullable": True,
                  "description": "The checklist line the file belongs to, if any."})
    plugin = fields.String(allow_none=True, metadata={
        "description": "The module that attached the file; null for the applicant's scans."})
    kind = fields.String(allow_none=True, metadata={
        "description": "What the module says the file is (drawing, result ...)."})


class FeeReceiptSchema(Schema):
    """A fee paid for the dossier, with the receipt handed to the payer."""

    series = fields.String(metadata={"description": "Receipt series (ký hiệu)."})
    number = fields.String(metadata={"description": "Receipt number, unique in its series."})
    amount = fields.Integer(metadata={"description": "Amount in đồng."})
    payer = fields.String()
    paid_at = LocalDateTime()


class DossierSchema(Schema):
    code = fields.String()
    procedure = fields.Nested(CodeNameSchema)
    unit = fields.Nested(CodeNameSchema)
    channel = fields.String()
    status = fields.String()
    applicant = WholeObject(ApplicantOutSchema)
    received_at = LocalDateTime()
    due_at = LocalDateTime()
    finished_at = LocalDateTime(allow_none=True)
    late = fields.Function(lambda d: dossier_is_late(d), metadata={"type": "boolean"})
    back_entered = fields.Boolean()
    holder_unit = fields.Function(lambda d: d.holder_unit.code if d.holder_unit else None,
                                  metadata={"type": "string", "nullable": True})
    fee = fields.Integer()
    documents = fields.List(fields.Nested(ChecklistLineSchema))
    attachments = fields.List(fields.Nested(AttachmentOutSchema))
    version = fields.Integer()
    specialist_data = fields.Function(
        lambda d: d.specialist_data or {},
        metadata={"type": "object", "additionalProperties": True, "description":
                  "The procedure's specialist data as its module's schema keeps it (the "
                  "caller is an officer whose scope covers the dossier)."})
    public_fields = fields.Function(
        lambda d: public_fields(d),
        metadata={"type": "object", "additionalProperties": {"type": "string"},
                  "description": "What the public lookup shows of the specialist data "
                                 "({label: value}): the fields the schema marks public."})


class DossierReceipts(fields.List):
    """The dossier's fee receipts, read from the database (they are no attribute of it)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):  # noqa: ANN001, ANN201
        return self._serialize(receipts_of(object_session(obj), obj), attr, obj, **kwargs)


class DossierDetailSchema(DossierSchema):
    """One dossier as GET /dossiers/<code> returns it: the list's fields and the fee
    receipts (read only here, so a page of dossiers costs no query per dossier)."""

    fee_receipts = DossierReceipts(fields.Nested(FeeReceiptSchema), metadata={
        "description": "Fees paid, in the order they were paid."})


class EventSchema(Schema):
    sequence = fields.Integer()
    kind = fields.String()
    at = LocalDateTime()
    actor_name = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of ``item`` with the paging numbers."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item)),
        "page": fields.Integer(), "per_page": fields.Integer(), "total": fields.Integer(),
    }, name=name)


ProcedurePageSchema = page_schema(ProcedureSummarySchema, "ProcedurePage")
DossierPageSchema = page_schema(DossierSchema, "DossierPage")


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))
