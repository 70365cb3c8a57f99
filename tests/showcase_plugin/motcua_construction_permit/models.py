"""The plugin's own table: the permits it issued (its register)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


class Permit(Base):
    """One issued permit; the number is unique per year."""

    __tablename__ = "construction_permit_permits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(60), unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    holder_name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(200))
    floor_area_m2: Mapped[float] = mapped_column(Float)
    issuing_agency: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(80))


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, kept inside the month (31 Jan + 1 month: 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


def issue_permit(session, dossier, actor, *, agency: str, valid_months: int) -> Permit:  # noqa: ANN001
    """Add the permit of ``dossier`` (a DossierView) with the year's next number."""
    today = date.today()
    last = session.scalar(select(func.max(Permit.sequence))
                          .where(Permit.year == today.year)) or 0
    data = dossier.specialist_data
    permit = Permit(
        dossier_code=dossier.code, year=today.year, sequence=last + 1,
        number=f"{last + 1:04d}/{today.year}/GPXD", holder_name=dossier.applicant_name,
        address=data.get("address", ""), floor_area_m2=float(data.get("floor_area_m2") or 0),
        issuing_agency=agency, issued_on=today,
        valid_until=add_months(today, valid_months), issued_by=actor.username)
    session.add(permit)
    session.flush()
    return permit
