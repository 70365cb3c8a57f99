"""Units: creating them in the tree and walking subtrees."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.core.codes import AGENCY_CODE_PATTERN
from motcua.core.errors import ValidationError
from motcua.core.models import UNIT_KINDS, Unit


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    receives_dossiers: bool = False,
    **fields,
) -> Unit:
    """Add a unit under ``parent``; its ``code`` becomes the prefix of its dossier codes."""
    code = code.strip().upper()
    if not AGENCY_CODE_PATTERN.match(code):
        raise ValidationError(
            f"Agency code {code!r} may hold only letters, digits and dots (at most 40).",
            field="code",
        )
    if kind not in UNIT_KINDS:
        raise ValidationError(f"Unknown unit kind {kind!r}.", field="kind")
    if session.scalar(select(Unit.id).where(Unit.code == code)):
        raise ValidationError(f"Agency code {code} is already used.", field="code")
    unit = Unit(
        code=code, name=name, kind=kind, parent=parent, receives_dossiers=receives_dossiers,
        **fields,
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit


def subtree_ids(session: Session, root: Unit) -> list[int]:
    return list(session.scalars(select(Unit.id).where(Unit.path.startswith(root.path))))


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code.strip().upper()))
