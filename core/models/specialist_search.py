"""The search index of specialist data: the values of the fields a plugin marks ``index``
(a plot number, a permit number, a tax code, a name), one row per value, so the
find-a-dossier box matches them without reading every dossier's JSON."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base

SEARCH_VALUE_LENGTH = 200


class SpecialistSearchTerm(Base):
    """One indexed value of a dossier's specialist data. ``kind`` is ``code`` (``value``
    is the whole value upper-cased without spaces, matched exactly) or ``text``
    (``value`` is its folded words, matched word by word)."""

    __tablename__ = "specialist_search_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(SEARCH_VALUE_LENGTH), index=True)
