"""In a real Chromium: the leader issues a household business certificate on the
business registration plugin's screen; that produces a request to the tax office; the
tax officer answers it on the tax office's screen (a wrong code first); the tax code
shows on the business register."""

from __future__ import annotations

import pytest

from motcua_sdk.testing import browser_login

pytestmark = pytest.mark.browser


def test_registration_to_tax_code_on_the_register(motcua_browser, motcua_live_url,
                                                  motcua_flow, registration_data):
    # The desk received it and the specialist submitted it (the real routing functions;
    # the business registration plugin's own browser test drives those screens).
    dossier = motcua_flow.take_in("1.001612", specialist_data=registration_data)
    motcua_flow.route(dossier.code)
    code = dossier.code
    base = motcua_live_url
    leader = browser_login(motcua_browser, base, "kit.lanhdao")
    leader.goto(f"{base}/business-registration/dossiers/{code}")
    leader.click("button[data-action=issue_result]")
    leader.wait_for_url(f"**/business-registration/certificate/{code}")

    officer = browser_login(motcua_browser, base, "kit.thue")
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
