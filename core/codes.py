"""Dossier codes: ``<agency code>-<YYMMDD>-<sequence>`` per receiving unit and day.

The sequence comes from one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on
the counter row, which SQLite (3.35+) and PostgreSQL both execute as a single locked
step, so concurrent intakes never see the same number.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from motcua.core.models import DossierCodeCounter, Unit

CODE_PATTERN = re.compile(r"^(?P<agency>[A-Z0-9.]{1,40})-(?P<day>\d{6})-(?P<seq>\d{4,6})$")
AGENCY_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.]{0,39}$")


def format_code(agency_code: str, day: date, sequence: int) -> str:
    """``H72.01.01-260309-0001``: agency code, Vietnam-local day, at least four digits."""
    return f"{agency_code}-{day:%y%m%d}-{sequence:04d}"


def is_valid_code(code: str) -> bool:
    """True if ``code`` has the dossier code's shape (it may still not exist)."""
    return bool(CODE_PATTERN.match(code))


def next_sequence(session: Session, unit_id: int, day: date) -> int:
    """Reserve and return the next sequence number for ``unit_id`` on ``day``.

    The increment belongs to the caller's transaction: if the intake rolls back, so does
    the number, and the day's sequence stays gap-free.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(DossierCodeCounter)
        .values(unit_id=unit_id, day=day, last_sequence=1)
        .on_conflict_do_update(
            index_elements=["unit_id", "day"],
            set_={"last_sequence": DossierCodeCounter.last_sequence + 1},
        )
        .returning(DossierCodeCounter.last_sequence)
    )
    return session.execute(statement).scalar_one()


def allocate_code(session: Session, unit: Unit, day: date) -> str:
    """A new, unique dossier code for a dossier received at ``unit`` on ``day``; refused
    (:class:`Conflict`) on a restored node that has not asked the hub yet, whose counters
    may be behind codes the hub holds."""
    from motcua.core.sync.restore import require_no_restore_hold

    require_no_restore_hold(session)
    return format_code(unit.code, day, next_sequence(session, unit.id, day))


def last_sequence(session: Session, unit_id: int, day: date) -> int:
    """The last sequence handed out for ``unit_id`` on ``day`` (0 if none yet)."""
    return session.scalar(
        select(DossierCodeCounter.last_sequence).where(
            DossierCodeCounter.unit_id == unit_id, DossierCodeCounter.day == day
        )
    ) or 0
