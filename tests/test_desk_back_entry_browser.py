"""Back-entry in a real Chromium: the appointment shown is counted from the original receipt
time as soon as the officer types it (the page asks the server's working-day calendar)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from motcua.core.intake import load_calendar
from motcua.core.models import Procedure
from motcua.core.timeutil import from_local, local, now
from tests.test_desk_browser import live_desk, log_in, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_back_entry_appointment_follows_the_typed_original_time(live_desk, page):  # noqa: F811
    app, base = live_desk
    log_in(page, base)
    page.goto(f"{base}/intake/1.001612?mode=back")
    note = page.locator("[data-back-entry-due]")
    assert "Enter the original receipt time" in note.inner_text()

    original = from_local(datetime.combine((local(now()) - timedelta(days=5)).date(),
                                           time(9, 30)))
    page.fill("input[name=received_date]", local(original).strftime("%Y-%m-%d"))
    page.fill("input[name=received_time]", "09:30")
    with app.app_context():
        database = app.extensions["motcua.db"]
        processing_days = database.session.scalar(
            select(Procedure.processing_days).where(Procedure.code == "1.001612"))
        due = load_calendar(database.session).due_at(original, processing_days)
        database.remove()
    expected = local(due).strftime("%d/%m/%Y %H:%M")
    page.wait_for_function(
        "text => document.querySelector('[data-back-entry-due]').textContent.includes(text)",
        arg=expected, timeout=10_000)
    assert note.inner_text() == (
        f"Counted from the original receipt time, the result is due on {expected}.")
