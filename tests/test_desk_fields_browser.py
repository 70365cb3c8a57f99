"""The desk's specialist fields in a real Chromium, on a phone and a desktop screen: the
fields are there and fit the screen, every error shows at its field with the typed
values kept, and the corrected form (with a decimal comma) is received."""

from __future__ import annotations

import pytest

from motcua_sdk.testing import browser_login, core_testing
from tests.plot_plugin import CODE, PlotPlugin

pytestmark = pytest.mark.browser


@pytest.fixture
def motcua_extra_plugins():
    return [("plots", PlotPlugin())]


def fits(page) -> bool:  # noqa: ANN001
    """Every element of the specialist fields lies within the screen's width."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '#specialist-data, #specialist-data *')].every(
        e => e.getBoundingClientRect().right <= window.innerWidth + 1)""")


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 1000)],
                         ids=["phone", "desktop"])
def test_the_desk_form_shows_the_fields_and_their_errors(motcua_live_url, motcua_browser,
                                                         width, height):
    page = browser_login(motcua_browser, motcua_live_url,
                         core_testing().USERNAMES["reception"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{motcua_live_url}/intake/{CODE}?lang=en")
    fields = page.locator("#specialist-data")
    assert fields.is_visible()
    assert page.locator("[data-specialist-field='plot_number']").is_visible()
    # No field sticks out sideways, on a phone either.
    assert fits(page)

    page.fill("input[name='applicant.name']", "Nguyễn Văn An")
    page.fill("input[name='applicant.citizen_id']", "072090001234")
    page.fill("input[name='applicant.address']", "12 đường 30/4, phường Tân Ninh")
    page.fill("input[name='specialist_data.plot_number']", "12-345")
    page.fill("input[name='specialist_data.area']", "nhiều")
    page.fill("input[name='specialist_data.owner_name']", "Trần Thị Bình")
    page.click("button[value=receive]")
    page.wait_for_selector("#form-error")
    for name in ("plot_number", "area", "land_use"):
        error = page.locator(f"#error-specialist_data-{name}")
        assert error.is_visible(), name
    assert page.locator("#error-specialist_data-plot_number").inner_text() == (
        "A plot number looks like 12/345.")
    assert page.input_value("input[name='specialist_data.owner_name']") == "Trần Thị Bình"
    assert fits(page)

    page.fill("input[name='specialist_data.plot_number']", "12/345")
    page.fill("input[name='specialist_data.area']", "120,5")
    page.select_option("select[name='specialist_data.land_use']", "ONT")
    page.click("button[value=receive]")
    page.wait_for_url(lambda url: url.endswith("/receipt"))
