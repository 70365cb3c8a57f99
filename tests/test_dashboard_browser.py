"""A leader reads the dashboard in a real Chromium, opens the late figure and finds the
dossiers behind it; the chart is drawn without any script or outside asset."""

from __future__ import annotations

import re
import subprocess

import pytest

from motcua_sdk.testing import browser_login
from tests.browser import serve, skip_unless_browser
from tests.factories import PASSWORD
from tests.test_department_browser import browser
from tests.test_reports_figures import september  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:  # the live server runs on SQLite only
    return "sqlite"


def pick_period(page, year: str, part: str) -> None:  # noqa: ANN001
    """Choose a period with the picker of the dashboard's filters and show it."""
    page.select_option("select[data-period-year]", year)
    page.select_option("select[data-period-part]", part)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(lambda url: f"part={part}" in url and f"year={year}" in url)


def test_leader_drills_down_from_the_late_figure(app, september):  # noqa: F811
    skip_unless_browser()
    with serve(app) as base, browser() as chromium:
        page = browser_login(chromium, base, "lanhdao", PASSWORD)
        page.click("a[data-nav=reports]")
        pick_period(page, "2026", "09")
        assert "60.0%" in page.inner_text("[data-on-time-rate]")
        assert page.locator("svg[data-chart=months] rect").count() >= 1
        late = page.locator("a[data-figure=late]")
        assert late.inner_text() == "2"
        late.click()
        page.wait_for_url("**/reports/dossiers?**category=late**")
        codes = sorted(page.locator("[data-dossier-list] a[data-code]").all_inner_texts())
        assert codes == sorted([september["D4"], september["D5"]])
        external = page.evaluate("""() => [...document.querySelectorAll('[src],[href]')]
            .map(e => e.src || e.href).filter(u => u && !u.startsWith(location.origin))""")
        assert external == []


def test_leader_narrows_to_a_department_and_an_officer_sees_their_own(app, september):  # noqa: F811
    skip_unless_browser()
    with serve(app) as base, browser() as chromium:
        page = browser_login(chromium, base, "lanhdao", PASSWORD)
        page.goto(f"{base}/reports/?period=2026-09")
        page.select_option("select[data-filter=department]", "H72.01.02")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**department=H72.01.02**")
        assert page.locator("a[data-figure=to_handle]").inner_text() == "11"
        page.locator("a[data-figure=late]").click()
        page.wait_for_url("**category=late**")
        codes = sorted(page.locator("[data-dossier-list] a[data-code]").all_inner_texts())
        assert codes == sorted([september["D4"], september["D5"]])

        officer = browser_login(chromium, base, "chuyenvien", PASSWORD)
        officer.click("a[data-nav=reports]")
        pick_period(officer, "2026", "09")
        assert officer.locator("[data-scope-officer]").count() == 1
        assert officer.locator("a[data-figure=to_handle]").inner_text() == "10"


def test_leader_picks_a_quarter_with_the_keyboard_and_prints_the_report_on_a4_landscape(
        app, september, tmp_path):  # noqa: F811
    skip_unless_browser("pdfinfo", "pdftotext")
    with serve(app) as base, browser() as chromium:
        page = browser_login(chromium, base, "lanhdao", PASSWORD)
        page.goto(f"{base}/reports/periodic?unit=H72.01&period=2026-09")
        # Plain selects: reached and changed with the keys alone, no script needed.
        page.focus("select[data-period-part]")
        page.keyboard.type("Quarter 3")
        page.focus("select[data-period-year]")
        page.keyboard.type("2026")
        assert page.locator("select[data-period-part]").input_value() == "Q3"
        page.keyboard.press("Tab")  # to the Show button
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "part=Q3" in url and "year=2026" in url)
        assert "(01/07/2026 – 30/09/2026)" in page.inner_text("section.print-page")
        assert page.locator("select[data-period-part]").input_value() == "Q3"

        page.goto(f"{base}/reports/periodic?unit=H72.01&period=2026-09")
        # The Print button opens the browser's dialog from a script file (no inline
        # handler): stand in for the dialog, which a headless browser cannot show.
        page.evaluate("() => { window.print = () => { window.printed = true; }; }")
        page.click("button[data-print]")
        assert page.evaluate("() => window.printed") is True
        page.emulate_media(media="print")
        assert not page.locator("header.topbar").is_visible()  # the navigation is left out
        assert not page.locator("form.filters").is_visible()
        page.emulate_media(media="screen")
        assert not page.locator("[data-signatures]").is_visible()  # on paper only
        page.emulate_media(media="print")
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    assert re.search(r"Pages:\s+1\n", info)  # one unit and the total: one sheet
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Tổng cộng" in text and "Print" not in text
    assert "NGƯỜI LẬP BIỂU" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text  # signed on paper
