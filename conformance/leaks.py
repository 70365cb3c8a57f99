"""Watching a run for secrets leaving the server: canary values planted in the
instances' environment and configuration, and the instances' own secrets (the session
secret key, the database URL, the node's sync key), looked for in every HTTP answer of
the node and the hub (body and headers), every log record and every sync batch.

Answers are seen by a WSGI layer around each application, so the suite's test clients
and the hub's HTTP server are both covered, whatever check made the request. Each
answer is searched as it passes (a substring search per secret) and only findings are
kept, plus the public channels' pages, which the personal_data check reads for the
applicants' data once every dossier exists.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import make_url

# The environment variable the suite plants: a plugin printing ``os.environ`` shows it.
CANARY_VARIABLE = "MOTCUA_CONFORMANCE_CANARY_SECRET"
# Flask configuration key holding a second canary: a plugin dumping the config shows it.
CANARY_CONFIG = "CONFORMANCE_CANARY_SECRET"
# The endpoints of the public channels: what anyone, not logged in, reads of a dossier.
PUBLIC_ENDPOINTS = ("lookup.show", "lookup.api", "kiosk.lookup_page", "sms.inbound")
MAX_FINDINGS = 50  # per kind; the report names the first ones


@dataclass
class PublicPage:
    """A public channel's answer, kept for the personal-data search."""

    where: str  # "GET /tra-cuu/... (lookup.show)"
    text: str


@dataclass
class LeakWatch:
    """What one run's watch knows and found."""

    canary: str = field(default_factory=lambda: "canary-" + secrets.token_hex(12))
    secrets: dict[str, str] = field(default_factory=dict)  # value -> what it is
    answers_seen: int = 0
    logs_seen: int = 0
    findings: list[str] = field(default_factory=list)
    public_pages: list[PublicPage] = field(default_factory=list)

    def add_secret(self, value: str | None, what: str) -> None:
        # Short values would match by chance (an empty password, "postgres").
        if value and len(value) >= 8:
            self.secrets.setdefault(value, what)

    def search(self, text: str, where: str) -> None:
        """Record each secret ``text`` holds, saying ``where`` it was."""
        for value, what in self.secrets.items():
            if value in text and len(self.findings) < MAX_FINDINGS:
                self.findings.append(f"{where} shows {what}")


def plant(watch: LeakWatch) -> None:
    """Put the environment canary in place (the caller removes it: :func:`unplant`)."""
    os.environ[CANARY_VARIABLE] = watch.canary
    watch.add_secret(watch.canary, f"the canary environment variable {CANARY_VARIABLE}")


def unplant() -> None:
    os.environ.pop(CANARY_VARIABLE, None)


def instance_secrets(watch: LeakWatch, instance: Any, label: str) -> None:
    """Learn ``instance``'s secrets and plant the configuration canary in it."""
    app = instance.app
    app.config[CANARY_CONFIG] = watch.canary
    watch.add_secret(app.config.get("SECRET_KEY"), f"the {label}'s secret key")
    watch.add_secret(instance.url, f"the {label}'s database URL")
    url = make_url(instance.url)
    watch.add_secret(url.password, f"the {label}'s database password")
    if url.drivername.startswith("sqlite") and url.database:
        watch.add_secret(url.database, f"the {label}'s database file")
    settings = app.config.get("MOTCUA")
    watch.add_secret(getattr(settings, "sync_key", None), f"the {label}'s sync key")


def record_answers(watch: LeakWatch, app: Any, label: str) -> None:
    """Wrap ``app``'s WSGI callable: search every answer, keep the public pages."""
    inner = app.wsgi_app

    def recording(environ, start_response):  # noqa: ANN001, ANN202
        seen: dict[str, Any] = {}

        def start(status, headers, exc_info=None):  # noqa: ANN001, ANN202
            seen["headers"] = headers
            return start_response(status, headers, exc_info)

        chunks = inner(environ, start)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        where = f"{label}: {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        _inspect(watch, app, environ, where, seen.get("headers") or [], body)
        return [body]

    app.wsgi_app = recording


def _inspect(watch: LeakWatch, app: Any, environ: dict, where: str,
             headers: list, body: bytes) -> None:
    watch.answers_seen += 1
    text = _readable(body.decode("utf-8", errors="replace"))
    watch.search("\n".join(f"{name}: {value}" for name, value in headers),
                 f"{where}: a response header")
    watch.search(text, f"{where}: the response")
    endpoint = _endpoint(app, environ)
    if endpoint in PUBLIC_ENDPOINTS:
        query = environ.get("QUERY_STRING")
        watch.public_pages.append(PublicPage(
            f"{where}{'?' + query if query else ''} ({endpoint})", text))


def _readable(text: str) -> str:
    """``text``, and if it is JSON, also as JSON without escapes (``"Nguy\\u1ec5n"`` is
    ``"Nguyễn"``), so a value is found however the answer encoded it."""
    if text[:1] not in ("{", "["):
        return text
    try:
        return text + "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def _endpoint(app: Any, environ: dict) -> str | None:
    try:
        return app.url_map.bind_to_environ(environ).match()[0]
    except Exception:  # noqa: BLE001 - a 404 or 405: no endpoint
        return None


class LogSearch(logging.Handler):
    """Searches every record logged during the run (what run.log receives), its
    message with its arguments and its traceback."""

    def __init__(self, watch: LeakWatch) -> None:
        super().__init__(level=logging.DEBUG)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        self.watch.logs_seen += 1
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is still searched raw
            text = f"{record.msg} {record.args}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f"\n{record.exc_info[1]!r}"
        self.watch.search(text, f"log record of {record.name} ({record.levelname})")


def watch_run(ctx: Any) -> LeakWatch:
    """Start watching the run's instances (``ctx.node``, ``ctx.hub``) and its log;
    everything is undone when the run's stack closes."""
    watch = ctx.leaks
    for instance, label in ((ctx.hub, "hub"), (ctx.node, "node")):
        if instance is not None:
            instance_secrets(watch, instance, label)
            record_answers(watch, instance.app, label)
    handler = LogSearch(watch)
    root = logging.getLogger()
    root.addHandler(handler)
    ctx.stack.callback(root.removeHandler, handler)
    return watch


__all__ = ["CANARY_VARIABLE", "PUBLIC_ENDPOINTS", "LeakWatch", "PublicPage", "plant",
           "record_answers", "unplant", "watch_run"]
