"""Whose dossiers a report covers, and the per-dossier query every row-by-row figure and
drill-down list starts from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import aliased

from motcua.core.models import Dossier, DossierWorkflow, Procedure, StepHolding, Unit

GROUPS = {
    "unit": (Unit.code, Unit.name),
    "procedure": (Procedure.code, Procedure.name),
    "field": (Procedure.field, Procedure.field),
}


@dataclass(frozen=True)
class Scope:
    """Whose dossiers: those received in the subtree of ``root``; for a department's or
    an officer's view, those that passed through ``department`` (its subtree) or through
    the hands of ``officer_id``, wherever they were received (a department receives
    nothing itself, and a dossier may come to it from a commune or another district).
    The caller checks that ``department`` and the officer belong to ``root``."""

    root: Unit
    department: Unit | None = None
    officer_id: int | None = None

    @property
    def by_receiving_unit(self) -> bool:
        """True when the scope is just the receiving units of a subtree: the kept
        figures (by receiving unit and procedure) can answer for it."""
        return self.department is None and self.officer_id is None

    def where(self, query: Select) -> Select:
        if self.by_receiving_unit:
            query = query.where(Unit.path.startswith(self.root.path))
        if self.department is not None:
            held_at = aliased(Unit)  # not the receiving unit of the outer query
            query = query.where(exists(
                select(StepHolding.id).join(held_at, held_at.id == StepHolding.unit_id)
                .where(StepHolding.dossier_id == Dossier.id,
                       held_at.path.startswith(self.department.path))))
        if self.officer_id is not None:
            query = query.where(exists(select(StepHolding.id).where(
                StepHolding.dossier_id == Dossier.id,
                StepHolding.account_id == self.officer_id)))
        return query


def dossier_query(query: Select) -> Select:
    """``query`` over dossiers with their receiving unit, procedure and workflow row."""
    return (query.select_from(Dossier)
            .join(Unit, Unit.id == Dossier.unit_id)
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .outerjoin(DossierWorkflow, DossierWorkflow.dossier_id == Dossier.id))
