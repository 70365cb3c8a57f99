"""Routing: versioned workflows per procedure and each dossier's place in its workflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.core.models.accounts import Account
from motcua.core.models.base import Base, JSONType, UTCDateTime, utcnow
from motcua.core.models.dossiers import Dossier
from motcua.core.models.procedures import Procedure
from motcua.core.models.units import Unit

STEP_ROLES = ("specialist", "leader")
# Who holds the dossier where no workflow step does: the reception desk at intake and
# when the result is back for return.
HOLDER_ROLES = (*STEP_ROLES, "reception")


class Workflow(Base):
    """One version of a procedure's workflow; a change makes a new version.

    ``steps`` is the ordered list of step dicts of the routing contract:
    ``{"name", "role", "days", "unit"}``.
    """

    __tablename__ = "workflows"
    __table_args__ = (UniqueConstraint("procedure_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    steps: Mapped[list] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(String(400))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    procedure: Mapped[Procedure] = relationship()
    created_by: Mapped[Account | None] = relationship()


class DossierWorkflow(Base):
    """A dossier's running workflow: its own copy of the steps, the current step and clock.

    The steps are copied when the dossier is received, so editing the procedure's
    workflow never changes a running dossier.
    """

    __tablename__ = "dossier_workflows"
    __table_args__ = (
        # The few apologised dossiers, joined by the reports' live overdue count.
        Index("ix_dossier_workflows_apologised", "dossier_id", "original_due_at",
              postgresql_where=text("original_due_at IS NOT NULL"),
              sqlite_where=text("original_due_at IS NOT NULL")),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    workflow_id: Mapped[int | None] = mapped_column(ForeignKey("workflows.id"))
    workflow_version: Mapped[int | None] = mapped_column(Integer)
    steps: Mapped[list] = mapped_column(JSONType)
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    # Role expected of whoever acts now (a step's role, or "reception" at the desk).
    holder_role: Mapped[str] = mapped_column(String(20), index=True)
    # Held by another agency the step does not name (liên thông), not by the step's unit.
    transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The deadline before the first apology: the dossier stays late against it.
    original_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_working_minutes: Mapped[int] = mapped_column(Integer, default=0)
    overdue_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()
    workflow: Mapped[Workflow | None] = relationship()

    @property
    def current_step(self) -> dict | None:
        """The step the dossier is at, or None once it is back at the desk."""
        if self.holder_role == "reception" or not 0 <= self.step_index < len(self.steps):
            return None
        return self.steps[self.step_index]


class StepHolding(Base):
    """One line of the processing control slip: who held the dossier, from when to when,
    and the deadline allotted for that holding."""

    __tablename__ = "dossier_step_history"
    __table_args__ = (UniqueConstraint("dossier_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    step_index: Mapped[int | None] = mapped_column(Integer)
    step_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    time_in: Mapped[datetime] = mapped_column(UTCDateTime)
    time_out: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The event kind that ended the holding (forwarded, transferred, approved ...).
    closed_by: Mapped[str | None] = mapped_column(String(40))

    unit: Mapped[Unit] = relationship()
    account: Mapped[Account | None] = relationship()


class SupplementPause(Base):
    """A request for supplement: what is missing, and how long the clock stood still."""

    __tablename__ = "supplement_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    missing: Mapped[list] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    paused_working_minutes: Mapped[int | None] = mapped_column(Integer)
    old_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[Account | None] = relationship(foreign_keys=[requested_by_id])
    resumed_by: Mapped[Account | None] = relationship(foreign_keys=[resumed_by_id])
