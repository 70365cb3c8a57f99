"""Each role's main pages in a real Chromium under the Content-Security-Policy: the browser
reports no violation (an inline script or handler would be refused and logged), and the
behaviour moved to static files still works (print buttons, the error page's way back)."""

from __future__ import annotations

import pytest

from motcua_sdk.testing import browser_login
from tests.browser import serve, skip_unless_browser
from tests.conftest import login
from tests.factories import PASSWORD, intake_data
from tests.test_department_browser import browser

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:  # the live server runs on SQLite only
    return "sqlite"


def _pages(code: str, procedure: str) -> dict[str, list[str]]:
    return {
        "letan": ["/", f"/intake/{procedure}", f"/intake/{procedure}?mode=back",
                  f"/dossiers/{code}", f"/dossiers/{code}/receipt"],
        "chuyenvien": ["/department/", "/department/notices"],
        "lanhdao": ["/reports/", "/reports/periodic", "/reports/officers"],
        # The ICT administrator holds every role: the dossier's work page and slips too.
        "cntt": ["/ict/audit/", "/ict/sync/", "/admin/plugins/", f"/department/dossiers/{code}",
                 f"/department/dossiers/{code}/slips/control"],
        None: ["/login", "/tra-cuu", f"/tra-cuu/{code}", "/kiosk/", "/kiosk/thu-tuc"],
    }


def _watch(page, problems: list[str]) -> None:  # noqa: ANN001
    page.on("console", lambda message: problems.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))


def test_main_pages_of_each_role_run_without_a_csp_violation(app, world):
    skip_unless_browser()
    desk = login(app.test_client(), world.accounts["reception"].username)
    code = desk.post("/api/v1/dossiers", json=intake_data(world)).get_json()["code"]
    problems: list[str] = []
    with serve(app) as base, browser() as chromium:
        for username, paths in _pages(code, world.household_business.code).items():
            if username:
                page = browser_login(chromium, base, username, PASSWORD)
            else:
                page = chromium.new_context().new_page()
            _watch(page, problems)
            for path in paths:
                response = page.goto(f"{base}{path}")
                assert response.status == 200, path
                assert "script-src 'self'" in response.headers["content-security-policy"]
                page.wait_for_load_state("load")
            page.context.close()

        page = browser_login(chromium, base, "letan", PASSWORD)
        _watch(page, problems)
        page.goto(f"{base}/dossiers/{code}/receipt")
        page.evaluate("() => { window.print = () => { document.body.dataset.printed = 1; }; }")
        page.click("#print-button")
        page.wait_for_selector("body[data-printed]")
        page.goto(f"{base}/dossiers/NOPE")
        page.click("a[data-back]")
        page.wait_for_url(f"**/dossiers/{code}/receipt")
    assert not problems, "\n".join(problems)
