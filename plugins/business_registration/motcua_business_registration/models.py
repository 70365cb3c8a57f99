"""The household business register (sổ đăng ký hộ kinh doanh), the plugin's own tables.

No foreign key reaches into the core's tables: a register entry names the dossier that
produced it by its code, so the plugin's branch migrates and downgrades on its own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from motcua_sdk.naming import naming_convention

STATUSES = ("active", "suspended", "terminated")
CHANGE_KINDS = ("registered", "changed", "suspended", "resumed", "terminated")


class Base(DeclarativeBase):
    # Names of at most 63 characters (PostgreSQL's limit), the same as the migrations'.
    metadata = MetaData(naming_convention=naming_convention("business_registration"))


class Household(Base):
    """One household business: its current particulars and status.

    ``name_key`` is the folded business name while the household is not terminated
    (NULL afterwards), unique per registering area: the database itself refuses a
    second household with the same name in the district, even under concurrency.
    """

    __tablename__ = "business_registration_households"
    __table_args__ = (UniqueConstraint("area_code", "name_key",
                                       name="uq_business_registration_households_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(12), unique=True)
    area_code: Mapped[str] = mapped_column(String(40), index=True)
    business_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(String(800))
    address: Mapped[str] = mapped_column(String(300))
    business_lines: Mapped[list] = mapped_column(JSON)
    capital: Mapped[int] = mapped_column(BigInteger)
    workers: Mapped[int] = mapped_column(Integer)
    owner_name: Mapped[str] = mapped_column(String(160))
    owner_citizen_id: Mapped[str] = mapped_column(String(12), index=True)
    # Given by the tax office through the tax interconnection (an ``annotated`` signal).
    tax_code: Mapped[str | None] = mapped_column(String(14))
    owner: Mapped[dict] = mapped_column(JSON)
    members: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    suspended_until: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date] = mapped_column(Date, index=True)
    first_dossier_code: Mapped[str] = mapped_column(String(60))
    change_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    history: Mapped[list[HouseholdChange]] = relationship(
        back_populates="household", order_by="HouseholdChange.id")


class HouseholdChange(Base):
    """One result issued for a household (its history): the registration itself, a
    change of particulars, a suspension or resumption, the termination. ``dossier_code``
    is unique: a dossier issues one result."""

    __tablename__ = "business_registration_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("business_registration_households.id",
                   name="fk_business_registration_changes_household"), index=True)
    dossier_code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(80))
    issuer_unit_code: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(JSON)
    snapshot: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    household: Mapped[Household] = relationship(back_populates="history")


class NumberCounter(Base):
    """Each registering area's register: the last sequence used for a registration and
    how many results it issued. Every issuance updates this row first, which makes it
    the area's lock (see :func:`motcua_business_registration.register.lock_area`)."""

    __tablename__ = "business_registration_counters"

    area_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer)
    results_issued: Mapped[int] = mapped_column(Integer)
