"""Database engine and sessions, SQLite (embedded default) or PostgreSQL (by URL).

SQLite needs two things to behave under several writers: WAL with a busy timeout, and
write transactions that take the write lock when they start (``BEGIN IMMEDIATE``) so a
transaction that read first never fails with a stale snapshot when it later writes.
:func:`begin_write` asks for that; on PostgreSQL it is a no-op because row locks and
``ON CONFLICT`` do the same job.

Why this matters: in WAL mode a deferred transaction that has read holds a snapshot; if
another connection commits a write meanwhile, upgrading to a writer fails at once with
"database is locked" (``SQLITE_BUSY_SNAPSHOT``) and the busy timeout never helps. A desk
request always reads first (the signed-in officer, the procedure), so :func:`begin_write`
also upgrades a transaction that has only read so far, and sessions made by
:class:`Database` call it by themselves before any flush or DML statement that writes.
"""

from __future__ import annotations

import select as io_select
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.sql import Executable

# The largest value an Integer column holds on every backend (PostgreSQL's integer; SQLite
# takes 64 bits): an id or number from a request beyond it can match no row.
INT_MAX = 2**31 - 1

_IMMEDIATE = "motcua_immediate"
# Keys in the DBAPI connection's ``info``: is the open transaction a writer, and how many
# rows had the connection changed when it began (to tell a read-only transaction).
_WRITER = "motcua_writer"
_CHANGES_AT_BEGIN = "motcua_changes_at_begin"


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
        immediate = bool(conn.get_execution_options().get(_IMMEDIATE))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        info = conn.connection.info
        info[_WRITER] = immediate
        info[_CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url`` with the settings motcua relies on."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Connections older than this are replaced when next checked out: a firewall or NAT
    # may forget an idle flow without telling either end, which no check can see.
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _refuse_dropped)
    return engine


# Half an hour: long enough that reconnecting costs nothing measurable.
POOL_RECYCLE_SECONDS = 1800


def _refuse_dropped(dbapi_connection, _record, _proxy) -> None:  # noqa: ANN001
    """Hand out no pooled connection the server has already closed.

    This is what ``pool_pre_ping`` is for, without its round trip on every checkout:
    a server that ends a connection (restart, ``pg_terminate_backend``, an idle timeout)
    says so on its socket, which then has something to read while the connection sits
    idle in the pool. An idle healthy connection has nothing to read. A rare notice
    (a configuration reload) only costs a new connection. ``DisconnectionError`` makes
    the pool drop this one and connect again.
    """
    if getattr(dbapi_connection, "closed", False):
        raise DisconnectionError("the connection was closed")
    try:
        descriptor = dbapi_connection.fileno()
    except Exception as error:  # noqa: BLE001 - the driver knows it is gone
        raise DisconnectionError("the connection has no socket") from error
    poller = io_select.poll()
    poller.register(descriptor, io_select.POLLIN | io_select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection or spoke unasked")


def read_once(session: Session, statement: Executable,
              parameters: Mapping | None = None) -> list[Row]:
    """The rows of one read-only statement, on a connection of its own, outside the
    session's transaction.

    On PostgreSQL it runs in autocommit: one round trip, where a transaction adds a BEGIN
    and a COMMIT; and no ROLLBACK, which is how a session ends a request that wrote nothing
    and which makes psycopg forget its prepared statements (planning a join can take
    longer than running it). SQLite gets a read transaction ended by COMMIT.
    """
    with session.get_bind().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        rows = connection.execute(statement, parameters or {}).all()
        connection.commit()
    return rows


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    """True if the session or engine talks to SQLite."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else (
        session_or_engine
    )
    return bind.dialect.name == "sqlite"


def begin_write(session: Session) -> None:
    """Make the session's transaction a write transaction, holding the write lock.

    With no transaction open, one is begun with ``BEGIN IMMEDIATE`` (SQLite). If a
    transaction is open and has only read, its snapshot is released and the write lock
    taken in its place (the session's loaded objects stay as they are; what they show was
    committed). If it has already written, it already holds the write lock. Inside a
    SAVEPOINT nothing can be changed safely, so nothing is. PostgreSQL: a no-op.
    """
    if not session.in_transaction():
        session.connection(execution_options={_IMMEDIATE: True})
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite" or session.in_nested_transaction():
        return
    info = connection.connection.info
    if info.get(_WRITER):
        return
    raw = connection.connection.dbapi_connection
    if raw.total_changes == info.get(_CHANGES_AT_BEGIN):
        # Read-only so far: end the read transaction and start a writer on the same
        # connection, underneath SQLAlchemy's own transaction bookkeeping.
        connection.exec_driver_sql("COMMIT")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    info[_WRITER] = True


def _upgrade_before_flush(session: Session, _flush_context, _instances) -> None:  # noqa: ANN001
    """Any ORM write upgrades its transaction first (SQLite), whoever forgot to ask."""
    if session.new or session.dirty or session.deleted:
        begin_write(session)


def _upgrade_before_dml(state) -> None:  # noqa: ANN001
    """``session.execute(insert/update/delete ...)`` upgrades first too (SQLite)."""
    if state.is_insert or state.is_update or state.is_delete:
        begin_write(state.session)


class Database:
    """One deployment's engine, session factory and request-scoped session."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.session_factory, "before_flush", _upgrade_before_flush)
            event.listen(self.session_factory, "do_orm_execute", _upgrade_before_dml)
        self.scoped = scoped_session(self.session_factory)

    @property
    def session(self) -> Session:
        """The session of the current request or CLI command."""
        return self.scoped()

    def remove(self) -> None:
        """End the current request's session (rolls back anything uncommitted)."""
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
        """Close every pooled connection (tests, and the CLI before it exits)."""
        self.scoped.remove()
        self.engine.dispose()
