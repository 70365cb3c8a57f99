"""The per-dossier limit on second-factor guesses, shared by every process.

The per-address limit (``lookup.ratelimit``) alone let many addresses together guess a
dossier's last four phone digits, and counted a failure only after answering, so
simultaneous requests were all evaluated. Here each attempt takes one of the dossier's
``LOOKUP_FACTOR_DOSSIER_FAILURES`` attempts (env ``MOTCUA_LOOKUP_FACTOR_DOSSIER_FAILURES``,
default 5) *before* the digits are compared, in one ``UPDATE ... RETURNING`` (atomic on
SQLite and PostgreSQL, across processes); a right answer gives its attempt back. The
window opens at the first wrong guess and lasts ``LOOKUP_FACTOR_DOSSIER_LOCK_MINUTES``
(env ``MOTCUA_LOOKUP_FACTOR_DOSSIER_LOCK_MINUTES``, default 15): once the attempts are
spent the second factor is locked until it ends, whatever the address.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import case, literal, update
from sqlalchemy.orm import Session

from motcua.core.models import LookupFactorGuard
from motcua.core.models.base import UTCDateTime
from motcua.core.timeutil import now

DEFAULT_FAILURES = 5
DEFAULT_LOCK_MINUTES = 15


def _setting(key: str, default: int) -> int:
    value = current_app.config.get(key) if has_app_context() else None
    return int(value) if value else default


def max_failures() -> int:
    return _setting("LOOKUP_FACTOR_DOSSIER_FAILURES", DEFAULT_FAILURES)


def lock_minutes() -> int:
    return _setting("LOOKUP_FACTOR_DOSSIER_LOCK_MINUTES", DEFAULT_LOCK_MINUTES)


def _insert_missing(connection, code: str, moment) -> None:  # noqa: ANN001
    """The code's row, made if missing with a window that has ended at ``moment`` (both
    dialects know ON CONFLICT DO NOTHING)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(LookupFactorGuard).values(
        code=code, failures=0, window_ends_at=moment).on_conflict_do_nothing()
    connection.execute(statement)


def reserve(session: Session, code: str) -> bool:
    """Take one second-factor attempt at ``code``; False when they are spent (locked).

    On a connection of its own, committed at once: the count must be seen by every other
    request and process before this one compares the digits."""
    moment = now()
    expired = LookupFactorGuard.window_ends_at <= moment
    with session.get_bind().begin() as connection:
        _insert_missing(connection, code, moment)
        failures = connection.execute(
            update(LookupFactorGuard)
            .where(LookupFactorGuard.code == code)
            .values(
                failures=case((expired, 1), else_=LookupFactorGuard.failures + 1),
                window_ends_at=case(
                    (expired, literal(moment + timedelta(minutes=lock_minutes()),
                                      UTCDateTime())),
                    else_=LookupFactorGuard.window_ends_at),
            )
            .returning(LookupFactorGuard.failures)
        ).scalar_one()
    return failures <= max_failures()


def give_back(session: Session, code: str) -> None:
    """The attempt taken for ``code`` was right: it does not count as a failure."""
    with session.get_bind().begin() as connection:
        connection.execute(
            update(LookupFactorGuard)
            .where(LookupFactorGuard.code == code, LookupFactorGuard.failures > 0)
            .values(failures=LookupFactorGuard.failures - 1))
