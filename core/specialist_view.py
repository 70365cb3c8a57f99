"""A dossier's specialist data as people read it: the rows the desk's dossier page shows.

The titles, groups and option labels are the procedure schema's own, read with
:func:`motcua_sdk.fields.describe`, the same reading the intake form renders, so a field
is called the same on the form that asks for it and on the page that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from motcua.core.numbers import format_number
from motcua_sdk.fields import FieldInfo, describe

EMPTY = "—"


@dataclass(frozen=True)
class Row:
    """One line of the definition list. A ``field`` row has its ``value`` (display
    text); a ``group`` (a nested object) its ``children``; a ``list`` (a list of
    objects) its ``items``, each item a tuple of rows."""

    path: str
    title: str
    kind: str = "field"
    value: str = EMPTY
    children: tuple[Row, ...] = ()
    items: tuple[tuple[Row, ...], ...] = ()


def specialist_rows(schema: Any, data: Mapping[str, Any] | None) -> tuple[Row, ...]:  # noqa: ANN401
    """``data`` (a dossier's specialist data) as rows titled by ``schema`` (a marshmallow
    schema, class or instance, or None when no enabled plugin handles the procedure),
    titles and option labels translated, booleans as yes/no, numbers and dates in the
    current language. Keys the schema does not declare (data kept from an older schema,
    or no schema at all) are still shown, under their own name: the officer sees all
    the dossier holds."""
    data = data if isinstance(data, Mapping) else {}
    infos = describe(schema) if schema is not None else ()
    return _rows(infos, data, "")


def _rows(infos: tuple[FieldInfo, ...], data: Mapping[str, Any], prefix: str
          ) -> tuple[Row, ...]:
    rows = [_row(info, data.get(info.name), f"{prefix}{info.name}") for info in infos]
    declared = {info.name for info in infos}
    rows += [_undeclared(str(key), value, f"{prefix}{key}")
             for key, value in data.items() if key not in declared]
    return tuple(rows)


def _row(info: FieldInfo, value: Any, path: str) -> Row:  # noqa: ANN401
    title = _(info.title)
    if info.kind == "object" and info.children:
        children = _rows(info.children, value if isinstance(value, Mapping) else {},
                         f"{path}.")
        return Row(path=path, title=title, kind="group", children=children)
    if info.kind == "array" and info.item is not None:
        elements = value if isinstance(value, list | tuple) else []
        items = tuple(_rows(info.item.children, element, f"{path}.{index}.")
                      for index, element in enumerate(elements)
                      if isinstance(element, Mapping))
        return Row(path=path, title=title, kind="list", items=items)
    return Row(path=path, title=title, value=_text(info, value))


def _undeclared(key: str, value: Any, path: str) -> Row:  # noqa: ANN401
    if isinstance(value, Mapping):
        return Row(path=path, title=key, kind="group", children=_rows((), value, f"{path}."))
    return Row(path=path, title=key, value=_plain(value))


def _text(info: FieldInfo, value: Any) -> str:  # noqa: ANN401
    if value is None or value == "" or value == []:
        return EMPTY
    if info.options:
        labels = {str(option): label for option, label in info.options}
        if isinstance(value, list | tuple):
            return ", ".join(_(labels[str(v)]) if str(v) in labels else str(v) for v in value)
        if str(value) in labels:
            return _(labels[str(value)])
    if info.kind in ("integer", "number"):
        return _number(value)
    if info.kind == "date":
        return _date(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return _plain(value)


def _number(value: Any) -> str:  # noqa: ANN401
    if isinstance(value, bool):
        return str(value)
    try:
        return format_number(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)  # not a number after all: shown as stored, not hidden


def _date(value: Any) -> str:  # noqa: ANN401
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _plain(value: Any) -> str:  # noqa: ANN401
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)
