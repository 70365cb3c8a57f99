"""Where the tax office is: the plugin's settings (``motcua_sdk.settings``), each read from
``MOTCUA_TAX_INTERCONNECTION_<NAME>`` and checked when the plugin loads.

- ``OFFICES``: which tax office serves which units, as
  ``<unit code prefix>=<tax office agency code>`` pairs separated by ``;``, e.g.
  ``H99.01=T99.01;H99.02=T99.02``. The longest matching prefix of the dossier's receiving
  unit wins. The tax office is then a unit of this system: its officers answer on the
  plugin's screens.
- ``SYSTEM_URL``: otherwise, the tax authority's own system, reached through the
  external adapter (signed HTTP/JSON, see ``openapi.json``), with ``SENDER_ID`` (our
  identity there), ``KEY`` (our Ed25519 private key, a secret) and ``PUBLIC_KEY`` (the
  tax system's public key).
- ``LAND_PROCEDURES``: codes of the land-transaction procedures whose dossiers send a
  cadastral information slip (comma separated).

Before SDK 0.2 the keys were ``MOTCUA_TAX_<NAME>`` (``MOTCUA_TAX_OFFICES`` ...): they
are still read, with a deprecation notice on the plugins page and in the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from motcua_sdk.settings import PluginSettings, Setting

INTERNAL, EXTERNAL = "internal", "external"
# Household business registration and change (the business registration plugin's codes).
BUSINESS_PROCEDURES = ("1.001612", "2.000720")
# Working days the tax office has to answer (Decree 126/2020/NĐ-CP for land notices;
# the same for a household business's tax code in the interconnection rules).
ANSWER_DAYS = {"business": 3, "land": 5}


def _check_offices(value: str) -> None:
    """``prefix=office;...`` with agency codes on both sides."""
    for pair in filter(None, (part.strip() for part in value.split(";"))):
        prefix, sep, office = pair.partition("=")
        if not sep or not _CODE.match(prefix.strip()) or not _CODE.match(office.strip()):
            raise ValueError(f"must be <unit code prefix>=<tax office code> pairs "
                             f"separated by ';' (H99.01=T99.01), not {pair!r}")


def _check_url(value: str) -> None:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http:// or https:// address, not {value!r}")


def _check_codes(value: tuple[str, ...]) -> None:
    for code in value:
        if not _PROCEDURE.match(code):
            raise ValueError(f"must list procedure codes such as 1.000001, not {code!r}")


_CODE = re.compile(r"^[A-Za-z0-9.]{1,40}\Z")
_PROCEDURE = re.compile(r"^[0-9A-Za-z.]{1,20}\Z")


def _old(name: str) -> tuple[str, ...]:
    return (f"MOTCUA_TAX_{name}",)  # the key before SDK 0.2


SETTINGS = PluginSettings("tax_interconnection", [
    Setting("OFFICES", str, default="", validator=_check_offices, old_names=_old("OFFICES"),
            description="Tax offices of this system per unit code prefix "
                        "(H99.01=T99.01;H99.02=T99.02)."),
    Setting("SYSTEM_URL", str, default="", validator=_check_url,
            old_names=_old("SYSTEM_URL"),
            description="The tax authority's system, for units no office above serves."),
    Setting("SENDER_ID", str, default="", old_names=_old("SENDER_ID"),
            description="Our identity at the tax authority's system."),
    Setting("KEY", str, default="", secret=True, old_names=_old("KEY"),
            description="Our Ed25519 private key for that system."),
    Setting("PUBLIC_KEY", str, default="", old_names=_old("PUBLIC_KEY"),
            description="The tax authority's system's public key."),
    Setting("LAND_PROCEDURES", list, default=(), validator=_check_codes,
            old_names=_old("LAND_PROCEDURES"),
            description="Land-transaction procedures whose dossiers send a cadastral "
                        "information slip."),
])


def setting(name: str):  # noqa: ANN201
    """The effective value of this plugin's setting ``name`` (``OFFICES`` ...)."""
    return SETTINGS.get(name)


@dataclass(frozen=True)
class Route:
    """Where a dossier's messages go: a tax office of this system, or the external one."""

    channel: str
    office_code: str


def offices() -> dict[str, str]:
    """``{unit code prefix: tax office code}`` from ``MOTCUA_TAX_OFFICES``."""
    found = {}
    for pair in setting("OFFICES").split(";"):
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
    if setting("SYSTEM_URL"):
        return Route(EXTERNAL, EXTERNAL)
    return None


def land_procedures() -> tuple[str, ...]:
    """Procedure codes whose dossiers carry a cadastral information slip."""
    return setting("LAND_PROCEDURES")
