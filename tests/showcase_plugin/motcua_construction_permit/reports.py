"""The plugin's report: permits issued per ward, with typed columns.

``build(session, start, end, unit_code)`` reads the plugin's own register only;
``unit_code`` keeps the permits received at that unit or beneath it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_construction_permit.models import Permit
from motcua_construction_permit.text import _l
from motcua_sdk import Report, ReportColumn


def permits_by_ward(session: Session, start: date | None = None, end: date | None = None,
                    unit_code: str | None = None) -> list[dict]:
    """One row per ward: permits, total floor area, share issued on time, last issue."""
    query = select(Permit)
    if start is not None:
        query = query.where(Permit.issued_on >= start)
    if end is not None:
        query = query.where(Permit.issued_on <= end)
    wards: dict[str, list[Permit]] = {}
    for permit in session.scalars(query.order_by(Permit.id)):
        if unit_code is None or permit.unit_code == unit_code or permit.unit_code.startswith(
                unit_code + "."):
            wards.setdefault(permit.ward, []).append(permit)
    return [{"ward": ward, "permits": len(permits),
             "floor_area": round(sum(p.floor_area_m2 for p in permits), 1),
             "on_time": sum(p.on_time for p in permits) / len(permits),
             "last_issued": max(p.issued_on for p in permits)}
            # Sorted here: the databases' collations order Vietnamese differently.
            for ward, permits in sorted(wards.items())]


REPORTS = [Report(
    name="permits_by_ward", title=_l("Construction permits by ward"),
    columns=(ReportColumn("ward", _l("Ward")),
             ReportColumn("permits", _l("Permits issued"), "number"),
             ReportColumn("floor_area", _l("Total floor area (m²)"), "number", decimals=1),
             ReportColumn("on_time", _l("Issued on time"), "percent"),
             ReportColumn("last_issued", _l("Last issued on"), "date")),
    build=permits_by_ward)]
