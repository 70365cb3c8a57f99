"""A leader reads the dashboard in a real Chromium, opens the late figure and finds the
dossiers behind it; the chart is drawn without any script or outside asset."""

from __future__ import annotations

import pytest

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
        page = chromium.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(15_000)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "lanhdao")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
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
