"""Every core model, imported here so Alembic and the app see one complete metadata."""

from motcua.core.models.accounts import ROLE_NAMES, Account, ApiToken, RoleAssignment
from motcua.core.models.audit import AuditEntry, AuditHead
from motcua.core.models.base import Base, column_length, utcnow
from motcua.core.models.calendar import CalendarOverride
from motcua.core.models.dossiers import (
    CHANNELS,
    FINAL_STATUSES,
    PAUSED_STATUSES,
    STATUSES,
    Attachment,
    DeskGuidance,
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierEvent,
)
from motcua.core.models.fees import FeeReceipt
from motcua.core.models.idempotency import IdempotencyKey
from motcua.core.models.lookup import LookupFactorGuard
from motcua.core.models.migrations import MigrationChecksum
from motcua.core.models.notices import NOTICE_REASONS, Notice
from motcua.core.models.outbox import OutboxEntry
from motcua.core.models.plugins import PluginFailure
from motcua.core.models.procedures import Procedure, ProcedureDocument, procedure_units
from motcua.core.models.reports import ReportFigures, ReportSupplements
from motcua.core.models.sms import SMS_STATUSES, SmsMessage
from motcua.core.models.specialist_search import SpecialistSearchTerm
from motcua.core.models.sync import (
    HubDossier,
    HubDossierEvent,
    SyncAppliedBatch,
    SyncBatch,
    SyncHandoff,
    SyncNode,
    SyncNodeState,
    SyncNodeUnit,
    SyncOwnership,
    SyncRefusalTally,
)
from motcua.core.models.units import UNIT_KINDS, Unit
from motcua.core.models.workflow import (
    DossierWorkflow,
    StepHolding,
    SupplementPause,
    Workflow,
)

__all__ = [
    "Account", "ApiToken", "AuditEntry", "AuditHead", "Attachment", "Base", "CHANNELS",
    "CalendarOverride", "IdempotencyKey", "column_length",
    "DeskGuidance", "Dossier", "DossierCodeCounter", "DossierDocument", "DossierEvent",
    "FINAL_STATUSES", "PAUSED_STATUSES", "OutboxEntry", "Procedure", "ProcedureDocument",
    "ROLE_NAMES",
    "RoleAssignment", "STATUSES", "UNIT_KINDS", "Unit", "procedure_units", "utcnow",
    "HubDossier", "HubDossierEvent", "SyncAppliedBatch", "SyncBatch", "SyncHandoff",
    "SyncNode", "SyncNodeState", "SyncNodeUnit", "SyncOwnership", "SyncRefusalTally",
    "DossierWorkflow", "FeeReceipt", "StepHolding", "SupplementPause", "Workflow",
    "LookupFactorGuard", "NOTICE_REASONS", "Notice", "SMS_STATUSES", "SmsMessage",
    "ReportFigures", "ReportSupplements", "PluginFailure", "SpecialistSearchTerm",
    "MigrationChecksum",
]
