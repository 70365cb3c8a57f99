"""The public lookup website and the kiosk in a real headless Chromium on a real server.

A citizen types the code on the website; at the kiosk a barcode scanner "types" the code
and Enter without anyone touching the screen; another citizen taps it in on the on-screen
keypad; a kiosk left alone returns to its home screen in Vietnamese.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account
from tests.browser import chromium_page, serve, skip_unless_browser, wait_for_focus
from tests.factories import build_world, intake_data

pytestmark = pytest.mark.browser

IDLE_SECONDS = 2


@pytest.fixture
def live(sqlite_app):
    """The app with the test province and one received dossier, served on a free port.

    Yields (base URL, dossier code)."""
    skip_unless_browser()
    database = sqlite_app.extensions["motcua.db"]
    with sqlite_app.app_context():
        world = build_world(database.session)
        actor = database.session.get(Account, world.accounts["reception"].id)
        dossier = take_in(DeskContext(database.session, actor, sqlite_app.config["MOTCUA"]),
                          intake_data(world))
        database.session.commit()
        code = dossier.code
        database.remove()
    sqlite_app.config["KIOSK_IDLE_SECONDS"] = IDLE_SECONDS
    with serve(sqlite_app) as url:
        yield url, code


@pytest.fixture
def page(live):
    with chromium_page() as page:
        yield page


def test_website_type_code_and_enter_shows_the_status(live, page):
    base, code = live
    page.goto(f"{base}/tra-cuu")
    wait_for_focus(page, "#code")
    page.keyboard.type(f" {code.lower()} ")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/tra-cuu/{code}")
    result = page.locator(".lookup-result")
    assert result.get_attribute("data-status") == "received"
    assert result.get_attribute("data-code") == code
    assert page.locator("#officer").inner_text() == "—"  # unclaimed (routing)
    assert "0912345678" not in page.content()


def test_website_unknown_code_shows_a_message(live, page):
    base, _code = live
    page.goto(f"{base}/tra-cuu")
    wait_for_focus(page, "#code")
    page.keyboard.type("H72.01.01-991231-9999")
    page.keyboard.press("Enter")
    assert "H72.01.01-991231-9999" in page.locator("#lookup-error").inner_text()


def test_kiosk_scanner_typing_code_and_enter_shows_the_status(live, page):
    base, code = live
    page.goto(f"{base}/kiosk/")
    wait_for_focus(page, "#scan")
    # The scanner is a keyboard: it types the code and Enter; nobody touches the screen.
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/kiosk/tra-cuu?code=*")
    result = page.locator(".lookup-result")
    assert result.get_attribute("data-status") == "received"
    assert result.get_attribute("data-code") == code
    assert page.locator("#status").is_visible()
    assert page.locator("#officer").inner_text() == "—"  # unclaimed (routing)


def test_kiosk_scanner_still_works_after_touching_the_screen(live, page):
    base, code = live
    page.goto(f"{base}/kiosk/thu-tuc")
    page.locator("h1").click()  # a touch elsewhere must not steal the scanner's input
    wait_for_focus(page, "#scan")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/kiosk/tra-cuu?code=*")
    assert page.locator(".lookup-result").get_attribute("data-code") == code


def test_kiosk_on_screen_keypad(live, page):
    base, code = live
    page.goto(f"{base}/kiosk/")
    page.locator("#go-lookup").click()
    page.wait_for_url(f"{base}/kiosk/tra-cuu")
    for char in "X9":  # a slip, corrected with backspace and clear
        page.locator(f'.keypad button[data-key="{char}"]').click()
    page.locator('button[data-action="backspace"]').click()
    assert page.locator("#display").input_value() == "X"
    page.locator('button[data-action="clear"]').click()
    for char in code:
        page.locator(f'.keypad button[data-key="{char}"]').click()
    assert page.locator("#display").input_value() == code
    page.locator("#keypad-submit").click()
    page.wait_for_url(f"{base}/kiosk/tra-cuu?code=*")
    assert page.locator(".lookup-result").get_attribute("data-status") == "received"


def test_kiosk_keypad_wrong_code_shows_a_message(live, page):
    base, _code = live
    page.goto(f"{base}/kiosk/tra-cuu")
    for char in "H72":
        page.locator(f'.keypad button[data-key="{char}"]').click()
    page.locator("#keypad-submit").click()
    assert "H72" in page.locator("#lookup-error").inner_text()


def test_kiosk_left_idle_returns_home_in_vietnamese(sqlite_app, live, page):
    sqlite_app.config["MOTCUA"].language = "vi"  # the deployment default (tests run in English)
    base, code = live
    page.goto(f"{base}/kiosk/ngon-ngu/en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{base}/kiosk/tra-cuu?code={code}")
    assert page.locator(".lookup-result").is_visible()
    page.wait_for_timeout(IDLE_SECONDS * 1000 // 2)
    assert "/kiosk/tra-cuu" in page.url  # not before the timeout
    page.wait_for_url(f"{base}/kiosk/", timeout=(IDLE_SECONDS + 5) * 1000)
    assert page.locator("#go-lookup").is_visible()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_kiosk_touches_keep_it_awake(live, page):
    base, _code = live
    page.goto(f"{base}/kiosk/tra-cuu")
    for _ in range(4):  # a citizen keeps typing for twice the idle time
        page.wait_for_timeout(IDLE_SECONDS * 1000 // 2)
        page.locator('.keypad button[data-key="7"]').click()
    assert page.url == f"{base}/kiosk/tra-cuu"
    assert page.locator("#display").input_value() == "7777"


def test_kiosk_catalogue_search_with_the_on_screen_keys(live, page):
    base, _code = live
    page.goto(f"{base}/kiosk/")
    page.locator("#go-catalogue").click()
    page.wait_for_url(f"{base}/kiosk/thu-tuc")
    assert "Thủ tục đăng ký khai sinh" in page.content()
    page.locator("#catalogue-search summary").click()
    for char in "KHAI SINX":
        page.locator(f'#search-form .keypad button[data-key="{char}"]').click()
    page.locator('#search-form button[data-action="backspace"]').click()
    page.locator('#search-form .keypad button[data-key="H"]').click()
    assert page.locator("#display").input_value() == "KHAI SINH"
    page.locator("#search-submit").click()
    page.wait_for_url(f"{base}/kiosk/thu-tuc?q=KHAI+SINH")
    names = page.locator(".procedure-list .list-button").all_inner_texts()
    assert len(names) == 1 and "Thủ tục đăng ký khai sinh" in names[0]
    assert "1–1 of 1 procedures" in page.locator("#pager-position").inner_text()
    page.locator("#search-summary a").click()  # "Show all" brings the whole list back
    page.wait_for_url(f"{base}/kiosk/thu-tuc")
    assert page.locator(".procedure-list .list-button").count() > 1


# A typical dossier's history: received, then seven steps through the departments.
TYPICAL_STEPS = [("transferred", "in_processing"), ("supplement_requested", "waiting_supplement"),
                 ("supplemented", "in_processing"), ("transferred", "in_processing"),
                 ("submitted_for_approval", "waiting_approval"), ("approved", "in_processing"),
                 ("result_issued", "result_ready")]


def give_a_typical_history(app, code: str) -> None:  # noqa: ANN001
    """Add :data:`TYPICAL_STEPS` to dossier ``code`` (eight lines in all) and leave it
    with its result ready, as its last step says."""
    from sqlalchemy import select

    from motcua.core.models import Dossier, DossierEvent, Unit

    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        units = session.scalars(select(Unit).order_by(Unit.path.desc())).all()
        first = max(event.sequence for event in dossier.events)
        for number, (kind, status) in enumerate(TYPICAL_STEPS, start=1):
            session.add(DossierEvent(dossier_id=dossier.id, sequence=first + number, kind=kind,
                                     at=dossier.received_at + timedelta(hours=4 * number),
                                     to_status=status, to_unit_id=units[number % len(units)].id))
        dossier.status = "result_ready"
        session.commit()
        database.remove()


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (768, 1366)])
def test_kiosk_on_a_portrait_screen_shows_a_typical_dossier_without_scrolling(
        sqlite_app, live, width, height):
    base, code = live
    give_a_typical_history(sqlite_app, code)
    with chromium_page(width, height) as kiosk:
        kiosk.goto(f"{base}/kiosk/tra-cuu?code={code}")
        assert kiosk.locator(".timeline li").count() == 8
        scroll = kiosk.evaluate("""() => ({height: document.documentElement.scrollHeight,
            width: document.documentElement.scrollWidth, innerHeight, innerWidth})""")
        assert scroll["height"] <= scroll["innerHeight"], scroll
        assert scroll["width"] <= scroll["innerWidth"], scroll
        status = kiosk.locator("#status")
        box = status.bounding_box()
        size = float(status.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
        assert size >= 48 and box["width"] >= 0.8 * (width - 60)  # large, across the screen
        kiosk_colours = status.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    with chromium_page(390, 844) as phone:
        phone.goto(f"{base}/tra-cuu/{code}")
        website_colours = phone.locator("#status").evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    # One source of the colours: a ready result is green on both.
    assert kiosk_colours == website_colours == ["rgb(27, 110, 58)", "rgb(227, 243, 232)"]
