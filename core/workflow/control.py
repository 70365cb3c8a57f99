"""The processing control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05 of
Circular 01/2018/TT-VPCP): one row per hand-over, with times in and out and on time or late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from motcua.core.models import Dossier, DossierWorkflow, StepHolding
from motcua.core.timeutil import local, now


@dataclass
class ControlSlipRow:
    """One holding of the dossier: which step, which unit and person, from when to when,
    and the deadline allotted to it."""

    position: int
    step: int | None
    step_name: str
    role: str
    holder_unit_code: str
    holder_unit: str
    holder_person: str | None
    time_in: datetime
    time_out: datetime | None
    due_at: datetime | None
    closed_by: str | None

    @property
    def finished(self) -> bool:
        return self.time_out is not None

    @property
    def on_time(self) -> bool | None:
        """True/False once judged; None for an open holding still within its deadline."""
        if self.due_at is None:
            return True if self.finished else None
        if self.time_out is not None:
            return self.time_out <= self.due_at
        return False if now() > self.due_at else None

    @property
    def late(self) -> bool:
        return self.on_time is False

    def as_dict(self) -> dict:
        """JSON-ready, times in Vietnam time."""
        def iso(moment: datetime | None) -> str | None:
            return local(moment).isoformat() if moment else None

        return {"position": self.position, "step": self.step, "step_name": self.step_name,
                "role": self.role, "holder_unit_code": self.holder_unit_code,
                "holder_unit": self.holder_unit, "holder_person": self.holder_person,
                "time_in": iso(self.time_in), "time_out": iso(self.time_out),
                "due_at": iso(self.due_at), "closed_by": self.closed_by,
                "on_time": self.on_time}


def control_slip_rows(session: Session, dossier: Dossier) -> list[ControlSlipRow]:
    """Every hand-over of ``dossier``, oldest first (empty for a dossier refused at the
    desk, which never entered a workflow)."""
    holdings = session.scalars(
        select(StepHolding).where(StepHolding.dossier_id == dossier.id)
        .order_by(StepHolding.position)
        .options(selectinload(StepHolding.unit), selectinload(StepHolding.account)))
    return [ControlSlipRow(
        position=h.position, step=h.step_index, step_name=h.step_name, role=h.role,
        holder_unit_code=h.unit.code, holder_unit=h.unit.name,
        holder_person=h.account.full_name if h.account else None, time_in=h.time_in,
        time_out=h.time_out, due_at=h.due_at, closed_by=h.closed_by) for h in holdings]


def original_due_at(session: Session, dossier: Dossier) -> datetime:
    """The deadline the dossier is judged against: before any apology's new appointment
    (supplement pauses, which the law excludes, are already added to it)."""
    instance = session.get(DossierWorkflow, dossier.id)
    if instance is not None and instance.original_due_at is not None:
        return instance.original_due_at
    return dossier.due_at
