"""Finding dossiers by their specialist data: the index of the fields plugins mark
``index`` (see :mod:`motcua_sdk.fields`) and the search box's condition over it.

The index is rewritten whenever a dossier's specialist data is written (intake, the
plugin's updates through the SDK, a dossier taken over from another server) and by
``motcua dossiers reindex`` for data written before a plugin marked its fields. Codes are
kept upper-case without spaces and matched whole; text is kept as folded words (no
diacritics, lower case) and each typed word must begin one of them, as the
applicant-name search does.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.orm import Session

from motcua.core.models import Dossier
from motcua.core.models.specialist_search import SEARCH_VALUE_LENGTH, SpecialistSearchTerm
from motcua.core.text import name_words
from motcua_sdk.fields import index_values


def code_value(text: str) -> str:
    """A code as the index keeps and the search compares it: no spaces, upper case."""
    return re.sub(r"\s+", "", text or "").upper()[:SEARCH_VALUE_LENGTH]


def text_value(text: str) -> str:
    """Text as the index keeps it: its folded words, one space between them."""
    return " ".join(name_words(text))[:SEARCH_VALUE_LENGTH]


def terms_of(procedure_code: str, data: dict) -> list[tuple[str, str, str]]:
    """``(field path, kind, indexed value)`` of ``data`` under the procedure's schema
    (none when no plugin handles the procedure)."""
    from motcua.core.plugin_manager.dossiers import specialist_schema

    schema = specialist_schema(procedure_code)
    if schema is None or not data:
        return []
    terms = []
    for path, kind, value in index_values(schema, data):
        indexed = code_value(value) if kind == "code" else text_value(value)
        if indexed:
            terms.append((path[:120], kind, indexed))
    return terms


def index_dossier(session: Session, dossier: Dossier) -> int:
    """Rewrite ``dossier``'s index rows from its specialist data (in the caller's
    transaction). Returns how many rows it has now."""
    session.flush()
    return write_index(session, dossier.id, dossier.procedure.code,
                       dossier.specialist_data or {})


def write_index(session: Session, dossier_id: int, procedure_code: str, data: dict) -> int:
    """Rewrite the index rows of the dossier ``dossier_id`` from ``data`` (for writers
    that use core statements rather than the ORM, such as a sync take-over)."""
    session.execute(delete(SpecialistSearchTerm).where(
        SpecialistSearchTerm.dossier_id == dossier_id))
    terms = terms_of(procedure_code, data)
    session.add_all(SpecialistSearchTerm(dossier_id=dossier_id, field=path, kind=kind,
                                         value=value) for path, kind, value in terms)
    return len(terms)


def reindex(session: Session, *, chunk: int = 500) -> tuple[int, int]:
    """Rebuild the index of every dossier, committing every ``chunk`` dossiers; returns
    (dossiers read, values indexed)."""
    last, dossiers, values = 0, 0, 0
    while True:
        batch = session.scalars(select(Dossier).where(Dossier.id > last)
                                .order_by(Dossier.id).limit(chunk)).all()
        if not batch:
            return dossiers, values
        for dossier in batch:
            values += index_dossier(session, dossier)
        dossiers += len(batch)
        last = batch[-1].id
        session.commit()


def specialist_dossier_ids(query: str) -> Select | None:
    """The ids of the dossiers with an indexed value matching ``query`` (a code whole, or
    text word by word), as a subquery; None when the query has nothing to compare."""
    term = SpecialistSearchTerm
    matches = []
    code = code_value(query)
    if code:
        matches.append(and_(term.kind == "code", term.value == code))
    words = name_words(query)
    if words:
        matches.append(and_(term.kind == "text", *[
            or_(term.value.startswith(word, autoescape=True),
                term.value.contains(" " + word, autoescape=True)) for word in words]))
    if not matches:
        return None
    return select(term.dossier_id).where(or_(*matches))
