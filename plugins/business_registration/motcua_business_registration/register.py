"""The register's rules: name availability, numbering, and what each procedure's
result does to the register. Everything here works on a SQLAlchemy session and the SDK's
read-only views; nothing commits (the core's transaction does)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua_business_registration import procedures
from motcua_business_registration.models import Household, HouseholdChange, NumberCounter
from motcua_business_registration.numbering import MAX_SEQUENCE, area_code, format_number
from motcua_business_registration.text import fold
from motcua_business_registration.vsic import describe
from motcua_sdk import thaw
from motcua_sdk.errors import Conflict, NotFound, ValidationError
from motcua_sdk.i18n import _

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# A tax code (MST) of 10 or 13 digits, or a 12-digit personal ID number: whatever plugin
# annotates ``tax_code``, nothing else reaches the register.
TAX_CODE = re.compile(r"[0-9]{10}|[0-9]{10}-[0-9]{3}|[0-9]{12}")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in Vietnam (certificates are dated in local time)."""
    return local_date(now())


def local_date(moment: datetime) -> date:
    """The Vietnamese calendar date of ``moment`` (a naive value is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).date()


# --------------------------------------------------------------------------- names


def name_conflict(session: Session, area: str, name: str, *,
                  except_id: int | None = None) -> Household | None:
    """The household of ``area`` (not terminated) already using ``name``, compared
    without diacritics, case or extra spaces; None if the name is free."""
    query = select(Household).where(Household.area_code == area,
                                    Household.name_key == fold(name))
    if except_id is not None:
        query = query.where(Household.id != except_id)
    return session.scalar(query)


def name_taken_message(name: str, holder: Household) -> str:
    return _("The business name “%(name)s” is already registered in this district by "
             "household business %(number)s “%(holder)s” (names are compared without "
             "accents or capitals); choose another name.", name=name,
             number=holder.registration_number, holder=holder.business_name)


def check_name_free(session: Session, area: str, name: str, *,
                    except_id: int | None = None) -> None:
    """Raise ``ValidationError`` (field ``business_name``) if ``name`` is taken."""
    holder = name_conflict(session, area, name, except_id=except_id)
    if holder is not None:
        raise ValidationError(name_taken_message(name, holder), field="business_name")


# --------------------------------------------------------------------------- numbers


def lock_area(session: Session, area: str) -> NumberCounter:
    """Take ``area``'s register for this transaction: its counter row is updated before
    anything is read, so officers of one district issue one at a time (a row lock on
    PostgreSQL; on SQLite the ORM write takes the database's write lock first, as every
    motcua write does) and every check after this sees what was committed before.

    The first result of a district creates the row; if two officers race for that very
    first one, the second is told to issue again (``Conflict``)."""
    counter = session.get(NumberCounter, area, populate_existing=True)
    if counter is None:
        counter = NumberCounter(area_code=area, last_sequence=0, results_issued=1)
        session.add(counter)
    else:
        # An SQL expression, not a value read earlier: evaluated under the lock.
        counter.results_issued = NumberCounter.results_issued + 1
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("Another officer issued the first result of this district at the "
                       "same moment; issue this one again.") from None
    session.refresh(counter)
    return counter


def allocate_sequence(session: Session, counter: NumberCounter) -> int:
    """The next sequence of the (locked, see :func:`lock_area`) register."""
    if counter.last_sequence >= MAX_SEQUENCE:
        raise Conflict(f"The register of {counter.area_code} is full "
                       f"({MAX_SEQUENCE} households).")
    counter.last_sequence += 1
    return counter.last_sequence


# --------------------------------------------------------------------------- issuing


@dataclass(frozen=True)
class Issued:
    """What issuing a dossier's result did to the register."""

    household: Household
    change: HouseholdChange

    @property
    def kind(self) -> str:
        return self.change.kind


def loaded_data(dossier) -> dict:  # noqa: ANN001 - a motcua_sdk DossierView
    """The dossier's specialist data loaded through its procedure's schema; a clear
    ``ValidationError`` when the specialist has not completed it."""
    schema = procedures.STRICT_SCHEMAS[dossier.procedure_code]
    try:
        return schema().load(thaw(dossier.specialist_data))
    except SchemaError as error:
        field, message = _first(error.normalized_messages())
        raise ValidationError(
            f"The specialist data is not complete: {field}: {message} Complete it on the "
            "business registration screen first.", field=f"specialist_data.{field}") from None


def _first(messages: Any, prefix: str = "") -> tuple[str, str]:
    if isinstance(messages, dict) and messages:
        key, value = next(iter(messages.items()))
        return _first(value, f"{prefix}.{key}" if prefix else str(key))
    if isinstance(messages, list) and messages:
        return _first(messages[0], prefix)
    return prefix or "specialist_data", str(messages)


def particulars(household: Household) -> dict[str, Any]:
    """The household's registered particulars (what a certificate prints)."""
    return {
        "registration_number": household.registration_number,
        "business_name": household.business_name,
        "address": household.address,
        "business_lines": [dict(line) for line in household.business_lines],
        "capital": household.capital,
        "workers": household.workers,
        "owner": dict(household.owner),
        "members": [dict(member) for member in household.members],
        "status": household.status,
        "suspended_until": household.suspended_until.isoformat()
        if household.suspended_until else None,
        "registered_on": household.registered_on.isoformat(),
        "change_count": household.change_count,
    }


def _lines(lines: list[dict]) -> list[dict]:
    return [{"vsic": line["vsic"], "title": describe(line["vsic"]),
             "detail": line.get("detail")} for line in lines]


def _owner(owner: dict) -> dict:
    return {"full_name": owner["full_name"], "citizen_id": owner["citizen_id"],
            "birth_date": owner["birth_date"].isoformat() if owner.get("birth_date") else None,
            "address": owner.get("address")}


def _search_text(household: Household) -> str:
    return fold(" ".join([household.registration_number, household.business_name,
                          household.owner_name, household.address]))[:800]


def issue(session: Session, dossier, actor) -> Issued:  # noqa: ANN001 - SDK views
    """Record the result of ``dossier`` in the register and return it. Issuing twice
    for the same dossier returns the first result."""
    spec = procedures.BY_CODE.get(dossier.procedure_code)
    if spec is None:
        raise ValidationError(f"Procedure {dossier.procedure_code} is not a household "
                              "business procedure.")
    existing = session.scalar(select(HouseholdChange)
                              .where(HouseholdChange.dossier_code == dossier.code))
    if existing is not None:
        return Issued(existing.household, existing)
    data = loaded_data(dossier)
    area = area_code(dossier.unit_code)
    handler = {procedures.REGISTRATION: _register, procedures.CHANGE: _change,
               procedures.SUSPENSION: _suspend_or_resume,
               procedures.TERMINATION: _terminate}[dossier.procedure_code]
    counter = lock_area(session, area)
    household, kind, changes, effective = handler(session, area, data, counter)
    if kind == "registered":
        household.first_dossier_code = dossier.code
    household.updated_at = now()
    household.search_text = _search_text(household)
    change = HouseholdChange(
        household=household, dossier_code=dossier.code,
        procedure_code=dossier.procedure_code, kind=kind, at=now(),
        effective_on=effective, issued_by=actor.username,
        issuer_unit_code=actor.unit_code, changes=changes,
        snapshot=particulars(household), note=data.get("reason"))
    session.add(change)
    try:
        session.flush()
    except IntegrityError:
        # Only reachable past the area lock through another district's dossier code
        # clash or a database edited by hand; the core rolls the transaction back.
        raise Conflict("The register was changed by someone else at the same time; "
                       "issue the result again.") from None
    return Issued(household, change)


def _register(session: Session, area: str, data: dict, counter: NumberCounter):  # noqa: ANN202
    check_name_free(session, area, data["business_name"])
    number = format_number(area, allocate_sequence(session, counter))
    owner = _owner(data["owner"])
    household = Household(
        registration_number=number, area_code=area, business_name=data["business_name"],
        name_key=fold(data["business_name"]), address=data["address"],
        business_lines=_lines(data["business_lines"]), capital=data["capital"],
        workers=data["workers"], owner_name=owner["full_name"],
        owner_citizen_id=owner["citizen_id"], owner=owner,
        members=[_owner(member) for member in data.get("members") or []],
        status="active", registered_on=today(), first_dossier_code="", change_count=0,
        search_text="")
    session.add(household)
    return household, "registered", {}, today()


def find_household(session: Session, area: str, number: str) -> Household:
    """The household with registration ``number`` registered in ``area``."""
    household = session.scalar(select(Household)
                               .where(Household.registration_number == number))
    if household is None:
        raise NotFound(f"No household business is registered under number {number}.",
                       field="registration_number")
    if household.area_code != area:
        raise ValidationError(f"Household business {number} is registered in another "
                              "district; file the dossier there.", field="registration_number")
    return household


def _change(session: Session, area: str, data: dict, _counter: NumberCounter):  # noqa: ANN202, E501
    household = find_household(session, area, data["registration_number"])
    if household.status == "terminated":
        raise ValidationError(f"Household business {household.registration_number} has "
                              "terminated; its registration cannot change.",
                              field="registration_number")
    before = particulars(household)
    if data.get("business_name") is not None:
        check_name_free(session, area, data["business_name"], except_id=household.id)
        household.business_name = data["business_name"]
        household.name_key = fold(data["business_name"])
    if data.get("address") is not None:
        household.address = data["address"]
    if data.get("business_lines") is not None:
        household.business_lines = _lines(data["business_lines"])
    if data.get("capital") is not None:
        household.capital = data["capital"]
    if data.get("workers") is not None:
        household.workers = data["workers"]
    if data.get("owner") is not None:
        owner = _owner(data["owner"])
        household.owner, household.owner_name = owner, owner["full_name"]
        household.owner_citizen_id = owner["citizen_id"]
    after = particulars(household)
    changes = {key: [before[key], after[key]] for key in after
               if before[key] != after[key] and key != "change_count"}
    if not changes:
        raise ValidationError("The new values are the same as the registered ones; "
                              "nothing would change.", field="business_name")
    household.change_count += 1
    return household, "changed", changes, today()


def _suspend_or_resume(session: Session, area: str, data: dict, _counter: NumberCounter):  # noqa: ANN202, E501
    household = find_household(session, area, data["registration_number"])
    if data["action"] == "suspend":
        if household.status != "active":
            raise ValidationError(f"Household business {household.registration_number} is "
                                  f"{household.status}; only an active one can suspend.",
                                  field="registration_number")
        household.status, household.suspended_until = "suspended", data["end_date"]
        return household, "suspended", {"status": ["active", "suspended"],
                                        "suspended_until": [None,
                                                            data["end_date"].isoformat()]
                                        }, data["start_date"]
    if household.status != "suspended":
        raise ValidationError(f"Household business {household.registration_number} is "
                              f"{household.status}, not suspended; nothing to resume.",
                              field="registration_number")
    until = household.suspended_until.isoformat() if household.suspended_until else None
    household.status, household.suspended_until = "active", None
    return household, "resumed", {"status": ["suspended", "active"],
                                  "suspended_until": [until, None]}, data["start_date"]


def _terminate(session: Session, area: str, data: dict, _counter: NumberCounter):  # noqa: ANN202, E501
    household = find_household(session, area, data["registration_number"])
    if household.status == "terminated":
        raise ValidationError(f"Household business {household.registration_number} has "
                              "already terminated.", field="registration_number")
    old = household.status
    household.status, household.suspended_until = "terminated", None
    household.name_key = None  # the name becomes free again in the district
    return household, "terminated", {"status": [old, "terminated"]}, data["termination_date"]


def record_tax_code(session: Session, dossier, tax_code: str) -> Household | None:  # noqa: ANN001
    """Write the tax code the tax office returned for the household ``dossier`` (a
    DossierView with an issued result) concerns; None if it concerns none or
    ``tax_code`` is not a tax code."""
    number = (dossier.result or {}).get("registration_number") or \
        dossier.specialist_data.get("registration_number")
    if not number or not TAX_CODE.fullmatch(tax_code):
        return None
    household = session.scalar(select(Household).where(Household.registration_number == number))
    if household is not None:
        household.tax_code = tax_code
        household.updated_at = now()
    return household
