"""What the province's hub receives of a dossier (the plugin's sync payload): the whole
case, so the hub's copy is complete, but never a personal identifier (the core keeps
citizen IDs off the hub too)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from motcua_business_registration.models import Household, HouseholdChange

# Keys never sent, at any depth: the owner's and members' citizen IDs.
PERSONAL = ("citizen_id",)
# The register's own numbering: meaningless outside this node's database.
INTERNAL = {"id", "household_id"}


def without_identifiers(value: Any) -> Any:
    """``value`` (JSON-like) with every key naming a personal identifier left out, and
    dates as ISO text."""
    if isinstance(value, Mapping):  # also the SDK's frozen views
        return {key: without_identifiers(item) for key, item in value.items()
                if not any(marker in str(key) for marker in PERSONAL)}
    if isinstance(value, list | tuple):
        return [without_identifiers(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(row: Household | HouseholdChange | None) -> dict | None:
    if row is None:
        return None
    return without_identifiers({column.key: getattr(row, column.key)
                                for column in inspect(type(row)).column_attrs
                                if column.key not in INTERNAL})


def hub_record(session: Session, dossier) -> dict:  # noqa: ANN001 - a DossierView
    """The dossier's specialist data, the register's entry it changed (its history line)
    and the household it registered, read afresh at each sync."""
    change = session.scalar(select(HouseholdChange).where(
        HouseholdChange.dossier_code == dossier.code))
    household = change.household if change is not None else session.scalar(
        select(Household).where(Household.first_dossier_code == dossier.code))
    return {"specialist_data": without_identifiers(dossier.specialist_data),
            "change": _columns(change), "household": _columns(household)}
