"""Report figures kept as dossier events happen (see :mod:`motcua.core.reports.tally`).

Each row holds counts for one receiving unit, one procedure and one span of days: a day
(``grain = "d"``) or a calendar month (``grain = "m"``, ``day`` its first day). Every
change is added to both, so a period reads whole months from month rows and only its
partial months from day rows. Days are Vietnam calendar days, the unit of every period.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.core.models.base import Base

GRAINS = ("d", "m")
# ``previous_day`` of a dossier's first request for supplement (no earlier one): a day
# before any period, so the column can be part of the key (NULLs never conflict).
NO_PREVIOUS_DAY = date(1, 1, 1)


def _count() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class ReportFigures(Base):
    """Dossiers received, finished (by outcome) and overdue-while-open, counted on the
    day (or month) each happened.

    - ``received_online`` / ``received_in_person``: on the day received;
    - ``closed``: every finished dossier, on the day it finished (received minus closed,
      summed up to a day, is what was open then);
    - ``early`` / ``on_time`` / ``late`` (resolved), ``refused``, ``withdrawn``: on the day
      finished;
    - ``overdue_from`` / ``overdue_until``: a finished dossier that was open and past its
      deadline on some day boundary, counted on the day it became so (the later of the
      days received and due) and on the day it finished: summed up to a day, their
      difference is how many finished-later dossiers were overdue then.
    """

    __tablename__ = "report_figures"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), primary_key=True)
    received_online: Mapped[int] = _count()
    received_in_person: Mapped[int] = _count()
    closed: Mapped[int] = _count()
    early: Mapped[int] = _count()
    on_time: Mapped[int] = _count()
    late: Mapped[int] = _count()
    refused: Mapped[int] = _count()
    withdrawn: Mapped[int] = _count()
    overdue_from: Mapped[int] = _count()
    overdue_until: Mapped[int] = _count()


class ReportSupplements(Base):
    """Requests for supplement, on the day made, by the day of the dossier's previous
    request (:data:`NO_PREVIOUS_DAY` for its first): a period counts a dossier once, by
    its requests in the period whose previous request came before the period."""

    __tablename__ = "report_supplements"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    previous_day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), primary_key=True)
    requests: Mapped[int] = _count()


REPORT_COUNTS = tuple(c.name for c in ReportFigures.__table__.columns if not c.primary_key)
