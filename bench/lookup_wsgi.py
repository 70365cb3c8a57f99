"""The WSGI application that ``bench/lookup_http.py`` serves with gunicorn.

The real application (configured from the environment like any deployment) plus one bare
route, ``/bench/bare/<code>``, that does a single indexed SELECT and returns JSON, served
by the same server, workers and database pool as the lookup routes: compared with the same
SELECT in the bare application (``bench/bare_wsgi.py``, the benchmark's baseline), it shows
what the application's per-request machinery costs before any lookup work.
Rate limiting is off: the benchmark measures lookups, not the limiter refusing them.
"""

from __future__ import annotations

from flask import Flask, abort, jsonify
from sqlalchemy import text

from motcua.core import create_app
from motcua.core.extensions import db_session

BARE_SELECT = text("SELECT code, status, due_at FROM dossiers WHERE code = :code")


def create() -> Flask:
    """gunicorn's application factory: ``gunicorn 'bench.lookup_wsgi:create()'``."""
    app = create_app(RATELIMIT_ENABLED=False)

    def bare(code: str):  # noqa: ANN202
        row = db_session().execute(BARE_SELECT, {"code": code}).mappings().first()
        if row is None:
            abort(404)
        return jsonify({"code": row["code"], "status": row["status"],
                        "due_at": row["due_at"].isoformat()})

    app.add_url_rule("/bench/bare/<path:code>", "bench_bare", bare)
    return app
