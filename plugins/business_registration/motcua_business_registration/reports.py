"""The plugin's reports: ``build(session, start, end, unit_code)`` returns rows.

``start``/``end`` are dates (inclusive, either may be None); ``unit_code`` limits the
rows to the registering areas at or under that unit (a province code covers its
districts), None means everywhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_business_registration.models import CHANGE_KINDS, Household, HouseholdChange
from motcua_business_registration.vsic import describe


def _in_unit(area: str, unit_code: str | None) -> bool:
    return unit_code is None or area == unit_code or area.startswith(unit_code + ".")


def by_month(session: Session, start: date | None = None, end: date | None = None,
             unit_code: str | None = None) -> list[dict]:
    """Results issued per month (YYYY-MM) and kind, by effective date."""
    query = select(HouseholdChange.effective_on, HouseholdChange.kind, Household.area_code
                   ).join(Household, HouseholdChange.household_id == Household.id)
    if start is not None:
        query = query.where(HouseholdChange.effective_on >= start)
    if end is not None:
        query = query.where(HouseholdChange.effective_on <= end)
    months: dict[str, Counter] = defaultdict(Counter)
    for effective_on, kind, area in session.execute(query):
        if _in_unit(area, unit_code):
            months[effective_on.strftime("%Y-%m")][kind] += 1
    return [{"month": month, **{kind: counts[kind] for kind in CHANGE_KINDS}}
            for month, counts in sorted(months.items())]


def by_line_of_business(session: Session, start: date | None = None,
                        end: date | None = None, unit_code: str | None = None
                        ) -> list[dict]:
    """Households per VSIC code and current status (registered within the dates)."""
    query = select(Household)
    if start is not None:
        query = query.where(Household.registered_on >= start)
    if end is not None:
        query = query.where(Household.registered_on <= end)
    lines: dict[str, Counter] = defaultdict(Counter)
    for household in session.scalars(query):
        if not _in_unit(household.area_code, unit_code):
            continue
        for line in household.business_lines:
            lines[line["vsic"]][household.status] += 1
    return [{"vsic": code, "title": describe(code), "active": counts["active"],
             "suspended": counts["suspended"], "terminated": counts["terminated"]}
            for code, counts in sorted(lines.items())]
