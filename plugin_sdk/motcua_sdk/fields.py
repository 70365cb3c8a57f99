"""Describing specialist-data fields for the reception desk, the API and the search.

A procedure's schema is a marshmallow ``Schema``; each field may carry JSON-Schema-like
metadata made with :func:`meta`::

    business_name = fields.String(required=True, metadata=meta(
        "Business name", widget="text", public=True, index="text"))

- ``title`` and ``description``: the label and the hint the desk shows (English texts,
  translated through the catalogues like every plugin text);
- ``widget``: how the desk asks for it (:data:`WIDGETS`; chosen from the field's type when
  not given: ``number`` for Integer/Float/Decimal, ``date`` for Date, ``select`` when the
  field has options or a ``OneOf`` validator, ``checkbox`` for Boolean, else ``text``);
- ``options``: ``[(value, label), ...]`` of a ``select`` (a ``OneOf`` validator's choices
  otherwise);
- ``public``: the citizen lookup may show it (and the API marks it public); fields are
  private unless marked;
- ``index``: the search box finds dossiers by it: ``"code"`` matches the whole value
  exactly (case and spaces ignored; a permit or tax code), ``"text"`` matches words,
  diacritics and case ignored (a name).

The core reads the schema with :func:`describe`; validation stays the schema's own
``load``, the one check the desk, the API and the plugin's screens share.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, validate
from marshmallow import fields as mf

WIDGETS = ("text", "textarea", "number", "date", "select", "checkbox")
INDEX_KINDS = ("text", "code")


def meta(title: str, *, description: str | None = None, widget: str | None = None,
         options: list[tuple[Any, str]] | None = None, public: bool = False,
         index: str | None = None) -> dict[str, Any]:
    """The ``metadata=`` of a marshmallow field: its title, hint, widget, options, public
    marking and search index (see the module doc). Raises ``ValueError`` on an unknown
    widget or index kind, so a typo fails when the plugin is imported."""
    if widget is not None and widget not in WIDGETS:
        raise ValueError(f"widget must be one of {', '.join(WIDGETS)}, not {widget!r}")
    if index is not None and index not in INDEX_KINDS:
        raise ValueError(f"index must be one of {', '.join(INDEX_KINDS)}, not {index!r}")
    data: dict[str, Any] = {"title": title, "public": public}
    if description is not None:
        data["description"] = description
    if widget is not None:
        data["widget"] = widget
    if options is not None:
        data["options"] = [(value, label) for value, label in options]
    if index is not None:
        data["index"] = index
    return data


@dataclass(frozen=True)
class FieldInfo:
    """One field as the desk renders it. ``path`` is dotted from the schema's top
    (``owner.full_name``); ``kind`` a JSON-Schema type (``string``, ``integer``,
    ``number``, ``boolean``, ``date``, ``object``, ``array``); an ``object`` has
    ``children``, an ``array`` of objects its ``item`` (whose paths are relative)."""

    name: str
    path: str
    kind: str
    title: str
    widget: str
    required: bool = False
    description: str | None = None
    options: tuple[tuple[Any, str], ...] = ()
    public: bool = False
    index: str | None = None
    children: tuple[FieldInfo, ...] = ()
    item: FieldInfo | None = None


def _kind(field: mf.Field) -> str:
    if isinstance(field, mf.Nested):
        return "array" if field.many else "object"
    if isinstance(field, mf.List):
        return "array"
    if isinstance(field, mf.Boolean):
        return "boolean"
    if isinstance(field, mf.Integer):
        return "integer"
    if isinstance(field, mf.Number):
        return "number"
    if isinstance(field, mf.Date) and not isinstance(field, mf.DateTime):
        return "date"
    return "string"


def _options(field: mf.Field, metadata: Mapping[str, Any]) -> tuple[tuple[Any, str], ...]:
    if metadata.get("options"):
        return tuple((value, str(label)) for value, label in metadata["options"])
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return tuple((value, str(label)) for value, label in validator.options())
    return ()


_DEFAULT_WIDGETS = {"integer": "number", "number": "number", "date": "date",
                    "boolean": "checkbox"}


def _schema_of(field: mf.Field) -> Schema | None:
    if isinstance(field, mf.Nested):
        return field.schema
    if isinstance(field, mf.List) and isinstance(field.inner, mf.Nested):
        return field.inner.schema
    return None


def _info(name: str, field: mf.Field, prefix: str) -> FieldInfo:
    metadata = field.metadata or {}
    path = f"{prefix}{name}"
    kind = _kind(field)
    options = _options(field, metadata)
    widget = metadata.get("widget") or ("select" if options else
                                        _DEFAULT_WIDGETS.get(kind, "text"))
    children: tuple[FieldInfo, ...] = ()
    item = None
    nested = _schema_of(field)
    if nested is not None and kind == "object":
        children = describe(nested, prefix=f"{path}.")
    elif nested is not None:
        item = FieldInfo(name=name, path="", kind="object", title=str(
            metadata.get("title") or name), widget="text", children=describe(nested))
    return FieldInfo(
        name=name, path=path, kind=kind, title=str(metadata.get("title") or name),
        widget=widget, required=bool(field.required), options=options,
        description=metadata.get("description"), public=bool(metadata.get("public")),
        index=metadata.get("index"), children=children, item=item)


def describe(schema: Schema | type[Schema], *, prefix: str = "") -> tuple[FieldInfo, ...]:
    """The loadable fields of ``schema`` (a class or an instance), in declaration order,
    with their metadata (see :func:`meta`)."""
    instance = schema() if isinstance(schema, type) else schema
    return tuple(_info(field.data_key or name, field, prefix)
                 for name, field in instance.load_fields.items())


def public_values(schema: Schema | type[Schema], data: Mapping[str, Any]) -> dict[str, str]:
    """``{title: value}`` of the top-level fields marked ``public`` that ``data`` fills
    (the citizen lookup's share of the specialist data)."""
    shown = {}
    for info in describe(schema):
        value = data.get(info.name) if data else None
        if info.public and value not in (None, "", [], {}):
            shown[info.title] = str(value)
    return shown


def index_values(schema: Schema | type[Schema],
                 data: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(path, index kind, value)`` of each field marked ``index`` that ``data`` fills,
    nested objects and lists of objects included (a list gives one value per item)."""
    yield from _indexed(describe(schema), data or {}, "")


def _indexed(infos: tuple[FieldInfo, ...], data: Any,
             prefix: str) -> Iterator[tuple[str, str, str]]:
    if not isinstance(data, Mapping):
        return
    for info in infos:
        value = data.get(info.name)
        if value in (None, ""):
            continue
        path = f"{prefix}{info.name}"
        if info.children:
            yield from _indexed(info.children, value, f"{path}.")
        elif info.item is not None and isinstance(value, list | tuple):
            for element in value:
                yield from _indexed(info.item.children, element, f"{path}.")
        elif info.index and not isinstance(value, Mapping | list | tuple):
            yield path, info.index, str(value)
