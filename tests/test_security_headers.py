"""Security headers on every answer: a Content-Security-Policy without inline script that
forbids framing, nosniff, a referrer policy, HSTS in production and no-store on pages and
JSON; and no template carries inline script for the policy to break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.I)


def test_pages_json_and_errors_carry_the_headers(app, world):
    client = login(app.test_client(), world.accounts["reception"].username)
    answers = {"page": client.get("/"), "json": client.get("/api/v1/dossiers"),
               "error": client.get("/dossiers/NOPE"), "public": client.get("/tra-cuu"),
               "sync": app.test_client().delete("/sync/v1/batches")}
    for name, response in answers.items():
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, name
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert response.headers["Cache-Control"] == "no-store", name
        assert "Strict-Transport-Security" not in response.headers, name
    static = client.get("/static/css/motcua.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get(
        "Cache-Control", "")


def test_production_adds_hsts(configured_app):
    app, _world = configured_app(production=True)
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


TEMPLATE_DIRS = ("core", "kiosk", "lookup", "sms", "plugins")


@pytest.mark.parametrize("folder", TEMPLATE_DIRS)
def test_no_template_carries_inline_script(folder):
    found = []
    for path in (ROOT / folder).rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE_SCRIPT.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "inline script (move it to a static .js file):\n" + "\n".join(found)
