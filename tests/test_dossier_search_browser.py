"""Find a dossier in a real Chromium: the header search box, and the barcode scanner that
opens a scanned code from whatever field has the focus (static/js/scanner.js)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, Procedure
from tests.factories import applicant
from tests.test_desk_browser import (  # noqa: F401
    live_desk,
    log_in,
    page,
    pytestmark,  # noqa: F401
)

NAME_FIELD = "input[name='applicant.name']"
# Kept in the tab's sessionStorage when the intake page is left, so the test can read,
# on the page that opened, what the field held at that moment.
REMEMBER_FIELD = """s => window.addEventListener('pagehide', () =>
    sessionStorage.setItem('field', document.querySelector(s).value))"""


@pytest.fixture
def code(live_desk) -> str:  # noqa: F811
    """A dossier of Đỗ Thị Ánh received at the district desk of the test province."""
    app, _ = live_desk
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        reception = session.scalar(select(Account).where(Account.username == "letan"))
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.001612"))
        dossier = take_in(DeskContext(session, reception, app.config["MOTCUA"]), {
            "procedure_code": procedure.code, "unit_code": "H72.01.01",
            "applicant": applicant(name="Đỗ Thị Ánh", phone="0912345678"),
            "submitted_documents": [d.id for d in procedure.documents if d.required]})
        session.commit()
        found = dossier.code
        database.remove()
    return found


def test_the_header_box_finds_by_name_without_diacritics_and_by_phone(live_desk, page,  # noqa: F811
                                                                      code):
    _, base = live_desk
    log_in(page, base)
    box = page.locator("form[data-dossier-search] input[name=q]")
    box.fill("do thi")
    box.press("Enter")
    page.wait_for_url("**/department/search?q=do+thi")
    assert page.locator("[data-search-results] tr[data-dossier]").count() == 1
    page.locator(f"tr[data-dossier='{code}'] a").click()
    page.wait_for_url(f"**/dossiers/{code}")
    box = page.locator("form[data-dossier-search] input[name=q]")
    box.fill("+84 912 345 678")
    box.press("Enter")
    page.wait_for_url("**/department/search?**")
    assert page.locator(f"tr[data-dossier='{code}']").count() == 1


def test_a_scan_into_a_form_field_opens_the_dossier_and_leaves_the_field_alone(
        live_desk, page, code):  # noqa: F811
    _, base = live_desk
    log_in(page, base)
    page.goto(f"{base}/intake/1.001612")
    field = page.locator(NAME_FIELD)
    field.click()
    page.keyboard.type("Trần", delay=120)  # the officer was typing a name
    page.evaluate(REMEMBER_FIELD, NAME_FIELD)
    page.keyboard.type(code.lower() + "\n", delay=5)  # the scanner: 5 ms a key, then Enter
    page.wait_for_url(f"**/dossiers/{code}")
    assert page.locator("h1[data-dossier-code]").inner_text().strip() == code
    assert page.evaluate("() => sessionStorage.getItem('field')") == "Trần"


def test_a_person_typing_a_code_in_a_form_field_is_not_hijacked(live_desk, page, code):  # noqa: F811
    _, base = live_desk
    log_in(page, base)
    page.goto(f"{base}/intake/1.001612")
    searches = []
    page.on("request", lambda request: searches.append(request.url)
            if "/search" in request.url or "/dossiers/" in request.url else None)
    field = page.locator(NAME_FIELD)
    field.click()
    page.keyboard.type(code + "\n", delay=120)
    # Enter does not send the half-filled form (its required fields are empty); a hijack
    # would have asked for the dossier at once.
    page.wait_for_timeout(1500)
    assert searches == [] and page.url.endswith("/intake/1.001612")
    assert field.input_value() == code
