"""The change-password form in a real headless Chromium: an officer whose password an
administrator reset is sent to the form at login and continues once it is changed."""

from __future__ import annotations

import pytest

from motcua.core import account_admin
from tests.browser import chromium_page, serve, skip_unless_browser
from tests.factories import build_world

pytestmark = pytest.mark.browser

TEMPORARY = "tam-thoi-2026"
NEW = "mat-khau-moi-2026"


@pytest.fixture
def base(sqlite_app):
    skip_unless_browser()
    database = sqlite_app.extensions["motcua.db"]
    with sqlite_app.app_context():
        build_world(database.session)
        officer = account_admin.account_by_username(database.session, "letan")
        account_admin.reset_password(database.session, None, officer, TEMPORARY)
        database.session.commit()
        database.remove()
    with serve(sqlite_app) as url:
        yield url


def fill(page, current: str, new: str, confirm: str) -> None:  # noqa: ANN001
    page.fill("input[name=current]", current)
    page.fill("input[name=new]", new)
    page.fill("input[name=confirm]", confirm)
    page.click("form[action='/account/password'] button[type=submit]")


def test_a_reset_password_is_changed_in_the_form_before_anything_else(base):
    with chromium_page() as page:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "letan")
        page.fill("input[name=password]", TEMPORARY)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(f"{base}/account/password")
        assert page.locator("[data-must-change]").is_visible()
        page.goto(f"{base}/")  # any other page sends the officer back
        page.wait_for_url(f"{base}/account/password")
        fill(page, TEMPORARY, NEW, "khac-" + NEW)
        assert "The two new passwords differ." in page.locator("[role=alert]").inner_text()
        fill(page, TEMPORARY, NEW, NEW)
        page.wait_for_url(f"{base}/")
        assert "Your password is changed" in page.locator(".flash").first.inner_text()
        page.goto(f"{base}/account/password")
        assert page.locator("[data-must-change]").count() == 0
