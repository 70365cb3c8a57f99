"""Between the specialist's HTML form and the specialist data (JSON) of a dossier.

Lines of business are typed one per line as ``CODE`` or ``CODE: goods or services``
(``4711: tạp hóa``); the owner's particulars are flat ``owner_*`` fields. Empty inputs
become absent values, so the schema reports what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from motcua_business_registration import procedures

LINE = re.compile(r"^\s*(\d{4,5})\s*(?:[:\-–]\s*(.*))?$")
OWNER_FIELDS = ("full_name", "citizen_id", "birth_date", "address")


def _value(form: Mapping[str, str], name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def parse_lines(text: str | None) -> list[dict] | None:
    """``"4711: tạp hóa\\n4723"`` → ``[{"vsic": "4711", "detail": "tạp hóa"}, {"vsic":
    "4723"}]``; a line that does not start with a code is kept as an unknown code so the
    schema names it."""
    if not text or not text.strip():
        return None
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        found = LINE.match(raw)
        if found is None:
            lines.append({"vsic": raw.strip()[:20]})
            continue
        line = {"vsic": found.group(1)}
        if found.group(2) and found.group(2).strip():
            line["detail"] = found.group(2).strip()
        lines.append(line)
    return lines


def format_lines(lines: Any) -> str:
    """The textarea text for ``lines`` (the inverse of :func:`parse_lines`)."""
    out = []
    for line in lines or ():
        detail = line.get("detail")
        out.append(f"{line.get('vsic', '')}: {detail}" if detail else str(line.get("vsic", "")))
    return "\n".join(out)


def _owner(form: Mapping[str, str]) -> dict | None:
    owner = {name: _value(form, f"owner_{name}") for name in OWNER_FIELDS}
    if not any(owner.values()):
        return None
    return {name: value for name, value in owner.items()
            if value is not None or name in ("birth_date", "address")}


def _put(data: dict, name: str, value: Any) -> None:
    if value is not None:
        data[name] = value


def form_to_data(procedure_code: str, form: Mapping[str, str]) -> dict:
    """The specialist data a submitted form describes, for ``procedure_code``."""
    data: dict[str, Any] = {}
    if procedure_code in (procedures.REGISTRATION, procedures.CHANGE):
        for name in ("business_name", "address", "capital", "workers"):
            _put(data, name, _value(form, name))
        _put(data, "business_lines", parse_lines(form.get("business_lines")))
        _put(data, "owner", _owner(form))
    if procedure_code != procedures.REGISTRATION:
        _put(data, "registration_number", _value(form, "registration_number"))
        _put(data, "reason", _value(form, "reason"))
    if procedure_code == procedures.SUSPENSION:
        for name in ("action", "start_date", "end_date"):
            _put(data, name, _value(form, name))
    if procedure_code == procedures.TERMINATION:
        _put(data, "termination_date", _value(form, "termination_date"))
    return data


def data_to_form(data: Mapping[str, Any]) -> dict[str, str]:
    """Form values showing ``data`` (a dossier's specialist data)."""
    values = {name: "" if data.get(name) is None else str(data.get(name))
              for name in ("business_name", "address", "capital", "workers",
                           "registration_number", "reason", "action", "start_date",
                           "end_date", "termination_date")}
    values["business_lines"] = format_lines(data.get("business_lines"))
    owner = data.get("owner") or {}
    for name in OWNER_FIELDS:
        values[f"owner_{name}"] = "" if owner.get(name) is None else str(owner.get(name))
    return values
