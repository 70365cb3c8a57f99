"""Putting the enabled plugins' procedures into the catalogue (``motcua plugins
sync-catalogue``).

A procedure new to the catalogue is received at every unit that receives dossiers at
its level; an existing one keeps the receiving units its administrators chose, and gets
the plugin's name, texts, time limit, fee and document list. A procedure already handled
by another plugin is left alone and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.models import DossierDocument, Procedure, ProcedureDocument, Unit
from motcua.core.plugin_manager.manager import PluginManager
from motcua.core.text import fold
from motcua_sdk.types import ProcedureSpec

LEVEL_KINDS = ("commune", "district", "province")


@dataclass
class CatalogueChanges:
    """What a sync did, procedure codes per outcome."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def unit_level(unit: Unit) -> str | None:
    """commune/district/province: the unit's own kind, else its parent's (an office or
    department belongs to the level of the People's Committee above it)."""
    if unit.kind in LEVEL_KINDS:
        return unit.kind
    return unit.parent.kind if unit.parent is not None and unit.parent.kind in LEVEL_KINDS \
        else None


def receiving_units(session: Session, level: str) -> list[Unit]:
    """Active units receiving dossiers at ``level``."""
    units = session.scalars(select(Unit).where(Unit.receives_dossiers.is_(True),
                                               Unit.active.is_(True)).order_by(Unit.code))
    return [unit for unit in units if unit_level(unit) == level]


def _document_values(spec: ProcedureSpec) -> list[dict]:
    return [{"position": position, "name": doc.name, "copy_kind": doc.copy_kind,
             "quantity": doc.quantity, "required": doc.required,
             "form_filename": doc.form_filename}
            for position, doc in enumerate(spec.documents)]


def _apply(session: Session, procedure: Procedure, plugin: str, spec: ProcedureSpec) -> bool:
    """Copy ``spec`` onto ``procedure``; True if anything changed."""
    values = {"name": spec.name, "field": spec.field, "level": spec.level,
              "processing_days": spec.processing_days, "fee": spec.fee,
              "fee_note": spec.fee_note, "result_type": spec.result_type,
              "description": spec.description, "handler_plugin": plugin,
              "search_text": fold(f"{spec.code} {spec.name} {spec.field}")[:800]}
    changed = False
    for name, value in values.items():
        if getattr(procedure, name) != value:
            setattr(procedure, name, value)
            changed = True
    wanted = _document_values(spec)
    existing = list(procedure.documents)
    for position, document_values in enumerate(wanted):
        if position < len(existing):
            document = existing[position]
            for name, value in document_values.items():
                if getattr(document, name) != value:
                    setattr(document, name, value)
                    changed = True
        else:
            procedure.documents.append(ProcedureDocument(**document_values))
            changed = True
    for document in existing[len(wanted):]:
        used = document.id is not None and session.scalar(
            select(DossierDocument.id).where(DossierDocument.procedure_document_id
                                             == document.id).limit(1))
        if not used:  # checklists of received dossiers keep pointing at their lines
            procedure.documents.remove(document)
            changed = True
    return changed


def sync_catalogue(session: Session, manager: PluginManager) -> CatalogueChanges:
    """Add or update every enabled plugin's procedures (the caller commits)."""
    changes = CatalogueChanges()
    for code, (plugin, spec) in sorted(manager.procedures().items()):
        procedure = session.scalar(select(Procedure).where(Procedure.code == code))
        if procedure is None:
            procedure = Procedure(code=code)
            _apply(session, procedure, plugin, spec)
            procedure.receiving_units.extend(
                unit for unit in receiving_units(session, spec.level)
                if manager.works_at(plugin, unit))
            session.add(procedure)
            changes.added.append(code)
        elif procedure.handler_plugin not in (None, plugin) and manager.is_enabled(
                procedure.handler_plugin):
            changes.conflicts.append(
                f"{code} is handled by {procedure.handler_plugin}, not {plugin}")
        elif _apply(session, procedure, plugin, spec):
            changes.updated.append(code)
        else:
            changes.unchanged.append(code)
        session.flush()
    return changes
