"""Whose dossiers a report covers, and the per-dossier query every row-by-row figure and
drill-down list starts from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import aliased

from motcua.core.models import Dossier, Procedure, StepHolding, Unit
from motcua.core.reports.source import LOCAL, Source, current_source

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
    The caller checks that ``department`` and the officer belong to ``root``.

    An ad-hoc report narrows any of these to one ``procedure`` (its code), one ``field``
    or one ``channel`` (``in_person``, ``online``, ``post``, ``back_entry``)."""

    root: Unit
    department: Unit | None = None
    officer_id: int | None = None
    procedure: str | None = None
    field: str | None = None
    channel: str | None = None
    # Whose rows: this server's dossiers, or on a hub the nodes' (core/reports/source.py).
    source: Source = dataclasses.field(default_factory=current_source)

    @property
    def through(self) -> bool:
        """A department's or an officer's view (not by receiving unit)."""
        return self.department is not None or self.officer_id is not None

    @property
    def by_receiving_unit(self) -> bool:
        """True when the kept figures (by receiving unit and procedure) can answer for
        the scope: no department, officer or channel (a procedure or a field only picks
        some of their rows)."""
        return not self.through and self.channel is None

    @property
    def picks_procedures(self) -> bool:
        return self.procedure is not None or self.field is not None

    def procedure_ids(self) -> Select:
        """The ids of the procedures the scope keeps (``procedure`` and ``field``)."""
        query = select(Procedure.id)
        if self.procedure is not None:
            query = query.where(Procedure.code == self.procedure)
        if self.field is not None:
            query = query.where(Procedure.field == self.field)
        return query

    def where(self, query: Select) -> Select:
        """``query`` (from :func:`dossier_query`) narrowed to the scope's dossiers."""
        dossier = self.source.dossier
        if self.through and self.source is not LOCAL:
            raise ValueError("a department's or an officer's view needs the step holdings")
        if not self.through:
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
        if self.procedure is not None:
            query = query.where(Procedure.code == self.procedure)
        if self.field is not None:
            query = query.where(Procedure.field == self.field)
        if self.channel is not None:
            query = query.where(dossier.channel == self.channel)
        return query


def dossier_query(query: Select, source: Source = LOCAL) -> Select:
    """``query`` over the dossiers of ``source`` with their receiving unit, procedure
    and what their deadline reads."""
    dossier = source.dossier
    return source.with_deadline(query.select_from(dossier)
                                .join(Unit, Unit.id == dossier.unit_id)
                                .join(Procedure, Procedure.id == dossier.procedure_id))
