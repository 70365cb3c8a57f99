"""Moving the clock a plugin reads, inside the conformance process, without a
time-travel library: the core's clock (:func:`motcua.core.timeutil.now`) is replayed at
the moment, and in every module of the plugin's package the names bound to ``date``,
``datetime``, the ``datetime`` module and the ``time`` module are swapped for copies
whose "now" is shifted by the same offset (and still ticks), and so are the modules an
``import`` made meanwhile finds. The swap is undone on leaving.

Not moved: a clock read by a library the plugin calls (other than through the SDK) and
the database server's own clock (``CURRENT_DATE``, ``now()`` in SQL): a plugin numbering
by those is not tested across a day or year change (docs/conformance.md says so).
"""

from __future__ import annotations

import datetime as real_datetime_module
import sys
import time as real_time_module
import types
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from motcua.core import timeutil

REAL_DATE = real_datetime_module.date
REAL_DATETIME = real_datetime_module.datetime


def _shifted_classes(offset: timedelta) -> tuple[type, type]:
    """``date`` and ``datetime`` subclasses whose today/now are ``offset`` away."""

    class date(REAL_DATE):  # noqa: N801 - stands in for datetime.date
        @classmethod
        def today(cls):  # noqa: ANN206
            return (REAL_DATETIME.now() + offset).date()

    class datetime(REAL_DATETIME):  # noqa: N801 - stands in for datetime.datetime
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return REAL_DATETIME.now(tz) + offset

        @classmethod
        def utcnow(cls):  # noqa: ANN206
            return REAL_DATETIME.now(UTC).replace(tzinfo=None) + offset

        @classmethod
        def today(cls):  # noqa: ANN206
            return REAL_DATETIME.now() + offset

    return date, datetime


def _shifted_modules(offset: timedelta) -> tuple[types.ModuleType, types.ModuleType]:
    """Copies of the ``datetime`` and ``time`` modules with the clock ``offset`` away."""
    date, moved_datetime = _shifted_classes(offset)
    datetime_copy = types.ModuleType("datetime")
    datetime_copy.__dict__.update(vars(real_datetime_module))
    datetime_copy.date, datetime_copy.datetime = date, moved_datetime
    seconds = offset.total_seconds()
    time_copy = types.ModuleType("time")
    time_copy.__dict__.update(vars(real_time_module))
    time_copy.time = lambda: real_time_module.time() + seconds
    time_copy.time_ns = lambda: real_time_module.time_ns() + int(seconds * 1e9)
    time_copy.localtime = lambda secs=None: real_time_module.localtime(
        time_copy.time() if secs is None else secs)
    time_copy.gmtime = lambda secs=None: real_time_module.gmtime(
        time_copy.time() if secs is None else secs)
    return datetime_copy, time_copy


@contextmanager
def plugin_clock_moved(package: str, moment: datetime) -> Iterator[None]:
    """Inside the block, the modules of ``package`` read the clock as if it were
    ``moment`` now (for every thread). The core's clock is per thread: enter
    :func:`core_clock_at` in each thread too."""
    offset = moment - REAL_DATETIME.now(UTC)
    datetime_copy, time_copy = _shifted_modules(offset)
    replacements = {id(REAL_DATE): datetime_copy.date, id(REAL_DATETIME): datetime_copy.datetime,
                    id(real_datetime_module): datetime_copy, id(real_time_module): time_copy}
    swapped: list[tuple[dict, str, object]] = []
    # A function importing them when it runs (``from datetime import date`` inside the
    # hook) gets the copies too, for as long as the block lasts.
    for key, copy in (("datetime", datetime_copy), ("time", time_copy)):
        swapped.append((sys.modules, key, sys.modules[key]))
        sys.modules[key] = copy
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        namespace = vars(module)
        for key, value in list(namespace.items()):
            if id(value) in replacements:
                swapped.append((namespace, key, value))
                namespace[key] = replacements[id(value)]
    try:
        yield
    finally:
        for namespace, key, value in swapped:
            namespace[key] = value


def core_clock_at(moment: datetime):  # noqa: ANN201 - a context manager
    """The core's clock at ``moment`` in the current thread."""
    return timeutil.replaying_at(moment)


@contextmanager
def clock_at(package: str, moment: datetime) -> Iterator[None]:
    """Both clocks, the plugin's and the core's (this thread), at ``moment``."""
    with plugin_clock_moved(package, moment), core_clock_at(moment):
        yield


__all__ = ["clock_at", "core_clock_at", "plugin_clock_moved"]
