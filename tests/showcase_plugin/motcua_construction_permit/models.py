"""The plugin's own table: the permits it issued (its register)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Boolean, Date, Float, Integer, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Dates on a Vietnamese document are Vietnam's (UTC+7, no daylight saving).
VIETNAM = timezone(timedelta(hours=7))


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
    unit_code: Mapped[str] = mapped_column(String(40), index=True)  # the receiving desk
    ward: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    floor_area_m2: Mapped[float] = mapped_column(Float)
    issuing_agency: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(80))
    on_time: Mapped[bool] = mapped_column(Boolean)


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


def issue_permit(session, dossier, actor, *, agency: str, valid_months: int,  # noqa: ANN001
                 now: datetime | None = None) -> Permit:
    """Add the permit of ``dossier`` (a DossierView) with the year's next number."""
    now = now or datetime.now(UTC)
    today = now.astimezone(VIETNAM).date()
    last = session.scalar(select(func.max(Permit.sequence))
                          .where(Permit.year == today.year)) or 0
    data = dossier.specialist_data
    permit = Permit(
        dossier_code=dossier.code, year=today.year, sequence=last + 1,
        number=f"{last + 1:04d}/{today.year}/GPXD", holder_name=dossier.applicant_name,
        unit_code=dossier.unit_code, ward=data.get("ward", ""),
        address=data.get("address", ""), floor_area_m2=float(data.get("floor_area_m2") or 0),
        issuing_agency=agency, issued_on=today,
        valid_until=add_months(today, valid_months), issued_by=actor.username,
        on_time=now <= dossier.due_at)
    session.add(permit)
    session.flush()
    return permit
