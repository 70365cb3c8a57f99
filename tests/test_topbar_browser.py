"""The staff top bar in a real Chromium on a phone (390x844) and a desktop (1366x768):
no staff page scrolls sideways, every menu entry stays on screen on the phone, and the
desktop bar is laid out as without the phone rules (the SDK test kit's live server)."""

from __future__ import annotations

import pytest

from motcua_sdk.testing import USERNAMES, browser_login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# The accounts with the most menu entries and the staff pages each of them may open.
PAGES = {
    "ict_admin": ["/", "/department/", "/reports/", "/admin/", "/admin/plugins/"],
    "unit_admin": ["/department/", "/reports/", "/admin/"],
    "leader": ["/department/", "/reports/"],
    "reception": ["/", "/department/", "/reports/"],
}

OVERFLOWS = "() => document.documentElement.scrollWidth > window.innerWidth"
# Every link and button of the top bar with its box, to compare layouts and find the
# entries that are hidden or off screen.
ENTRIES = """() => [...document.querySelectorAll(
        'header.topbar a, header.topbar button, header.topbar input:not([type=hidden])')]
    .map(e => { const r = e.getBoundingClientRect();
                return {text: (e.textContent || e.name).trim(), left: r.left, right: r.right,
                        top: r.top, width: r.width, height: r.height}; })"""
# Drops the stylesheet's phone rules (the CSSOM, allowed by the Content-Security-Policy)
# so a test can compare with the bar as it was before them.
DROP_PHONE_RULES = """() => { const sheet = [...document.styleSheets]
        .find(s => s.href && s.href.includes('motcua.css'));
    const rules = [...sheet.cssRules];
    const index = rules.findIndex(r => r.media && r.media.mediaText.includes('max-width')
                                       && r.cssText.includes('.topbar'));
    if (index < 0) throw new Error('no phone rules for the top bar');
    sheet.deleteRule(index); }"""


def _off_screen(entries: list[dict], width: int) -> list[str]:
    return [e["text"] for e in entries
            if e["width"] == 0 or e["height"] == 0 or e["left"] < 0 or e["right"] > width]


@pytest.mark.parametrize(("role", "language"), [(role, "en") for role in PAGES]
                         + [("ict_admin", "vi")])  # the longer Vietnamese menu
def test_no_staff_page_scrolls_sideways_on_a_phone_and_every_menu_entry_is_on_screen(
        motcua_live_url, motcua_browser, role, language):
    page = browser_login(motcua_browser, motcua_live_url, USERNAMES[role])
    page.set_viewport_size(PHONE)
    page.goto(f"{motcua_live_url}/")
    page.click(f"header.topbar .account a:text-is('{language.upper()}')")
    page.wait_for_selector(f"html[lang={language}]")
    for path in PAGES[role]:
        assert page.goto(f"{motcua_live_url}{path}").status == 200, path
        assert not page.evaluate(OVERFLOWS), f"{role} {path} scrolls sideways on a phone"
        entries = page.evaluate(ENTRIES)
        assert len(entries) >= 5, path  # brand, languages, password, log out at least
        assert _off_screen(entries, PHONE["width"]) == [], f"{role} {path}"
        for link in page.locator("header.topbar nav a").all():
            assert link.is_visible(), f"{role} {path}: {link.inner_text()}"
    page.context.close()


def test_without_the_phone_rules_the_bar_would_overflow(motcua_live_url, motcua_browser):
    # Proves the check above can fail: the same page with the rules dropped is too wide.
    page = browser_login(motcua_browser, motcua_live_url, USERNAMES["ict_admin"])
    page.set_viewport_size(PHONE)
    page.goto(f"{motcua_live_url}/department/")
    assert not page.evaluate(OVERFLOWS)
    page.evaluate(DROP_PHONE_RULES)
    assert page.evaluate(OVERFLOWS)
    page.context.close()


@pytest.mark.parametrize("role", list(PAGES))
def test_the_desktop_bar_is_unchanged_and_does_not_overflow(motcua_live_url, motcua_browser,
                                                           role):
    page = browser_login(motcua_browser, motcua_live_url, USERNAMES[role])
    page.set_viewport_size(DESKTOP)
    for path in PAGES[role]:
        assert page.goto(f"{motcua_live_url}{path}").status == 200, path
        assert not page.evaluate(OVERFLOWS), f"{role} {path} scrolls sideways on a desktop"
        with_rules = page.evaluate(ENTRIES)
        assert _off_screen(with_rules, DESKTOP["width"]) == [], f"{role} {path}"
        page.evaluate(DROP_PHONE_RULES)
        assert page.evaluate(ENTRIES) == with_rules, f"{role} {path}"
    page.context.close()
