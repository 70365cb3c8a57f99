"""Where the tax office is, read from the application's configuration (or environment).

- ``MOTCUA_TAX_OFFICES``: which tax office serves which units, as
  ``<unit code prefix>=<tax office agency code>`` pairs separated by ``;``, e.g.
  ``H99.01=T99.01;H99.02=T99.02``. The longest matching prefix of the dossier's receiving
  unit wins. The tax office is then a unit of this system: its officers answer on the
  plugin's screens.
- ``MOTCUA_TAX_SYSTEM_URL``: otherwise, the tax authority's own system, reached through
  the external adapter (signed HTTP/JSON, see ``openapi.json``), with
  ``MOTCUA_TAX_SENDER_ID`` (our identity there), ``MOTCUA_TAX_KEY`` (our Ed25519 private
  key) and ``MOTCUA_TAX_PUBLIC_KEY`` (the tax system's public key).
- ``MOTCUA_TAX_LAND_PROCEDURES``: codes of the land-transaction procedures whose
  dossiers send a cadastral information slip (comma separated).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app, has_app_context

INTERNAL, EXTERNAL = "internal", "external"
# Household business registration and change (the business registration plugin's codes).
BUSINESS_PROCEDURES = ("1.001612", "2.000720")
# Working days the tax office has to answer (Decree 126/2020/NĐ-CP for land notices;
# the same for a household business's tax code in the interconnection rules).
ANSWER_DAYS = {"business": 3, "land": 5}


def setting(name: str) -> str:
    """A setting from the application's config, else from the environment."""
    if has_app_context() and current_app.config.get(name) is not None:
        return str(current_app.config[name]).strip()
    return os.environ.get(name, "").strip()


@dataclass(frozen=True)
class Route:
    """Where a dossier's messages go: a tax office of this system, or the external one."""

    channel: str
    office_code: str


def offices() -> dict[str, str]:
    """``{unit code prefix: tax office code}`` from ``MOTCUA_TAX_OFFICES``."""
    found = {}
    for pair in setting("MOTCUA_TAX_OFFICES").split(";"):
        prefix, _, office = pair.partition("=")
        if prefix.strip() and office.strip():
            found[prefix.strip().upper()] = office.strip().upper()
    return found


def route_for(unit_code: str) -> Route | None:
    """The route of messages about dossiers received at ``unit_code`` (None: nowhere)."""
    unit_code = unit_code.upper()
    matches = [prefix for prefix in offices()
               if unit_code == prefix or unit_code.startswith(prefix + ".")]
    if matches:
        return Route(INTERNAL, offices()[max(matches, key=len)])
    if setting("MOTCUA_TAX_SYSTEM_URL"):
        return Route(EXTERNAL, EXTERNAL)
    return None


def land_procedures() -> tuple[str, ...]:
    """Procedure codes whose dossiers carry a cadastral information slip."""
    return tuple(code.strip() for code in setting("MOTCUA_TAX_LAND_PROCEDURES").split(",")
                 if code.strip())
