"""Every core model, imported here so Alembic and the app see one complete metadata."""

from motcua.core.models.accounts import ROLE_NAMES, Account, ApiToken, RoleAssignment
from motcua.core.models.base import Base, utcnow
from motcua.core.models.calendar import CalendarOverride
from motcua.core.models.dossiers import (
    CHANNELS,
    FINAL_STATUSES,
    STATUSES,
    Attachment,
    DeskGuidance,
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierEvent,
)
from motcua.core.models.outbox import OutboxEntry
from motcua.core.models.procedures import Procedure, ProcedureDocument, procedure_units
from motcua.core.models.units import UNIT_KINDS, Unit

__all__ = [
    "Account", "ApiToken", "Attachment", "Base", "CHANNELS", "CalendarOverride",
    "DeskGuidance", "Dossier", "DossierCodeCounter", "DossierDocument", "DossierEvent",
    "FINAL_STATUSES", "OutboxEntry", "Procedure", "ProcedureDocument", "ROLE_NAMES",
    "RoleAssignment", "STATUSES", "UNIT_KINDS", "Unit", "procedure_units", "utcnow",
]
