"""The desk as an officer uses it: a real Chromium, the keyboard only, a real HTTP server.

The officer logs in, finds the procedure by typing without diacritics, fills the intake
form with Tab/Space/Enter, lands on the receipt, and the barcode printed there reads back
(through zbar) as the dossier code on the page. Scanning that code into the search box
(a scanner types the code and Enter) opens the dossier.
"""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from motcua.core.models import Dossier
from tests.browser import chromium_page, serve, skip_unless_browser, wait_for_focus
from tests.factories import PASSWORD, build_world

pytestmark = pytest.mark.browser

@pytest.fixture
def live_desk(sqlite_app):
    """The app on a migrated SQLite copy with the test province, served on a free port."""
    skip_unless_browser("zbarimg")
    database = sqlite_app.extensions["motcua.db"]
    with sqlite_app.app_context():
        build_world(database.session)
        database.remove()
    # The browser posts real forms, so CSRF protection is on as in production.
    sqlite_app.config["WTF_CSRF_ENABLED"] = True
    with serve(sqlite_app) as url:
        yield sqlite_app, url


@pytest.fixture
def page(live_desk):
    with chromium_page() as page:
        yield page


def active_name(page) -> str:  # noqa: ANN001
    """``name=value`` of the focused element, to check the keyboard went where we think."""
    return page.evaluate("() => { const e = document.activeElement;"
                         " return (e.name || e.tagName) + '=' + (e.value || ''); }")


def tab_to(page, expected: str, limit: int = 20) -> None:  # noqa: ANN001
    """Press Tab until the element described by ``expected`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if active_name(page) == expected:
            return
    raise AssertionError(f"Tab never reached {expected}; focus is on {active_name(page)}")


def decode_barcode(png) -> list[str]:  # noqa: ANN001
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                            text=True, timeout=60)
    return result.stdout.splitlines()


def log_in(page, base: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login")
    wait_for_focus(page, "input[name=username]")
    page.keyboard.type("letan")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def test_keyboard_intake_prints_a_receipt_whose_barcode_scans_back(live_desk, page, tmp_path):
    app, base = live_desk
    keyboard = page.keyboard

    page.goto(f"{base}/login")
    wait_for_focus(page, "input[name=username]")
    keyboard.type("letan")  # the username field has the focus
    keyboard.press("Tab")
    keyboard.type(PASSWORD)
    keyboard.press("Enter")
    page.wait_for_url(f"{base}/")

    # The search box has the focus; no diacritics needed.
    wait_for_focus(page, "#q")
    keyboard.type("dang ky ho kinh doanh")
    keyboard.press("Enter")
    page.wait_for_url("**/?q=*")
    assert "Đăng ký thành lập hộ kinh doanh" in page.inner_text("ol.results")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    wait_for_focus(page, "[data-first-result]")
    keyboard.press("Enter")
    page.wait_for_url("**/intake/1.001612")
    assert page.locator("[data-appointment]").inner_text().strip()

    # The applicant's name field has the focus.
    wait_for_focus(page, "input[name='applicant.name']")
    keyboard.type("Trần Thị Bình")
    keyboard.press("Tab")
    keyboard.type("072190004321")
    keyboard.press("Tab")
    keyboard.type("0987654321")
    keyboard.press("Tab")
    keyboard.type("binh@example.vn")
    keyboard.press("Tab")
    keyboard.type("45 Cách Mạng Tháng Tám, phường 3, Tây Ninh")
    tab_to(page, "sms_consent=on")
    keyboard.press("Space")
    documents = page.locator("input[name=documents]")
    for index in (0, 1):  # the two required documents
        value = documents.nth(index).get_attribute("value")
        tab_to(page, f"documents={value}")
        keyboard.press("Space")
    assert documents.nth(0).is_checked() and documents.nth(1).is_checked()
    assert not documents.nth(2).is_checked()
    assert page.locator("input[name=sms_consent]").is_checked()
    page.screenshot(path=str(tmp_path / "intake.png"), full_page=True)
    tab_to(page, "action=receive")
    keyboard.press("Enter")

    page.wait_for_url("**/receipt")
    code = page.locator(".slip-number [data-dossier-code]").inner_text().strip()
    assert page.url.endswith(f"/dossiers/{code}/receipt")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in page.inner_text(".slip-title")
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)
    barcode_png = tmp_path / "barcode.png"
    page.locator("#barcode svg").screenshot(path=str(barcode_png))
    assert decode_barcode(barcode_png) == [code]
    # Printed, the slip is exactly one A4 page.
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1

    with app.app_context():
        database = app.extensions["motcua.db"]
        dossier = database.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.applicant_name == "Trần Thị Bình"
        assert dossier.sms_consent is True
        assert sum(line.submitted for line in dossier.documents) == 2
        database.remove()

    # A scanner at the desk types the code and Enter into the search box.
    page.goto(f"{base}/")
    wait_for_focus(page, "#q")
    keyboard.type(code)
    keyboard.press("Enter")
    page.wait_for_url(f"**/dossiers/{code}")
    assert page.locator("h1[data-dossier-code]").inner_text().strip() == code
    assert "Trần Thị Bình" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "dossier.png"), full_page=True)


def test_a_wrong_citizen_id_is_shown_at_the_field_and_can_be_corrected(live_desk, page):
    app, base = live_desk
    log_in(page, base)
    page.goto(f"{base}/intake/1.001612")
    wait_for_focus(page, "input[name='applicant.name']")
    page.keyboard.type("Lê Văn Cường")
    page.keyboard.press("Tab")
    page.keyboard.type("07219000432")  # eleven digits
    page.locator("input[name='applicant.address']").fill("Ấp 2, xã Bình Minh, Tây Ninh")
    page.locator("input[name=documents]").nth(0).check()
    page.locator("input[name=documents]").nth(1).check()
    page.locator("input[name='applicant.address']").press("Enter")

    message = page.locator("#error-applicant-citizen_id")
    assert "12 digits" in message.inner_text()
    field = page.locator("input[name='applicant.citizen_id']")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == "07219000432"
    assert page.locator("input[name='applicant.name']").input_value() == "Lê Văn Cường"
    assert page.locator("input[name=documents]").nth(1).is_checked()
    with app.app_context():
        database = app.extensions["motcua.db"]
        assert database.session.scalar(select(Dossier.id)) is None
        database.remove()

    field.fill("072190004322")
    field.press("Enter")  # the re-rendered form still carries a valid CSRF token
    page.wait_for_url("**/receipt")
    assert "Lê Văn Cường" in page.inner_text(".slip")


def test_guidance_slip_needs_only_the_name_in_the_browser(live_desk, page):
    # The browser's own "required" checks are for receiving; asking for the missing
    # documents must work with just the applicant's name filled in.
    _app, base = live_desk
    log_in(page, base)
    page.goto(f"{base}/intake/1.001612")
    wait_for_focus(page, "input[name='applicant.name']")
    page.keyboard.type("Lê Văn Cường")
    page.locator("input[name=documents]").nth(0).check()
    page.locator("button[value=guidance]").click()
    page.wait_for_url("**/guidance/*")
    slip = page.inner_text(".slip")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in slip
    assert "Bổ sung: Bản sao giấy tờ pháp lý của cá nhân" in slip
    assert "Giấy đề nghị đăng ký hộ kinh doanh" not in slip
