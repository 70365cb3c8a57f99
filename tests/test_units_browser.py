"""The administrators' pages in a real Chromium: from the staff menu to the index, to the
unit list, filtered by function with the form (the SDK test kit's live server and
browser, CSRF on)."""

from __future__ import annotations

import pytest

from motcua_sdk.testing import USERNAMES, browser_login

pytestmark = pytest.mark.browser


def test_an_administrator_finds_the_units_and_their_functions(motcua_live_url,
                                                              motcua_browser):
    page = browser_login(motcua_browser, motcua_live_url, USERNAMES["unit_admin"])
    page.click("a[data-nav=admin]")
    page.wait_for_url(f"{motcua_live_url}/admin/")
    pages = page.locator("[data-page]")
    assert pages.evaluate_all("items => items.map(i => i.dataset.page)") == [
        "admin.units", "reports.periodic"]
    page.click("li[data-page='admin.units'] a")
    page.wait_for_url(f"{motcua_live_url}/admin/units")
    # A unit administrator of the city sees the city's subtree, not the province's tax office.
    codes = page.locator("tr[data-unit]").evaluate_all(
        "rows => rows.map(r => r.dataset.unit)")
    assert codes == ["H99.01", "H99.01.01", "H99.01.02", "H99.01.03", "X99.00001"]
    page.fill("input[name=function]", "justice")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("tr[data-unit='H99.01.03']")
    assert page.locator("tr[data-unit]").count() == 1
    assert page.locator("tr[data-unit='H99.01.03'] td").nth(4).inner_text() == "justice"
    page.fill("input[name=under]", "T99.01")
    page.fill("input[name=function]", "")
    page.click("form.filters button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("No unit with agency code "
                                                                 "T99.01")
    page.context.close()
