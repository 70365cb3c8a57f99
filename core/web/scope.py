"""Which units, procedures and dossiers the signed-in officer may see at the desk."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from motcua.core.accounts import has_role, scope_units
from motcua.core.codes import is_valid_code, normalize_code
from motcua.core.errors import Forbidden, NotFound
from motcua.core.models import ROLE_NAMES, Account, Dossier, Procedure, Unit, procedure_units
from motcua.core.text import fold

SEARCH_LIMIT = 30


def _within_any(column, roots: list[Unit]):  # noqa: ANN001, ANN202
    """SQL condition: a unit path column lies in one of the ``roots`` subtrees."""
    return or_(*[column.like(f"{root.path}%") for root in roots])


def reception_units(session: Session, account: Account) -> list[Unit]:
    """Receiving units (bộ phận một cửa) where ``account`` is a reception officer."""
    roots = scope_units(account, "reception")
    if not roots:
        return []
    return list(session.scalars(
        select(Unit)
        .where(Unit.receives_dossiers.is_(True), Unit.active.is_(True),
               _within_any(Unit.path, roots))
        .order_by(Unit.path)
    ))


def intake_units(session: Session, account: Account, procedure: Procedure) -> list[Unit]:
    """Units where ``account`` may take in ``procedure`` (all its units if the procedure
    names none, as the intake service then accepts any receiving unit)."""
    mine = reception_units(session, account)
    if not procedure.receiving_units:
        return mine
    return [unit for unit in mine if unit in procedure.receiving_units]


def search_procedures(session: Session, account: Account, query: str) -> list[Procedure]:
    """Procedures the officer's units receive whose code or name contains every word of
    ``query``, ignoring case and Vietnamese diacritics."""
    units = reception_units(session, account)
    words = fold(query).split()
    if not units or not words:
        return []
    unit_ids = [unit.id for unit in units]
    received_here = select(procedure_units.c.procedure_id).where(
        procedure_units.c.unit_id.in_(unit_ids)
    )
    received_anywhere = select(procedure_units.c.procedure_id)
    statement = select(Procedure).where(
        Procedure.active.is_(True),
        or_(Procedure.id.in_(received_here), Procedure.id.not_in(received_anywhere)),
        *[Procedure.search_text.contains(word, autoescape=True) for word in words],
    )
    return list(session.scalars(statement.order_by(Procedure.name).limit(SEARCH_LIMIT)))


def dossier_code(raw: str | None) -> str | None:
    """The canonical dossier code in ``raw`` (typed or scanned), or None if it is not one."""
    code = normalize_code(raw)
    return code if is_valid_code(code) else None


def may_view(account: Account, *units: Unit | None) -> bool:
    """True if ``account`` holds any role over one of ``units``."""
    return any(has_role(account, role, unit) for unit in units if unit for role in ROLE_NAMES)


def visible_condition(account: Account):  # noqa: ANN201
    """SQL form of :func:`may_view` over dossiers: the dossier's receiving unit or the unit
    holding it lies in one of the account's role scopes (None if it has no role)."""
    roots = [assignment.unit for assignment in account.roles]
    if not roots:
        return None
    unit, holder = aliased(Unit), aliased(Unit)
    owned = select(Dossier.id).join(unit, Dossier.unit_id == unit.id).where(
        or_(*[unit.path.startswith(root.path, autoescape=True) for root in roots]))
    held = select(Dossier.id).join(holder, Dossier.holder_unit_id == holder.id).where(
        or_(*[holder.path.startswith(root.path, autoescape=True) for root in roots]))
    return or_(Dossier.id.in_(owned), Dossier.id.in_(held))


def visible_dossier(session: Session, account: Account, raw_code: str) -> Dossier:
    """The dossier with ``raw_code`` if ``account`` may see it; NotFound or Forbidden."""
    code = normalize_code(raw_code)
    dossier = session.scalar(
        select(Dossier).where(Dossier.code == code).options(
            selectinload(Dossier.documents), selectinload(Dossier.attachments),
            selectinload(Dossier.events),
        )
    )
    if dossier is None:
        raise NotFound(_("No dossier with code %(code)s.", code=code))
    if not may_view(account, dossier.unit, dossier.holder_unit):
        raise Forbidden(_("Dossier %(code)s belongs to a unit outside your scope.", code=code))
    return dossier
