"""The bare floor of ``bench/lookup_http.py``: a minimal Flask application outside motcua.

One route, ``/bench/bare/<code>``: one indexed SELECT by code on the same ``dossiers``
table, answered as JSON, over one psycopg connection per worker process (a sync worker
serves one request at a time, so that is the pool it needs). No sessions, locale, rate
limits, security headers or plugins: what any lookup costs before an application adds
its own machinery. Served by gunicorn with the same settings as the application.
"""

from __future__ import annotations

import os

import psycopg
from flask import Flask, abort, jsonify

SELECT = "SELECT code, status, due_at FROM dossiers WHERE code = %s"


def create() -> Flask:
    """gunicorn's application factory: ``gunicorn 'bench.bare_wsgi:create()'``; the
    database is ``BARE_DATABASE_URL`` (a SQLAlchemy or libpq URL)."""
    app = Flask("bare")
    dsn = os.environ["BARE_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    connection: psycopg.Connection | None = None

    @app.get("/bench/bare/<path:code>")
    def bare(code: str):  # noqa: ANN202
        nonlocal connection
        if connection is None or connection.closed:  # opened in the worker, after the fork
            connection = psycopg.connect(dsn, autocommit=True)
        row = connection.execute(SELECT, (code,)).fetchone()
        if row is None:
            abort(404)
        return jsonify({"code": row[0], "status": row[1], "due_at": row[2].isoformat()})

    return app
