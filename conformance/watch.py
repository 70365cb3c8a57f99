"""Watching a plugin at work in an instance: which writes to core tables it makes itself
(its own SQL statements, and its own ORM classes mapped on a core table, whoever
flushes them), and how long each of its hooks takes."""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
import weakref

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session

from motcua.conformance.context import RunContext
from motcua.core.models import Base
from motcua_sdk import signals as sdk_signals

WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?([A-Za-z_][A-Za-z0-9_]*)",
                   re.I)
# The ORM's unit of work: writes flushed from objects the core's code changed.
UNIT_OF_WORK = "sqlalchemy.orm.persistence"
OURS = ("motcua.", "motcua_sdk")


def _writer(plugin_package: str) -> str | None:
    """The plugin module issuing the current statement itself, or None (the core, the
    SDK's services or the ORM flushing the core's objects issued it). Libraries in
    between (SQLAlchemy's engine, Flask) are looked through."""
    frame = sys._getframe(2)  # noqa: SLF001 - the statement's callers, innermost first
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module == UNIT_OF_WORK:
            return None
        if module == plugin_package or module.startswith(plugin_package + "."):
            return f"{module}:{frame.f_lineno}"
        if module.startswith(OURS):
            return None
        frame = frame.f_back
    return None


def foreign_core_mapping(mapper: Mapper, core_tables: set[str]) -> str | None:
    """``"module.Class on table"`` if ``mapper`` maps a class that is not the core's
    onto a core table (a plugin's shadow of ``dossiers``), else None."""
    cls = mapper.class_
    if cls.__module__.startswith(OURS):
        return None
    tables = sorted({table.name for table in mapper.tables} & core_tables)
    return f"{cls.__module__}.{cls.__qualname__} on {', '.join(tables)}" if tables else None


def watch_core_writes(ctx: RunContext) -> None:
    """Record in ``ctx.core_writes`` every INSERT/UPDATE/DELETE on a core table that the
    plugin makes itself (not through the SDK): its own statements (seen at the cursor,
    with the plugin's code on the stack), and any flush or ORM statement of objects of
    a class not the core's mapped on a core table (flushed later by the core's commit,
    so the stack says nothing; the mapper does)."""
    core_tables = set(Base.metadata.tables)
    package = ctx.target.module_name.split(".")[0]
    engine = ctx.node.database.engine

    def _seen(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # noqa: ANN001
        match = WRITE.match(statement)
        if not match or match.group(2).lower() not in core_tables:
            return
        writer = _writer(package)
        if writer is not None:
            ctx.core_writes.append(f"{writer}: {' '.join(statement.split())[:160]}")

    def _flushing(session, _context, _instances) -> None:  # noqa: ANN001
        if session.bind is not engine:  # another instance's session (the hub's)
            return
        for kind, objects in (("insert", session.new), ("update", session.dirty),
                              ("delete", session.deleted)):
            for obj in objects:
                state = inspect(obj)
                shadow = foreign_core_mapping(state.mapper, core_tables)
                if shadow is None:
                    continue
                changed = sorted(attr.key for attr in state.attrs
                                 if attr.history.has_changes())
                ctx.core_writes.append(f"ORM {kind} of {shadow} "
                                       f"({', '.join(changed) or 'no column'})")

    def _executing(state) -> None:  # noqa: ANN001
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        if state.session.bind is not engine or state.bind_mapper is None:
            return
        shadow = foreign_core_mapping(state.bind_mapper, core_tables)
        if shadow is not None:
            ctx.core_writes.append(f"ORM statement on {shadow}: "
                                   f"{' '.join(str(state.statement).split())[:160]}")

    listeners = ((engine, "before_cursor_execute", _seen), (Session, "before_flush", _flushing),
                 (Session, "do_orm_execute", _executing))
    for target, name, function in listeners:
        event.listen(target, name, function)
        ctx.stack.callback(event.remove, target, name, function)


def time_hooks(ctx: RunContext) -> None:
    """Wrap each of the plugin's hook implementations on the node, and each of its
    receivers of the SDK's signals, to time every call (a receiver as
    ``"signal <name>"``)."""
    manager = ctx.node.manager
    for caller in manager._pm.get_hookcallers(manager._pm.get_plugin(ctx.target.name)) or []:  # noqa: SLF001
        for impl in caller.get_hookimpls():
            if impl.plugin_name == ctx.target.name:
                impl.function = _timed(impl.function, caller.name, ctx)
    package = ctx.target.module_name.split(".")[0]
    for signal in (*sdk_signals.LIFECYCLE, *sdk_signals.COOPERATION):
        for receiver_id, receiver in list(signal.receivers.items()):
            function = receiver() if isinstance(receiver, weakref.ref) else receiver
            module = getattr(function, "__module__", None) or ""
            if module == package or module.startswith(package + "."):
                # Held strongly from now on: the run's process ends with the run.
                signal.receivers[receiver_id] = _timed(function, f"signal {signal.name}", ctx)


def cpu_wait() -> float:
    """Seconds the current thread has spent runnable but waiting for a CPU (Linux:
    ``/proc/self/task/<id>/schedstat``, second field); 0.0 where unknown."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat", "rb") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _timed(function, hook: str, ctx: RunContext):  # noqa: ANN001, ANN202
    """``function`` timed: each call's wall time less the time its thread waited for a
    CPU, i.e. what the hook costs (its own work, its database and network waits), not
    how busy the test machine was (a CI runner shared by other jobs)."""
    samples, waits = ctx.timings[hook], ctx.cpu_waits

    @functools.wraps(function)
    def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started, waited = time.perf_counter(), cpu_wait()
        try:
            return function(*args, **kwargs)
        finally:
            queued = cpu_wait() - waited
            samples.append(max(0.0, time.perf_counter() - started - queued))
            waits[hook] = waits.get(hook, 0.0) + queued

    return timed
