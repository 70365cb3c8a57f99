"""Whether a plugin's sync payload reflects a dossier's data: its specialist fields and the
rows of the plugin's own tables that belong to it.

A row belongs to a dossier when one of its columns links it there directly: a foreign
key to the core's ``dossiers.id`` or a column named ``dossier_id`` holding the dossier's
id, or any text column holding the dossier's code (``dossier_code``,
``first_dossier_code``...). Rows reached only through another row (a household a
registration points to) are not required: several dossiers may share them, so the
hub's copy of an earlier dossier rightly keeps the values of its own time.

Personal identifiers are not required (the hub must not hold them, as the core's own
snapshot holds no citizen ID): a field, column or JSON key whose name contains one of
:data:`PERSONAL_IDS` (``owner.citizen_id``, ``phone``...).

A value is reflected when it is found anywhere in the payload, whatever the key or the
nesting: the same text, number or boolean (a date or time as its ISO text, to the
second), or a text of at least :data:`MIN_CONTAINED` characters inside a longer text of
the payload (a serial within a label). A list or an object (a JSON column, a list of
business lines) is reflected when each of its values is. Not required: a row's primary
key and foreign keys (the database's own numbering) and the columns linking it to the
dossier (the hub already files the payload under the dossier), and empty values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Connection

MIN_CONTAINED = 4
PERSONAL_IDS = ("citizen_id", "cccd", "cmnd", "passport", "phone", "email")
DOSSIER_ID_NAMES = {"dossier_id"}
ISO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)")


@dataclass
class OwnedRow:
    """One row of the plugin's tables that belongs to a dossier."""

    table: str
    primary: dict[str, Any]  # its primary key's columns and values
    values: dict[str, Any]  # the columns that must be reflected

    @property
    def key(self) -> str:
        """The primary key as text, to name the row in findings."""
        return ", ".join(f"{name}={value}" for name, value in self.primary.items()) or "?"


def leaves(value: Any) -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of every scalar inside ``value`` (dicts and lists walked)."""
    if isinstance(value, dict):
        for key, item in value.items():
            for path, leaf in leaves(item):
                yield (f"{key}.{path}" if path else str(key)), leaf
    elif isinstance(value, list | tuple | set):
        for index, item in enumerate(value):
            for path, leaf in leaves(item):
                yield (f"[{index}].{path}" if path else f"[{index}]"), leaf
    else:
        yield "", value


def _normal(value: Any) -> tuple[str, Any] | None:
    """The comparable form of a scalar (None for an empty one)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float | Decimal):
        return ("number", float(value))
    if isinstance(value, datetime):
        return ("text", value.isoformat(sep="T")[:19])
    if isinstance(value, date):
        return ("text", value.isoformat())
    text = str(value).strip()
    moment = ISO_TIME.match(text)
    return ("text", f"{moment.group(1)}T{moment.group(2)}" if moment else text)


class Payload:
    """The values a payload holds, ready for :meth:`reflects`."""

    def __init__(self, payload: Any) -> None:
        self.values = {found for _path, leaf in leaves(payload)
                       if (found := _normal(leaf)) is not None}
        self.texts = [text for kind, text in self.values if kind == "text"]

    def reflects(self, value: Any) -> bool:
        """True if every scalar of ``value`` is found in the payload (see module doc)."""
        return all(self._has(leaf) for _path, leaf in leaves(value))

    def _has(self, leaf: Any) -> bool:
        wanted = _normal(leaf)
        if wanted is None or wanted in self.values:
            return True
        kind, content = wanted
        if kind == "number":
            # A number the payload carries as text ("120.5", "2026").
            shown = f"{content:g}" if content != int(content) else str(int(content))
            return ("text", shown) in self.values
        if kind == "text":
            try:
                if ("number", float(content)) in self.values:
                    return True
            except ValueError:
                pass
            return len(content) >= MIN_CONTAINED and any(content in text
                                                         for text in self.texts)
        return False


def personal(path: str) -> bool:
    """Whether the field or column at ``path`` is a personal identifier (module doc)."""
    name = path.rsplit(".", 1)[-1].lower()
    return any(marker in name for marker in PERSONAL_IDS)


def missing(value: dict, payload: Payload) -> list[str]:
    """``path = value`` of each value inside ``value`` (specialist data, a row's columns)
    the payload does not reflect, personal identifiers left out."""
    return [f"{path or '?'} = {leaf!r}" for path, leaf in leaves(value or {})
            if not personal(path) and not payload.reflects(leaf)]


def _links(table: Table) -> tuple[set[str], set[str]]:
    """The columns that may hold a dossier's id, and the text columns (may hold its code)."""
    by_id = {column.name for column in table.columns
             if column.name in DOSSIER_ID_NAMES
             # By name: the core's table is not in the plugin's metadata to resolve it.
             or any(key.target_fullname.split(".")[0] == "dossiers"
                    for key in column.foreign_keys)}
    texts = {column.name for column in table.columns if _is_text(column)}
    return by_id, texts


def _is_text(column) -> bool:  # noqa: ANN001 - a Column
    try:
        return column.type.python_type is str
    except NotImplementedError:  # a type of its own, e.g. JSON: not a link
        return False


def owned_rows(connection: Connection, metadata: MetaData, dossier_id: int,
               dossier_code: str) -> list[OwnedRow]:
    """The rows of the tables of ``metadata`` that belong to the dossier (module doc),
    each with the columns the payload must reflect."""
    found = []
    for table in sorted(metadata.tables.values(), key=lambda table: table.name):
        by_id, texts = _links(table)
        keys = {column.name for column in table.primary_key.columns}
        referencing = {column.name for column in table.columns if column.foreign_keys}
        for row in connection.execute(select(table)).mappings():
            linking = {name for name in by_id if row[name] == dossier_id} | {
                name for name in texts if row[name] == dossier_code}
            if not linking:
                continue
            values = {name: value for name, value in row.items()
                      if name not in keys | referencing | linking
                      and _normal(value) is not None}
            found.append(OwnedRow(table.name, {name: row[name] for name in sorted(keys)},
                                  values))
    return found


__all__ = ["OwnedRow", "Payload", "leaves", "missing", "owned_rows", "personal"]
