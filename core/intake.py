"""The reception desk's work: take in a dossier, refuse it, or hand out a guidance slip.

Each function validates everything first and raises :class:`ValidationError` before it
writes anything; on success the dossier, its checklist, attachments, event and outbox row
are added to the caller's session for one commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from motcua.core.accounts import has_role
from motcua.core.attachments import IncomingFile, check_file, store_in_transaction
from motcua.core.calendar import WorkingCalendar
from motcua.core.codes import allocate_code
from motcua.core.config import Settings
from motcua.core.db import begin_write
from motcua.core.errors import Forbidden, InvalidFields, NotFound, ValidationError
from motcua.core.events import record_event
from motcua.core.messages import _
from motcua.core.models import (
    Account,
    Attachment,
    CalendarOverride,
    DeskGuidance,
    Dossier,
    DossierDocument,
    Procedure,
    Unit,
    column_length,
)
from motcua.core.schemas import (
    IntakeSchema,
    RefusalSchema,
    all_errors,
    first_error,
    normalize_phone,
)
from motcua.core.specialist_search import index_dossier
from motcua.core.text import UnfitText, clean_line
from motcua.core.timeutil import local_date, now

BACK_ENTRY_MAX_AGE = timedelta(days=90)


@dataclass
class DeskContext:
    """Who is acting, where the files go and which limits apply."""

    session: Session
    actor: Account
    settings: Settings
    files: list[IncomingFile] = field(default_factory=list)


def load_calendar(session: Session) -> WorkingCalendar:
    """The working-day calendar with the province's overrides from the database."""
    return WorkingCalendar.from_overrides(session.scalars(select(CalendarOverride)))


def _load(schema, data: dict) -> dict:  # noqa: ANN001
    try:
        return schema.load(data)
    except SchemaError as error:
        path, message = first_error(error.messages)
        raise ValidationError(f"{path}: {message}", field=path) from None


def _load_intake(data: dict) -> dict:
    """``data`` loaded through the intake schema and its specialist data through the
    handling plugin's schema (always, empty or not: a schema with required fields is
    required). Raises :class:`InvalidFields` with every error of both at once."""
    # The plugin's screens, certificate and sync payload rely on the data's shape.
    from motcua.core.plugin_manager.dossiers import validate_specialist_data

    errors: list[tuple[str, str]] = []
    values = None
    try:
        values = IntakeSchema().load(data)
    except SchemaError as error:
        errors.extend(all_errors(error.messages))
    raw = values["specialist_data"] if values else (data or {}).get("specialist_data")
    code = data.get("procedure_code") if isinstance(data, dict) else None
    if isinstance(code, str) and isinstance(raw, dict | None):
        try:
            loaded = validate_specialist_data(code.strip(), raw or {})
            if values is not None:
                values["specialist_data"] = loaded
        except InvalidFields as error:
            errors.extend(error.errors)
    if errors:
        raise InvalidFields(errors)
    return values


def _procedure_and_unit(session: Session, procedure_code: str, unit_code: str):  # noqa: ANN202
    procedure = session.scalar(
        select(Procedure)
        .where(Procedure.code == procedure_code.strip(), Procedure.active.is_(True))
        .options(selectinload(Procedure.documents), selectinload(Procedure.receiving_units))
    )
    if procedure is None:
        raise NotFound(_("Unknown procedure %(code)s.", code=procedure_code),
                       field="procedure_code")
    unit = session.scalar(select(Unit).where(Unit.code == unit_code.strip().upper()))
    if unit is None or not unit.active:
        raise NotFound(_("Unknown receiving unit %(code)s.", code=unit_code), field="unit_code")
    # The catalogue names the receiving units; a procedure without such a list is
    # received by any unit that has a reception desk.
    receives = (unit in procedure.receiving_units if procedure.receiving_units
                else unit.receives_dossiers)
    if not receives:
        raise ValidationError(
            _("%(unit)s does not receive dossiers for procedure %(code)s.", unit=unit.name,
              code=procedure.code),
            field="procedure_code",
        )
    return procedure, unit


def _require_reception(actor: Account, unit: Unit) -> None:
    if not has_role(actor, "reception", unit):
        raise Forbidden(_("You are not a reception officer of %(unit)s.", unit=unit.name))


def missing_documents(procedure: Procedure, submitted_ids: set[int]) -> list[str]:
    """Names of the procedure's required documents not among ``submitted_ids``."""
    return [d.name for d in procedure.documents if d.required and d.id not in submitted_ids]


def _document_forms(entries: list[dict], known: set[int]) -> dict[int, dict]:
    """The officer's form and quantity per document id (the rest keep the procedure's)."""
    forms: dict[int, dict] = {}
    for index, entry in enumerate(entries):
        if entry["document_id"] not in known or entry["document_id"] in forms:
            raise ValidationError(_("Give the form of each of this procedure's documents at "
                                    "most once."),
                                  field=f"document_forms.{index}.document_id")
        forms[entry["document_id"]] = entry
    return forms


def take_in(ctx: DeskContext, data: dict) -> Dossier:
    """Receive a complete dossier (or back-enter one taken on paper, 004 Art. 7.3)."""
    values = _load_intake(data)
    session = ctx.session
    procedure, unit = _procedure_and_unit(session, values["procedure_code"], values["unit_code"])
    _require_reception(ctx.actor, unit)
    submitted = set(values["submitted_documents"])
    known = {d.id for d in procedure.documents}
    if submitted - known:
        raise ValidationError(_("The checklist names documents this procedure does not have."),
                              field="submitted_documents")
    missing = missing_documents(procedure, submitted)
    if missing:
        raise ValidationError(
            _("The dossier is incomplete, missing: %(documents)s. Give the applicant a "
              "guidance slip instead.", documents="; ".join(missing)),
            field="submitted_documents",
        )
    forms = _document_forms(values["document_forms"], known)
    moment = now()
    received_at, back_entered = moment, False
    if values["received_at"] is not None:
        received_at, back_entered = values["received_at"], True
        if received_at > moment:
            raise ValidationError(_("The original receipt time cannot be in the future."),
                                  field="received_at")
        if moment - received_at > BACK_ENTRY_MAX_AGE:
            raise ValidationError(_("Back-entry is allowed for dossiers received in the "
                                    "last %(days)s days.", days=BACK_ENTRY_MAX_AGE.days),
                                  field="received_at")
        if not (values["back_entry_reason"] or "").strip():
            raise ValidationError(_("Say why the dossier is entered late (e.g. system "
                                    "outage)."),
                                  field="back_entry_reason")
    for incoming in ctx.files:
        check_file(incoming, max_bytes=ctx.settings.attachment_max_bytes,
                   allowed_types=ctx.settings.attachment_types)
        if incoming.document_id is not None and incoming.document_id not in known:
            raise ValidationError(_("File %(name)s is attached to an unknown document.",
                                    name=incoming.filename), field="attachments")

    from motcua.core.workflow.actions import plan_workflow, start_workflow

    # Resolved before anything is written: a workflow naming a missing unit refuses here.
    plan = plan_workflow(session, procedure, unit)
    begin_write(session)
    applicant = values["applicant"]
    dossier = Dossier(
        code=allocate_code(session, unit, local_date(received_at)),
        procedure=procedure,
        unit=unit,
        channel="back_entry" if back_entered else values["channel"],
        status="received",
        applicant_name=applicant["name"].strip(),
        applicant_citizen_id=applicant["citizen_id"],
        applicant_phone=applicant["phone"],
        applicant_email=applicant["email"],
        applicant_address=applicant["address"].strip(),
        applicant_organization=applicant["organization"],
        sms_consent=values["sms_consent"],
        received_at=received_at,
        due_at=load_calendar(session).due_at(received_at, procedure.processing_days),
        entered_at=moment,
        back_entered=back_entered,
        back_entry_reason=values["back_entry_reason"] if back_entered else None,
        holder_unit=unit,
        holder_account=ctx.actor,
        received_by=ctx.actor,
        note=values["note"],
        specialist_data=values["specialist_data"],
        fee=procedure.fee,
    )
    session.add(dossier)
    by_document = {}
    for position, document in enumerate(procedure.documents):
        handed_in = forms.get(document.id, {})
        line = DossierDocument(
            procedure_document_id=document.id, position=position, name=document.name,
            copy_kind=handed_in.get("copy_kind", document.copy_kind),
            quantity=handed_in.get("quantity", document.quantity),
            submitted=document.id in submitted,
        )
        dossier.documents.append(line)
        by_document[document.id] = line
    session.flush()
    index_dossier(session, dossier)
    for incoming in ctx.files:
        digest = store_in_transaction(session, ctx.settings.attachments_path, incoming.data)
        line = by_document.get(incoming.document_id)
        dossier.attachments.append(Attachment(
            filename=incoming.filename[:255], content_type=incoming.bare_type,
            size=len(incoming.data), sha256=digest, uploaded_by_id=ctx.actor.id,
            dossier_document_id=line.id if line else None,
        ))
    # Into the first workflow step's queue before the event, which records where it went.
    start_workflow(session, dossier, plan, ctx.actor)
    if back_entered:
        record_event(session, dossier, "back_entered", actor=ctx.actor, at=received_at,
                     note=dossier.back_entry_reason,
                     data={"entered_at": moment.isoformat()})
    else:
        record_event(session, dossier, "received", actor=ctx.actor, at=received_at)
    return dossier


def refuse_at_desk(ctx: DeskContext, data: dict) -> Dossier:
    """Refuse to receive a dossier that cannot be accepted; the refusal slip has a code."""
    values = _load(RefusalSchema(), data)
    session = ctx.session
    procedure, unit = _procedure_and_unit(session, values["procedure_code"], values["unit_code"])
    _require_reception(ctx.actor, unit)
    begin_write(session)
    moment = now()
    applicant = values["applicant"]
    dossier = Dossier(
        code=allocate_code(session, unit, local_date(moment)),
        procedure=procedure, unit=unit, channel="in_person", status="refused",
        applicant_name=applicant["name"].strip(),
        applicant_citizen_id=applicant["citizen_id"],
        applicant_phone=applicant["phone"], applicant_email=applicant["email"],
        applicant_address=applicant["address"].strip(),
        applicant_organization=applicant["organization"],
        received_at=moment, due_at=moment, finished_at=moment, entered_at=moment,
        holder_unit=unit, holder_account=ctx.actor, received_by=ctx.actor,
        refusal_reason=values["reason"].strip(), fee=0,
    )
    session.add(dossier)
    record_event(session, dossier, "refused_at_desk", actor=ctx.actor,
                 note=dossier.refusal_reason)
    return dossier


def give_guidance(ctx: DeskContext, *, procedure_code: str, unit_code: str,
                  applicant_name: str, applicant_phone: str | None,
                  submitted_documents: set[int], note: str | None = None) -> DeskGuidance:
    """Record a guidance slip listing what an incomplete dossier still lacks."""
    session = ctx.session
    procedure, unit = _procedure_and_unit(session, procedure_code, unit_code)
    _require_reception(ctx.actor, unit)
    try:
        applicant_name = clean_line(applicant_name or "",
                                    max_length=column_length(DeskGuidance.applicant_name))
    except UnfitText as error:
        raise ValidationError(f"applicant.name: {error}", field="applicant.name") from None
    if len(applicant_name) < 2:
        raise ValidationError("applicant.name: " + _("Applicant name is required."),
                              field="applicant.name")
    try:
        applicant_phone = normalize_phone(applicant_phone)
    except SchemaError as error:
        raise ValidationError(f"applicant.phone: {error.messages[0]}",
                              field="applicant.phone") from None
    submitted_documents = set(submitted_documents)
    if submitted_documents - {d.id for d in procedure.documents}:
        raise ValidationError(_("The checklist names documents this procedure does not have."),
                              field="submitted_documents")
    missing = missing_documents(procedure, submitted_documents)
    if not missing:
        raise ValidationError(_("Every required document is there: receive the dossier "
                                "instead."),
                              field="submitted_documents")
    begin_write(session)
    guidance = DeskGuidance(
        unit=unit, procedure=procedure, applicant_name=applicant_name,
        applicant_phone=applicant_phone, missing=missing, note=note, given_by_id=ctx.actor.id,
    )
    session.add(guidance)
    session.flush()
    return guidance


def find_dossier(session: Session, code: str) -> Dossier:
    """The dossier with ``code``; raises :class:`NotFound`."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise NotFound(_("No dossier with code %(code)s.", code=code))
    return dossier
