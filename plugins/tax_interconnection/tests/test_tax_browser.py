"""In a real Chromium: the leader issues a household business certificate on the
business registration plugin's screen; that produces a request to the tax office; the
tax officer answers it on the tax office's screen (a wrong code first); the tax code
shows on the business register."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Motcua-test-2024!"  # the test kit's accounts
pytestmark = pytest.mark.browser


@contextmanager
def serve(app):  # noqa: ANN001, ANN201
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def browser():  # noqa: ANN201
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


def logged_in(browser, base: str, username: str):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_registration_to_tax_code_on_the_register(browser, motcua_app, motcua_flow,
                                                  registration_data):
    # The desk received it and the specialist submitted it (the real routing functions;
    # the business registration plugin's own browser test drives those screens).
    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.route(dossier.code)
    code = dossier.code
    motcua_app.config["WTF_CSRF_ENABLED"] = True  # real forms post their CSRF token
    with serve(motcua_app) as base:
        leader = logged_in(browser, base, "kit.lanhdao")
        leader.goto(f"{base}/business-registration/dossiers/{code}")
        leader.click("button[data-action=issue_result]")
        leader.wait_for_url(f"**/business-registration/certificate/{code}")

        officer = logged_in(browser, base, "kit.thue")
        officer.goto(f"{base}/tax/")
        row = officer.locator(f"tr[data-dossier='{code}']")
        assert "Tạp hóa Bình An" in row.inner_text()
        row.locator("a").click()
        officer.wait_for_selector("#answer-form")
        assert "001085012345" in officer.inner_text("dl.facts")
        officer.fill("#tax_code", "00108501234X")
        officer.click("#answer-form button[type=submit]")
        assert "10 or 13 digits" in officer.inner_text(".error")
        officer.fill("#tax_code", "001085012345")
        officer.click("#answer-form button[type=submit]")
        officer.wait_for_url(f"{base}/tax/")
        assert officer.locator(f"#waiting tr[data-dossier='{code}']").count() == 0

        leader.goto(f"{base}/business-registration/register")
        assert leader.locator("td[data-tax-code='001085012345']").count() == 1
