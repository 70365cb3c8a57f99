"""Administrative units: a tree of any depth (province, department, commune, office...)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.core.models.base import Base

UNIT_KINDS = ("province", "department", "district", "commune", "office", "agency")


class Unit(Base):
    """An agency or one of its departments; ``code`` is the agency code used in dossier codes.

    ``path`` is the materialized path of ids (``/1/4/9/``) so a role scoped to a unit
    covers its whole subtree with one ``LIKE`` on an index.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(120))
    # What SMS replies call the unit (GSM-7 after transliteration, a few characters);
    # empty: derived from the name (motcua.core.units.abbreviate).
    abbreviation: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    admin_code: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(40))
    receives_dossiers: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the unit does ("finance", "tax", "justice", "land"...): workflow steps name a
    # unit by function relative to the receiving unit (see motcua.core.workflow).
    function: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name!r}>"

    def is_within(self, other: Unit) -> bool:
        """True if this unit is ``other`` or one of its descendants."""
        return self.path.startswith(other.path)
