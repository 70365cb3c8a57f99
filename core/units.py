"""Units: creating them in the tree and walking subtrees."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session
from unidecode import unidecode

from motcua.core.codes import AGENCY_CODE_PATTERN
from motcua.core.db import read_once
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


def list_units(session: Session, *, under: Unit | None = None, function: str | None = None,
               roots: list[Unit] | None = None) -> list[Unit]:
    """Units in tree order (each after its parent): those beneath ``under`` (itself
    included), with ``function``, and, when ``roots`` is given, only within those
    subtrees (an administrator's scope; an empty list: none)."""
    statement = select(Unit)
    if roots is not None:
        if not roots:
            return []
        statement = statement.where(or_(*[Unit.path.startswith(root.path, autoescape=True)
                                          for root in roots]))
    if under is not None:
        statement = statement.where(Unit.path.startswith(under.path, autoescape=True))
    if function is not None:
        statement = statement.where(Unit.function == function)
    units = list(session.scalars(statement))
    by_id = {unit.id: unit for unit in units}

    def key(unit: Unit) -> list[str]:
        # Sibling order by agency code, not by id: the order the codes are read in.
        ids = [int(part) for part in unit.path.strip("/").split("/") if part]
        return [by_id[i].code if i in by_id else f"{i:012d}" for i in ids]

    return sorted(units, key=key)


def set_function(unit: Unit, function: str | None) -> None:
    """Set what ``unit`` does (``finance``, ``tax``, ``construction``...), which workflow
    steps name as ``function:<name>``; None or blank clears it."""
    from motcua.core.workflow.definitions import FUNCTION_PATTERN

    function = (function or "").strip() or None
    if function is not None and not FUNCTION_PATTERN.match(function):
        raise ValidationError(f"A function is lower-case letters, digits and underscores "
                              f"(e.g. finance), not {function!r}.", field="function")
    unit.function = function


def subtree_ids(session: Session, root: Unit) -> list[int]:
    return list(session.scalars(select(Unit.id).where(Unit.path.startswith(root.path))))


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code.strip().upper()))


# Unit abbreviations for SMS replies, where 160 characters must hold the whole answer.
ABBREVIATION_MAX = 24
# The usual short forms of what a unit is (matched on the name without diacritics, longest
# first) and of the place it serves, the latter only before a place name ("xã Hòa Thành",
# not "Lao động và Xã hội").
_KINDS = {
    "trung tam phuc vu hanh chinh cong": "TTPVHCC", "bo phan tiep nhan va tra ket qua":
    "BPTN&TKQ", "van phong dang ky dat dai": "VPDKDD", "bo phan mot cua": "BP1C",
    "uy ban nhan dan": "UBND", "hoi dong nhan dan": "HDND", "van phong": "VP",
    "trung tam": "TT", "phong": "P.", "va": "&",
}
_PLACES = {"thanh pho": "TP ", "thi xa": "TX ", "phuong": "P.", "xa": "X.", "huyen": "H.",
           "quan": "Q.", "tinh": "T."}
_KIND = re.compile(r"(?i)\b(" + "|".join(_KINDS) + r")\b")
_PLACE = re.compile(r"\b(?i:(" + "|".join(_PLACES) + r"))\s+(?=[A-Z0-9])")


def abbreviate(name: str) -> str:
    """An abbreviation of a unit's name for SMS replies, at most :data:`ABBREVIATION_MAX`
    plain ASCII characters: the usual short forms ("UBND thành phố Tây Ninh" ->
    "UBND TP Tay Ninh"), then if still too long the initials of what the unit is and where
    it is ("Sở Nông nghiệp và Môi trường tỉnh Tây Ninh" -> "SNN&MT T.Tay Ninh")."""
    plain = unidecode(name.replace("Đ", "D").replace("đ", "d")).replace("`", "'")
    plain = " ".join("".join(ch if ch.isprintable() else " " for ch in plain).split())
    plain = _KIND.sub(lambda match: _KINDS[match.group(1).lower()], plain)
    place = _PLACE.search(plain, 1)
    what = plain[:place.start()].strip() if place else plain
    where = _PLACE.sub(lambda match: _PLACES[match.group(1).lower()],
                       plain[place.start():]) if place else ""
    for candidate in (f"{what} {where}", f"{_initials(what)} {where}", _initials(what)):
        candidate = re.sub(r"\b([A-Z]{1,2}\.) (?=\w)", r"\1", candidate.strip())
        if len(candidate) <= ABBREVIATION_MAX:
            return candidate
    return candidate[:ABBREVIATION_MAX]


def _initials(words: str) -> str:
    """"P. Tai nguyen & Moi truong" -> "P.TN&MT"; short forms stay whole."""
    text = ""
    for word in words.split():
        whole = word.isupper() or word.endswith(".") or not word.isalpha()
        if whole and text and text[-1].isalnum() and word not in ("&", "-"):
            text += " "
        text += word if whole else word[0].upper()
    return text


def unit_abbreviation(unit: Unit) -> str:
    """What SMS replies call ``unit``: its set abbreviation, else one from its name."""
    return unit.abbreviation or abbreviate(unit.name)


def set_abbreviation(unit: Unit, value: str | None) -> None:
    """Give ``unit`` the abbreviation ``value`` (None or blank: back to the derived one)."""
    value = " ".join((value or "").split())
    if len(unidecode(value)) > ABBREVIATION_MAX:
        raise ValidationError(
            f"An abbreviation has at most {ABBREVIATION_MAX} characters, not {len(value)} "
            f"({value[:40]!r}).", field="abbreviation")
    unit.abbreviation = value or None


# Built once: every SMS reply asks, and building the statement cost as much as running it.
_ABBREVIATIONS = select(Unit.code, Unit.abbreviation).where(
    Unit.code.in_(bindparam("codes", expanding=True)), Unit.abbreviation.is_not(None))


def abbreviations(session: Session, names: dict[str, str],
                  known: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The SMS names of the units ``names`` maps by agency code to their full names: the
    abbreviation set on the unit, else one derived from the name (also for a unit this
    server does not hold, as on a hub). ``known`` gives units' abbreviations (None: none
    set) already read; the others are read with :func:`~motcua.core.db.read_once`: an SMS
    reply is a public read that must not leave a transaction to roll back."""
    known = known or {}
    given = {code: known[code] for code in names if code in known}
    missing = [code for code in names if code not in known]
    if missing:
        given.update(read_once(session, _ABBREVIATIONS, {"codes": missing}))
    return {code: given.get(code) or abbreviate(name) for code, name in names.items()}
