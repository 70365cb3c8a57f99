"""Read-only views of core records for plugins (the SDK's types; no ORM leaves the core)."""

from __future__ import annotations

from motcua.core.models import Account, Attachment, Dossier, DossierEvent, FeeReceipt
from motcua_sdk.types import (
    AccountView,
    AttachmentView,
    DossierView,
    EventView,
    FeeReceiptView,
)


def dossier_view(dossier: Dossier) -> DossierView:
    """A frozen snapshot of ``dossier`` as it stands in the session."""
    procedure, unit = dossier.procedure, dossier.unit
    return DossierView(
        code=dossier.code,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        handler_plugin=procedure.handler_plugin,
        unit_code=unit.code,
        unit_name=unit.name,
        channel=dossier.channel,
        status=dossier.status,
        applicant_name=dossier.applicant_name,
        applicant_citizen_id=dossier.applicant_citizen_id,
        applicant_phone=dossier.applicant_phone,
        applicant_email=dossier.applicant_email,
        applicant_address=dossier.applicant_address,
        applicant_organization=dossier.applicant_organization,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        finished_at=dossier.finished_at,
        returned_at=dossier.returned_at,
        holder_unit_code=dossier.holder_unit.code if dossier.holder_unit else None,
        holder_username=dossier.holder_account.username if dossier.holder_account else None,
        fee=dossier.fee,
        version=dossier.version,
        specialist_data=dossier.specialist_data or {},
        result=dossier.result,
    )


def account_view(account: Account) -> AccountView:
    """The account with its roles as ``(role, unit code)`` pairs."""
    return AccountView(
        username=account.username,
        full_name=account.full_name,
        unit_code=account.unit.code,
        roles=tuple(sorted((role.role, role.unit.code) for role in account.roles)),
    )


def event_view(event: DossierEvent, actor: Account | None) -> EventView:
    """The event as signals carry it (``actor`` as a username)."""
    return EventView(
        kind=event.kind,
        sequence=event.sequence,
        at=event.at,
        actor=actor.username if actor else None,
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
        data=event.data or {},
    )


def attachment_view(attachment: Attachment) -> AttachmentView:
    """The file's metadata (never its bytes)."""
    return AttachmentView(
        id=attachment.id,
        name=attachment.filename,
        mime=attachment.content_type,
        size=attachment.size,
        uploaded_at=attachment.uploaded_at,
        uploaded_by=attachment.uploaded_by.full_name if attachment.uploaded_by else None,
        document=attachment.document.name if attachment.document else None,
        plugin=attachment.plugin,
        kind=attachment.kind,
        sha256=attachment.sha256,
    )


def fee_receipt_view(receipt: FeeReceipt, dossier_code: str) -> FeeReceiptView:
    """A recorded fee payment."""
    return FeeReceiptView(
        id=receipt.id, dossier_code=dossier_code, amount=receipt.amount,
        payer=receipt.payer, series=receipt.series, number=receipt.number,
        paid_at=receipt.paid_at, officer=receipt.officer_name, plugin=receipt.plugin,
        note=receipt.note)
