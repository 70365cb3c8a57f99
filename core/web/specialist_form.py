"""The procedure's specialist-data fields on the desk's intake form.

The fields are the handling plugin's schema as :func:`motcua_sdk.fields.describe` reads
it; an input is named ``specialist_data.<path>`` (``specialist_data.owner.full_name``,
``specialist_data.business_lines.0.vsic``), the path the schema's errors name, so each
error is shown next to its input. The values are checked by the intake's one check of
specialist data, not here: this module only turns the typed text into the JSON the API
would send (numbers with a decimal comma read by :func:`motcua_sdk.numbers.parse_number`).
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from motcua.core.errors import MotcuaError
from motcua.core.models import Procedure
from motcua.core.plugin_manager.dossiers import specialist_schema, validate_specialist_data
from motcua_sdk.fields import FieldInfo, describe
from motcua_sdk.numbers import parse_number

PREFIX = "specialist_data."
# Rows of a list of objects the form offers beyond those already typed.
SPARE_ROWS = 1
MIN_ROWS = 2


def specialist_fields(procedure: Procedure) -> tuple[FieldInfo, ...]:
    """The fields of ``procedure``'s specialist data, or none when no plugin handles it."""
    schema = specialist_schema(procedure.code)
    return describe(schema) if schema is not None else ()


def required_at_desk(procedure: Procedure) -> bool:
    """True when the procedure's schema refuses empty data: the desk must fill it."""
    try:
        validate_specialist_data(procedure.code, {})
    except MotcuaError:
        return True
    return False


def typed_any(form: MultiDict) -> bool:
    """True when the form carries a specialist value (it is shown again)."""
    return any(key.startswith(PREFIX) and (value or "").strip()
               for key, value in form.items(multi=True))


def row_count(form: MultiDict, path: str) -> int:
    """How many rows the form shows for the list of objects at ``path``: those typed,
    plus a spare."""
    pattern = re.compile(re.escape(f"{PREFIX}{path}.") + r"(\d+)\.")
    typed = [int(m.group(1)) + 1 for key in form for m in [pattern.match(key)] if m]
    return max([MIN_ROWS, *[n + SPARE_ROWS for n in typed]])


def read_specialist(form: MultiDict, infos: tuple[FieldInfo, ...]
                    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The specialist data typed into ``form`` and the errors of numbers that could not
    be read (``(specialist_data.<path>, message)``). Blank inputs are left out, so a
    required field is reported missing by the schema."""
    errors: list[tuple[str, str]] = []
    return _read(form, infos, "", errors), errors


def _read(form: MultiDict, infos: tuple[FieldInfo, ...], prefix: str,
          errors: list[tuple[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for info in infos:
        path = f"{prefix}{info.name}"
        value = _value(form, info, path, errors)
        if value is not None:
            data[info.name] = value
    return data


def _value(form: MultiDict, info: FieldInfo, path: str, errors: list) -> Any:  # noqa: ANN401
    name = PREFIX + path
    if info.kind == "object":
        return _read(form, info.children, f"{path}.", errors) or None
    if info.kind == "array" and info.item is not None:
        rows = []
        for index in range(row_count(form, path)):
            row = _read(form, info.item.children, f"{path}.{index}.", errors)
            if row:
                rows.append(row)
        return rows or None
    if info.kind == "array":
        lines = [line.strip() for line in (form.get(name) or "").splitlines()]
        return [line for line in lines if line] or None
    if info.kind == "boolean":
        return form.get(name) == "on"
    text = (form.get(name) or "").strip()
    if not text:
        return None
    if info.kind in ("integer", "number"):
        try:
            return str(parse_number(text))
        except ValueError:
            errors.append((name, _("Enter a number, such as 120,5 or 1.200.000.")))
            return text
    return text
