"""Shared parts of the browser tests: a real HTTP server for the app and a headless Chromium.

Use :func:`serve` for the server and :func:`chromium_page` for the browser; call
:func:`skip_unless_browser` first so a machine without Chromium skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def missing_browser_tools(*commands: str) -> str | None:
    """Why the browser tests cannot run here (None if they can); ``commands`` are extra tools."""
    if not os.path.exists(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM}"
    for command in commands:
        if not shutil.which(command):
            return f"{command} is not installed"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed"
    return None


def skip_unless_browser(*commands: str) -> None:
    """Skip the calling test with the reason when Chromium or a tool is missing."""
    reason = missing_browser_tools(*commands)
    if reason:
        pytest.skip(reason)


@contextmanager
def serve(app) -> Iterator[str]:  # noqa: ANN001
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium_page(width: int = 1280, height: int = 1000):  # noqa: ANN201
    """A page in a fresh headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()


def wait_for_focus(page, selector: str) -> None:  # noqa: ANN001
    """Wait until the element matching ``selector`` has the keyboard focus."""
    page.wait_for_function("s => document.activeElement === document.querySelector(s)",
                           arg=selector)
