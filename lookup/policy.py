"""What the anonymous lookup may show of a dossier: the one rule every channel obeys.

Civil status procedures (the sector "Hộ tịch" of the national catalogue: birth, death,
marriage, recognising a parent or child, divorce...) tell a stranger something private the
moment the procedure, the applicant's initials or the officer are shown next to a code. For
them the anonymous view is the status only: the code, the receiving desk, the dates, the
status, on time or late, and the history's steps without units. The applicant unlocks the
rest with the last four digits of their phone, like any other dossier.

A procedure is sensitive when its catalogue sector (``procedures.field``) is one of
``LOOKUP_SENSITIVE_FIELDS`` (env ``MOTCUA_LOOKUP_SENSITIVE_FIELDS``, sectors separated by
``;``, default ``Hộ tịch``), compared without case or diacritics. The sector comes with
every procedure of the national catalogue, so no per-procedure flag has to be kept up to
date; a province adds a sector (e.g. adoption, "Nuôi con nuôi") by configuration.
"""

from __future__ import annotations

import os
from functools import lru_cache

from flask import current_app, has_app_context

from motcua.core.text import fold

DEFAULT_SENSITIVE_FIELDS = "Hộ tịch"


def sensitive_fields() -> frozenset[str]:
    """The folded sectors whose dossiers show status only to anonymous callers."""
    value = None
    if has_app_context():
        value = current_app.config.get("LOOKUP_SENSITIVE_FIELDS")
    if value is None:
        value = os.environ.get("MOTCUA_LOOKUP_SENSITIVE_FIELDS") or DEFAULT_SENSITIVE_FIELDS
    if isinstance(value, str):
        value = value.split(";")
    return _folded_set(tuple(value))


# Folding (unidecode) cost a lookup more than the rest of its policy; the configured
# sectors and the catalogue's sector names are few, so each is folded once per process.
@lru_cache(maxsize=64)
def _folded_set(items: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_folded(item) for item in items if item.strip())


@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    return fold(text).strip()


def is_sensitive(procedure_field: str | None) -> bool:
    """Whether a procedure of sector ``procedure_field`` is sensitive. An unknown sector
    (a hub that lacks the node's procedure) counts as sensitive: showing less is the
    mistake that harms nobody."""
    if procedure_field is None:
        return True
    return _folded(procedure_field) in sensitive_fields()


def anonymous_view(result):  # noqa: ANN001, ANN201
    """``result`` as the caller may see it: unchanged for a non-sensitive dossier or one
    unlocked by the second factor, the status only otherwise (``restricted`` set, so a
    channel can say why the rest is missing)."""
    if not result.sensitive or result.verified:
        return result
    result.restricted = True
    result.procedure_code = ""
    result.procedure_name = ""
    result.applicant = ""
    result.officer = None
    result.department = None
    result.agency = None
    result.public_fields = {}
    for entry in result.timeline:
        entry.unit = None
    return result
