"""Watching a plugin at work in an instance: which statements it sends to core tables
itself, and how long each of its hooks takes."""

from __future__ import annotations

import functools
import re
import sys
import time

from sqlalchemy import event

from motcua.conformance.context import RunContext
from motcua.core.models import Base

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


def watch_core_writes(ctx: RunContext) -> None:
    """Record in ``ctx.core_writes`` every INSERT/UPDATE/DELETE on a core table that the
    plugin's own code sends (not through the SDK)."""
    core_tables = set(Base.metadata.tables)
    package = ctx.target.module_name.split(".")[0]

    @event.listens_for(ctx.node.database.engine, "before_cursor_execute")
    def _seen(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # noqa: ANN001
        match = WRITE.match(statement)
        if not match or match.group(2).lower() not in core_tables:
            return
        writer = _writer(package)
        if writer is not None:
            ctx.core_writes.append(f"{writer}: {' '.join(statement.split())[:160]}")


def time_hooks(ctx: RunContext) -> None:
    """Wrap each of the plugin's hook implementations on the node to time every call."""
    manager = ctx.node.manager
    for caller in manager._pm.get_hookcallers(manager._pm.get_plugin(ctx.target.name)) or []:  # noqa: SLF001
        for impl in caller.get_hookimpls():
            if impl.plugin_name == ctx.target.name:
                impl.function = _timed(impl.function, ctx.timings[caller.name])


def _timed(function, samples: list[float]):  # noqa: ANN001, ANN202
    @functools.wraps(function)
    def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            samples.append(time.perf_counter() - started)

    return timed
