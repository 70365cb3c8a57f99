"""The in-process sync worker of a standalone deployment.

Standalone holds the hub read model in its own database; a daemon thread feeds it with
the same batches a node would push (through :class:`~motcua.core.sync.transport.LocalHub`).
It starts on the first request of each process (so it survives gunicorn's fork) and only
when ``MOTCUA_SYNC_IN_PROCESS`` is on (default) and the app is not under test.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask

log = logging.getLogger(__name__)
_started: dict[int, threading.Thread] = {}
_guard = threading.Lock()


def init_app(app: Flask) -> None:
    settings = app.config["MOTCUA"]
    if settings.role != "standalone" or not settings.sync_in_process:
        return

    @app.before_request
    def _start_sync_worker() -> None:
        if app.testing or os.getpid() in _started:
            return
        with _guard:
            if os.getpid() not in _started:
                _started[os.getpid()] = start(app)


def start(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Start the worker thread for ``app``'s database; returns it."""
    from motcua.core.sync.node import node_from_settings, run_forever

    node = node_from_settings(app.config["MOTCUA"], app.extensions["motcua.db"])
    thread = threading.Thread(target=run_forever, args=(node, stop or threading.Event()),
                              name="motcua-sync", daemon=True)
    thread.start()
    log.info("in-process sync worker started")
    return thread
