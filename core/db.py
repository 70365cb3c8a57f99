"""Database engine and sessions, SQLite (embedded default) or PostgreSQL (by URL).

SQLite needs two things to behave under several writers: WAL with a busy timeout, and
write transactions that take the write lock when they start (``BEGIN IMMEDIATE``) so a
transaction that read first never fails with a stale snapshot when it later writes.
:func:`begin_write` asks for that; on PostgreSQL it is a no-op because row locks and
``ON CONFLICT`` do the same job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

_IMMEDIATE = "motcua_immediate"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        immediate = conn.get_execution_options().get(_IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url`` with the settings motcua relies on."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else (
        session_or_engine
    )
    return bind.dialect.name == "sqlite"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (no-op if one is open)."""
    if not session.in_transaction():
        session.connection(execution_options={_IMMEDIATE: True})


class Database:
    """One deployment's engine, session factory and request-scoped session."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)

    @property
    def session(self) -> Session:
        """The session of the current request or CLI command."""
        return self.scoped()

    def remove(self) -> None:
        self.scoped.remove()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A fresh session in a write transaction, committed on success, rolled back on error."""
        session = self.session_factory()
        try:
            begin_write(session)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.scoped.remove()
        self.engine.dispose()
