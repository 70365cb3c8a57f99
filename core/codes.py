"""Dossier codes: ``<agency code>-<YYMMDD>-<sequence>`` per receiving unit and day.

The sequence comes from one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on
the counter row, which SQLite (3.35+) and PostgreSQL both execute as a single locked
step, so concurrent intakes never see the same number.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from unidecode import unidecode

from motcua.core.models import DossierCodeCounter, Unit

CODE_PATTERN = re.compile(
    r"^(?P<agency>[A-Z0-9.]{1,40})-(?P<day>[0-9]{6})-(?P<seq>[0-9]{4,6})\Z")
AGENCY_CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.]{0,39}\Z")
# A code as citizens copy it off the receipt: the three groups apart by spaces, dots or
# dashes in any mix ("H80.01 261207 0012", "H80.01.261207.0012", "H80.01 - 261207 - 0012").
# The agency group is matched as short as possible, so its own dots stay inside it.
SPACED_CODE_PATTERN = re.compile(
    r"^(?P<agency>[A-Z0-9][A-Z0-9.]{0,39}?)[\s.\-]+(?P<day>[0-9]{6})[\s.\-]+(?P<seq>[0-9]{4,6})\Z")
# Dashes of phone and word-processor keyboards, and the underscore some scanners send.
DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212_", "-"))
ECHO_LENGTH = 30  # characters of a refused input said back to the citizen


def format_code(agency_code: str, day: date, sequence: int) -> str:
    """``H72.01.01-260309-0001``: agency code, Vietnam-local day, at least four digits."""
    return f"{agency_code}-{day:%y%m%d}-{sequence:04d}"


def is_valid_code(code: str) -> bool:
    """True if ``code`` has the dossier code's shape (it may still not exist)."""
    return bool(CODE_PATTERN.match(code))


def normalize_code(raw: str | None) -> str:
    """The canonical dossier code in what a person, a phone or a scanner typed.

    The one normaliser of typed codes (website, kiosk, JSON API, SMS): full-width and
    compatibility characters become ASCII (NFKC), letters are upper-cased, every kind of
    dash is a hyphen, control characters go. Spaces inside a group are dropped
    (``H72.01.01 - 261122 - 0001``); groups kept apart by spaces or dots
    (``H80.01 261207 0012``) are joined with hyphens. The result may still be invalid.
    """
    if not raw:
        return ""
    text = unicodedata.normalize("NFKC", raw).upper().translate(DASHES)
    text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    compact = "".join(text.split())
    if is_valid_code(compact):
        return compact
    spaced = SPACED_CODE_PATTERN.match(text.strip())
    if spaced:
        return "-".join(spaced.group("agency", "day", "seq"))
    return compact


def echo(raw: str | None) -> str:
    """A refused input as it may be said back: short, plain ASCII letters, digits, dots,
    dashes and single spaces (nothing a page, a kiosk or an SMS could misread)."""
    text = unidecode(unicodedata.normalize("NFKC", raw or "").translate(DASHES)).upper()
    text = " ".join("".join(ch if ch.isalnum() or ch in ".-" else " " for ch in text).split())
    return text if len(text) <= ECHO_LENGTH else text[:ECHO_LENGTH - 3].rstrip() + "..."


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
