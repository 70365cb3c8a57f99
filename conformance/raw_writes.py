"""Writes to core tables the plugin sends on the platform's own database connections
below SQLAlchemy (``session.connection().connection.driver_connection``, then its
cursor), which the isolation check's watcher at SQLAlchemy's cursor events never sees.

Each of the instance's DBAPI connections reports its statements as they run: SQLite's
trace callback, a psycopg cursor class of our own on PostgreSQL. A write to a core
table is the plugin's when its own frame sent it with no SQLAlchemy frame in between
(SQLAlchemy's statements are the isolation check's subject); it becomes a finding of
the runtime check.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack

from sqlalchemy import event
from sqlalchemy.engine import Engine

from motcua.conformance.audit import Watch
from motcua.conformance.watch import WRITE
from motcua.core.models import Base

SQLALCHEMY = "sqlalchemy"
WATCHED = "_motcua_conformance_watched"


def watch_raw_writes(watch: Watch, engine: Engine, stack: ExitStack) -> None:
    """Report to ``watch`` every write to a core table the plugin sends itself on a
    connection of ``engine`` (until ``stack`` closes)."""
    core = set(Base.metadata.tables)

    def seen(statement: object, frame) -> None:  # noqa: ANN001 - the sender's frame
        if isinstance(statement, bytes):
            statement = statement.decode("utf-8", "replace")
        if not isinstance(statement, str):
            return
        match = WRITE.match(statement)
        if not match or match.group(2).lower() not in core:
            return
        probe = frame
        while probe is not None and not watch.is_plugin(probe.f_code.co_filename):
            if SQLALCHEMY in probe.f_code.co_filename:
                return  # through SQLAlchemy: the isolation check watches those
            probe = probe.f_back
        owner = watch.owner(frame)
        if owner is not None:
            watch.record("writes a core table below SQLAlchemy",
                         " ".join(statement.split())[:160], owner)

    def trace(statement: str) -> None:
        seen(statement, sys._getframe(1))  # noqa: SLF001 - who ran the statement

    cursors: dict[type, type] = {}

    def checkout(dbapi_connection, _record, _proxy) -> None:  # noqa: ANN001
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(trace)
        elif engine.dialect.driver == "psycopg":
            base = dbapi_connection.cursor_factory
            if getattr(base, WATCHED, False):
                return  # a pooled connection checked out again: already watched once
            if base not in cursors:
                cursors[base] = _watched_cursor(base, seen)
            dbapi_connection.cursor_factory = cursors[base]

    event.listen(engine, "checkout", checkout)
    stack.callback(event.remove, engine, "checkout", checkout)


def _watched_cursor(base: type, seen) -> type:  # noqa: ANN001
    """A psycopg cursor class reporting each statement to ``seen`` before running it."""

    class WatchedCursor(base):
        _motcua_conformance_watched = True

        def execute(self, query, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            seen(query, sys._getframe(1))  # noqa: SLF001
            return super().execute(query, *args, **kwargs)

        def executemany(self, query, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            seen(query, sys._getframe(1))  # noqa: SLF001
            return super().executemany(query, *args, **kwargs)

    return WatchedCursor
