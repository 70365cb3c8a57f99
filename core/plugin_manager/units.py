"""The core's side of the SDK's unit services: read-only :class:`~motcua_sdk.types.UnitView`
of units, the units a dossier passes through, and units by function.

Every answer comes from the rules the routing itself uses (``core.workflow.definitions``),
so what a plugin prints as the issuing agency is the unit the workflow sends the
dossier to for signature.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.errors import NotFound
from motcua.core.messages import _
from motcua.core.models import Dossier, DossierWorkflow, Unit
from motcua.core.units import unit_by_code
from motcua.core.workflow.definitions import ancestors, signing_unit, units_by_function
from motcua_sdk.types import UnitView

# The kinds that are an administrative level of their own; a department, office or
# agency belongs to the level of the nearest of these above it.
LEVEL_KINDS = ("commune", "district", "province")


def unit_level(session: Session, unit: Unit) -> str | None:
    """``"province"``, ``"district"`` or ``"commune"``: the kind of ``unit`` or of its
    nearest ancestor of one of those kinds (None if there is none)."""
    for candidate in [unit, *ancestors(session, unit)]:
        if candidate.kind in LEVEL_KINDS:
            return candidate.kind
    return None


def unit_view(session: Session, unit: Unit) -> UnitView:
    """The frozen view plugins get of ``unit``."""
    return UnitView(code=unit.code, name=unit.name, kind=unit.kind,
                    level=unit_level(session, unit),
                    parent_code=unit.parent.code if unit.parent else None,
                    functions=(unit.function,) if unit.function else (),
                    abbreviation=unit.abbreviation, receives_dossiers=unit.receives_dossiers,
                    active=unit.active)


def unit_views(session: Session, units: list[Unit]) -> list[UnitView]:
    """:func:`unit_view` of many units at once: their ancestors are read in one query,
    not one per unit (a province lists hundreds)."""
    ids = {int(part) for unit in units for part in unit.path.strip("/").split("/") if part}
    by_id = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))} \
        if ids else {}
    views = []
    for unit in units:
        chain = [by_id.get(int(part)) for part in reversed(unit.path.strip("/").split("/"))
                 if part]
        level = next((u.kind for u in [unit, *chain] if u is not None
                      and u.kind in LEVEL_KINDS), None)
        parent = by_id.get(unit.parent_id) if unit.parent_id else None
        views.append(UnitView(code=unit.code, name=unit.name, kind=unit.kind, level=level,
                              parent_code=parent.code if parent else None,
                              functions=(unit.function,) if unit.function else (),
                              abbreviation=unit.abbreviation,
                              receives_dossiers=unit.receives_dossiers, active=unit.active))
    return views


def required_unit(session: Session, code: str) -> Unit:
    """The unit with agency ``code``; NotFound naming the code if there is none."""
    unit = unit_by_code(session, code) if isinstance(code, str) and code.strip() else None
    if unit is None:
        raise NotFound(_("No unit with agency code %(code)s.", code=code), field="code")
    return unit


def parents(session: Session, code: str) -> list[UnitView]:
    """The units above ``code``, nearest first (the root last)."""
    return [unit_view(session, unit)
            for unit in ancestors(session, required_unit(session, code))]


def with_function(session: Session, function: str, near: str | None) -> list[UnitView]:
    """Active units with ``function``: near ``near`` by the workflow's own rule (closest
    first), or every one by agency code when ``near`` is None."""
    if near is not None:
        found = units_by_function(session, function, required_unit(session, near))
    else:
        found = session.scalars(select(Unit).where(
            Unit.function == function, Unit.active.is_(True)).order_by(Unit.code))
    return [unit_view(session, unit) for unit in found]


def signing(session: Session, dossier: Dossier) -> UnitView:
    """The unit that will sign ``dossier``'s result: from its own copy of the workflow
    (the procedure's current one if it has none yet)."""
    from motcua.core.workflow.actions import plan_workflow

    instance = session.get(DossierWorkflow, dossier.id)
    steps = (instance.steps if instance is not None
             else plan_workflow(session, dossier.procedure, dossier.unit).steps)
    return unit_view(session, signing_unit(session, steps, dossier.unit))
