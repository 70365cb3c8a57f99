"""The whole path in a real Chromium: the desk takes a household business registration
in, the finance-planning office's specialist completes the data on the plugin's screen
(a mistake first, then corrected) and submits it, the leader issues the certificate,
which prints, and the register shows the household."""

from __future__ import annotations

import re

import pytest
from motcua_business_registration.samples import REGISTRATION_DATA

from motcua_sdk.testing import browser_login

pytestmark = pytest.mark.browser


def test_desk_to_certificate_through_the_plugin_screen(motcua_browser, motcua_live_url,
                                                        tmp_path):
    browser, base = motcua_browser, motcua_live_url
    # 1. The desk receives the dossier (the one required document handed in).
    desk = browser_login(browser, base, "kit.letan")
    desk.goto(f"{base}/intake/1.001612")
    desk.fill("input[name='applicant.name']", "Nguyễn Văn Bình")
    desk.fill("input[name='applicant.citizen_id']", "001085012345")
    desk.fill("input[name='applicant.address']", "Số 12 đường Lê Lợi, phường Một")
    desk.locator("input[name=documents]").first.check()
    desk.click("button[name=action][value=receive]")
    desk.wait_for_url("**/receipt")
    code = desk.locator(".slip-number [data-dossier-code]").inner_text().strip()

    # 2. The specialist finds it through the plugin's menu entry and opens it.
    specialist = browser_login(browser, base, "kit.chuyenvien")
    specialist.click("a.plugin-menu")
    specialist.wait_for_url("**/business-registration/")
    specialist.click(f"tr[data-code='{code}'] a")
    specialist.wait_for_url(f"**/business-registration/dossiers/{code}")
    data = REGISTRATION_DATA
    specialist.fill("#business_name", data["business_name"])
    specialist.fill("#address", data["address"])
    specialist.fill("#business_lines", "4711: Tạp hóa, đồ uống đóng chai\n4723")
    specialist.fill("#capital", str(data["capital"]))
    specialist.fill("#workers", str(data["workers"]))
    specialist.fill("#owner_full_name", data["owner"]["full_name"])
    specialist.fill("#owner_citizen_id", "00108501234")  # one digit short
    specialist.click("#save")
    error = specialist.locator(".field-error[data-field=owner_citizen_id]")
    assert "12 digits" in error.inner_text()
    assert specialist.input_value("#business_name") == data["business_name"]  # kept
    specialist.fill("#owner_citizen_id", data["owner"]["citizen_id"])
    specialist.click("#save")
    specialist.wait_for_selector(".flash")
    assert "was saved" in specialist.inner_text(".flash")
    assert "is free in H99.01" in specialist.inner_text("#name-availability")
    specialist.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    specialist.click("button[data-action=claim]")
    specialist.wait_for_selector("button[data-action=submit_for_approval]")
    specialist.click("button[data-action=submit_for_approval]")
    specialist.wait_for_selector(".flash")

    # 3. The leader issues the certificate from the same screen; it prints on one A4 page.
    leader = browser_login(browser, base, "kit.lanhdao")
    leader.goto(f"{base}/business-registration/dossiers/{code}")
    assert leader.inner_text("#status") == "waiting_approval"
    leader.click("button[data-action=issue_result]")
    leader.wait_for_url(f"**/business-registration/certificate/{code}")
    number = leader.locator(".br-certificate .number").first.inner_text().strip()
    assert re.fullmatch(r"99A8\d{6}", number)
    assert "TẠP HÓA BÌNH AN" in leader.inner_text(".br-certificate")
    leader.screenshot(path=str(tmp_path / "certificate.png"), full_page=True)
    pdf = leader.pdf(prefer_css_page_size=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1

    # 4. The register shows the household; searching without accents finds it.
    leader.goto(f"{base}/business-registration/register")
    leader.fill("input[name=q]", "tap hoa binh an")
    leader.press("input[name=q]", "Enter")
    leader.wait_for_selector(f"tr[data-number='{number}']")
    leader.click(f"tr[data-number='{number}'] a")
    assert leader.inner_text("#household-status") == "active"
    assert code in leader.inner_text(".br-history")
