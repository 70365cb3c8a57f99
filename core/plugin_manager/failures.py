"""Keeping plugin failures in the database (table ``plugin_failures``).

The manager reports a failure the moment it happens, usually inside a request whose
transaction may still be undone; the failure must not be undone with it, nor wait on the
request's write lock (SQLite has one writer). So failures are gathered per application
context and written when it ends, after the request's session is gone, in a transaction
of their own. Each distinct failure (plugin, hook, message) is one row whose count grows:
an insert-or-add that two workers can run at once without losing or doubling a count.
A failure that cannot be written (database down, table not migrated yet) stays in the
manager's in-memory list and the log.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from motcua.core.models.plugins import PluginFailure

log = logging.getLogger(__name__)
PENDING = "_motcua_plugin_failures"
MESSAGE_LENGTH = 1000


@dataclass(frozen=True)
class StoredFailure:
    """A failure as the admin page shows it: how often, first and last time."""

    plugin: str
    hook: str
    message: str
    count: int
    first_at: datetime
    at: datetime  # the last time


def key_of(plugin: str, hook: str, message: str) -> str:
    """The identity of "the same failure"."""
    return hashlib.sha256("\0".join((plugin, hook, message)).encode()).hexdigest()


def remember(app: Flask, failure) -> None:  # noqa: ANN001 - a manager.HookFailure
    """Keep ``failure`` of ``app``'s plugins: written when the current application
    context ends, or at once when there is none (start-up)."""
    if has_app_context() and current_app._get_current_object() is app:  # noqa: SLF001
        g.setdefault(PENDING, []).append(failure)
        return
    write(app, [failure])


def flush(app: Flask) -> None:
    """Write the failures gathered in the ending application context (teardown)."""
    pending = g.pop(PENDING, None)
    if pending:
        write(app, pending)


def write(app: Flask, failures: list) -> None:
    """Add ``failures`` to the table in one transaction of their own; never raises."""
    database = app.extensions["motcua.db"]
    try:
        with database.write_session() as session:
            for failure in failures:
                _add(session, failure)
    except SQLAlchemyError:
        log.warning("could not keep %d plugin failure(s) in the database; they stay in "
                    "this process's memory", len(failures), exc_info=True)


def _add(session: Session, failure) -> None:  # noqa: ANN001
    message = failure.message[:MESSAGE_LENGTH]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(PluginFailure).values(
        key=key_of(failure.plugin, failure.hook, message), plugin=failure.plugin[:80],
        hook=failure.hook[:120], message=message, count=1, first_at=failure.at,
        last_at=failure.at)
    session.execute(insert.on_conflict_do_update(
        index_elements=[PluginFailure.key],
        set_={"count": PluginFailure.count + insert.excluded.count,
              # Workers may write out of order: the last time only moves forward.
              "last_at": case((insert.excluded.last_at > PluginFailure.last_at,
                               insert.excluded.last_at), else_=PluginFailure.last_at)}))


def recent(session: Session, limit: int = 200) -> list[StoredFailure]:
    """The failures that happened last, newest first."""
    rows = session.scalars(select(PluginFailure).order_by(
        PluginFailure.last_at.desc(), PluginFailure.key).limit(limit))
    return [StoredFailure(plugin=row.plugin, hook=row.hook, message=row.message,
                          count=row.count, first_at=row.first_at, at=row.last_at)
            for row in rows]
