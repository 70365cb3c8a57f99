"""A leader reads the dashboard in a real Chromium, opens the late figure and finds the
dossiers behind it; the chart is drawn without any script or outside asset."""

from __future__ import annotations

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


def test_leader_drills_down_from_the_late_figure(app, september):  # noqa: F811
    skip_unless_browser()
    with serve(app) as base, browser() as chromium:
        page = browser_login(chromium, base, "lanhdao", PASSWORD)
        page.click("a[data-nav=reports]")
        page.fill("input[name=period]", "2026-09")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**period=2026-09**")
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
        officer.fill("input[name=period]", "2026-09")
        officer.click("form.filters button[type=submit]")
        officer.wait_for_url("**period=2026-09**")
        assert officer.locator("[data-scope-officer]").count() == 1
        assert officer.locator("a[data-figure=to_handle]").inner_text() == "10"
