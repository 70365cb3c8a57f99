"""A dossier's whole life through the screens, in a real Chromium against a live server:
received at the desk, a supplement round, liên thông to the tax office and back, a late
step with an apology slip, the leader's approval, the result issued and returned; the
printed control slip lists every hand-over with its holder, times and verdict.

Each officer works in their own browser context (own session cookie), with CSRF on.
The clock is moved between steps so one step is really late.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from motcua.core.models import Dossier, DossierWorkflow
from motcua.core.timeutil import local
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve, skip_unless_browser
from tests.factories import PASSWORD, build_world
from tests.test_workflow_support import Clock, add_routing, receive, vn

pytestmark = pytest.mark.browser


@pytest.fixture
def live(sqlite_app, monkeypatch):
    skip_unless_browser()
    clock = Clock(monkeypatch, vn(2026, 12, 7, 9, 0))  # a Monday
    database = sqlite_app.extensions["motcua.db"]
    with sqlite_app.app_context():
        world = add_routing(database.session, build_world(database.session))
        database.remove()
    sqlite_app.config["WTF_CSRF_ENABLED"] = True
    with serve(sqlite_app) as url:
        yield sqlite_app, url, clock, world


@contextmanager
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def officer(chromium, base: str, username: str):  # noqa: ANN001, ANN201
    """A logged-in page of its own for ``username``, on the work queues."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login?next=/department/%3Fscope%3Dunit")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/department/?scope=unit")
    return page


def act(page, base: str, code: str, action: str, **fields) -> None:  # noqa: ANN001
    """Open the dossier's work page, fill the action's form and submit it."""
    page.goto(f"{base}/department/dossiers/{code}")
    form = page.locator(f"form[data-action={action}]")
    assert form.count() == 1, f"{action} is not offered: {page.inner_text('main')[:400]}"
    if not form.is_visible():  # behind the "other actions" menu
        page.click("[data-more-actions] > summary")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]").first
        tag = field.evaluate("e => e.tagName + (e.type ? ':' + e.type : '')")
        if tag.startswith("SELECT"):
            field.select_option(value)
        elif tag == "INPUT:checkbox":
            form.locator(f"input[name={name}][value='{value}']").check()
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert not page.locator("[data-form-error]").count(), page.inner_text("main")[:600]


def test_desk_to_departments_to_leader_and_back_with_every_hand_over_printed(live, tmp_path):
    app, base, clock, _routing = live
    with browser() as chromium:
        desk = officer(chromium, base, "letan")
        desk.goto(f"{base}/intake/1.001612")
        desk.fill("input[name='applicant.name']", "Trần Thị Bình")
        desk.fill("input[name='applicant.citizen_id']", "072190004321")
        desk.fill("input[name='applicant.address']", "45 Cách Mạng Tháng Tám, Tây Ninh")
        desk.locator("input[name=documents]").nth(0).check()
        desk.locator("input[name=documents]").nth(1).check()
        desk.click("button[value=receive]")
        desk.wait_for_url("**/receipt")
        code = desk.locator(".slip-number [data-dossier-code]").inner_text().strip()

        # The finance specialist finds it in the unit queue, with a notice about it.
        specialist = officer(chromium, base, "chuyenvien")
        assert code in specialist.inner_text("[data-queue-table=unit]")
        assert specialist.locator("[data-unread-count]").inner_text().strip() == "1"
        clock.set(vn(2026, 12, 7, 9, 30))
        act(specialist, base, code, "claim")
        specialist.screenshot(path=str(tmp_path / "work.png"), full_page=True)
        act(specialist, base, code, "request_supplement",
            missing="Bản sao giấy tờ pháp lý của cá nhân", note="Bản sao mờ")
        specialist.wait_for_url("**/slips/supplement")
        slip = specialist.inner_text(".slip")
        assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in slip
        assert "Bản sao giấy tờ pháp lý của cá nhân" in slip

        clock.set(vn(2026, 12, 7, 10, 30))
        act(desk, base, code, "record_supplement", note="Đã nhận bản sao rõ")
        clock.set(vn(2026, 12, 7, 11, 0))
        act(specialist, base, code, "transfer", to_unit="H72.T01", note="Xác nhận nghĩa vụ thuế")

        tax = officer(chromium, base, "thue")
        assert code in tax.inner_text("[data-queue-table=unit]")
        clock.set(vn(2026, 12, 7, 14, 0))
        act(tax, base, code, "claim")
        act(tax, base, code, "transfer", to_unit="H72.01.02", note="Không nợ thuế")

        # Two days later the step is late: the specialist, who got it back from the tax
        # office without claiming it again, apologises with a new date.
        clock.set(vn(2026, 12, 9, 10, 0))
        act(specialist, base, code, "apologize", new_due_date="2026-12-14",
            new_due_time="16:00", reason="Chờ xác nhận của cơ quan thuế")
        specialist.wait_for_url("**/slips/apology")
        apology = specialist.inner_text(".slip")
        assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology
        assert "16 giờ 00 phút, ngày 14/12/2026" in apology
        specialist.screenshot(path=str(tmp_path / "apology.png"), full_page=True)
        act(specialist, base, code, "submit_for_approval", note="Đủ điều kiện")

        leader = officer(chromium, base, "lanhdao")
        leader.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
        assert code in leader.inner_text("[data-queue-table=unit]")
        clock.set(vn(2026, 12, 9, 11, 0))
        act(leader, base, code, "approve", note="Đồng ý")

        clock.set(vn(2026, 12, 9, 14, 0))
        act(desk, base, code, "issue_result", result_number="HKD-2026-0042")
        act(desk, base, code, "return_result", collected_by="Trần Thị Bình",
            method="in_person")
        assert desk.locator("[data-status]").get_attribute("data-status") == "returned"

        desk.goto(f"{base}/department/dossiers/{code}/slips/control")
        desk.screenshot(path=str(tmp_path / "control.png"), full_page=True)
        heading = desk.inner_text(".slip")
        rows = desk.locator("[data-control-slip] tr[data-row]")

        def cell(i: int, selector: str) -> str | None:
            found = rows.nth(i).locator(selector)
            return found.inner_text().strip() if found.count() else None

        printed = [(rows.nth(i).get_attribute("data-unit-code"), cell(i, "[data-time-in]"),
                    cell(i, "[data-time-out]"), cell(i, "[data-holder-person]"),
                    rows.nth(i).get_attribute("data-verdict"), cell(i, "[data-step-due]"))
                   for i in range(rows.count())]
        pdf = desk.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")

    names = {who: account.full_name for who, account in routing(app).items()}
    # The finance step has 1.5 working days from 09:00 Monday: Tuesday 13:45, moved to
    # 14:45 by the hour the dossier waited for its supplement (09:30-10:30).
    step_due = "14 giờ 45, 08/12/2026"
    assert printed == [
        ("H72.01.01", "09 giờ 00, 07/12/2026", "09 giờ 00, 07/12/2026", names["reception"],
         "Đúng hạn", None),
        ("H72.01.02", "09 giờ 00, 07/12/2026", "11 giờ 00, 07/12/2026", names["specialist"],
         "Trước hạn", step_due),
        ("H72.T01", "11 giờ 00, 07/12/2026", "14 giờ 00, 07/12/2026",
         names["tax_specialist"], "Trước hạn", step_due),
        # Handed on two days later, on Wednesday: the late step.
        ("H72.01.02", "14 giờ 00, 07/12/2026", "10 giờ 00, 09/12/2026", names["specialist"],
         "Quá hạn", step_due),
        # The leader's day: from Wednesday 10:00 to Thursday 10:00.
        ("H72.01", "10 giờ 00, 09/12/2026", "11 giờ 00, 09/12/2026", names["leader"],
         "Trước hạn", "10 giờ 00, 10/12/2026"),
        ("H72.01.01", "11 giờ 00, 09/12/2026", "14 giờ 00, 09/12/2026", names["reception"],
         "Đúng hạn", None),
    ]

    with app.app_context():
        session = app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.status == "returned"
        instance = session.get(DossierWorkflow, dossier.id)
        # Three working days from Monday 09:00 is Thursday 09:00, moved an hour by the
        # pause; the apology's date replaced it, the dossier is judged against it.
        assert local(instance.original_due_at) == vn(2026, 12, 10, 10, 0)
        assert local(dossier.due_at) == vn(2026, 12, 14, 16, 0)
        app.extensions["motcua.db"].remove()
    assert ("Thời hạn trả kết quả: 10 giờ 00 phút, ngày 10/12/2026 (hẹn lại: 16 giờ 00 "
            "phút, ngày 14/12/2026)") in heading


def routing(app) -> dict:  # noqa: ANN001
    """The officers of the live server's world, by role name."""
    from motcua.core.models import Account

    with app.app_context():
        session = app.extensions["motcua.db"].session
        accounts = {account.username: account for account in session.scalars(select(Account))}
        session.expunge_all()
        app.extensions["motcua.db"].remove()
    return {"reception": accounts["letan"], "specialist": accounts["chuyenvien"],
            "tax_specialist": accounts["thue"], "leader": accounts["lanhdao"]}


def test_work_page_puts_the_step_first_and_filters_the_units_to_transfer_to(live, tmp_path):
    """The likely action is the form on show, the others open from their menu; typing in
    the filter box narrows the transfer list (without diacritics) and picks the match;
    back at the tax office the sending unit is offered first. Without JavaScript the
    list is a plain select. Set MOTCUA_DOCS_IMAGES to a folder to keep the screenshot
    the department guide shows."""
    import os
    from pathlib import Path

    app, base, _clock, routing = live
    with app.app_context():
        code = receive(app.extensions["motcua.db"].session, app, routing).code
        app.extensions["motcua.db"].remove()
    with browser() as chromium:
        specialist = officer(chromium, base, "chuyenvien")
        specialist.goto(f"{base}/lang/vi")  # the screens as the guide shows them
        act(specialist, base, code, "claim")
        specialist.goto(f"{base}/department/dossiers/{code}")
        primary = specialist.locator("[data-primary-actions] form[data-action]")
        assert [primary.nth(i).get_attribute("data-action") for i in range(primary.count())] \
            == ["submit_for_approval"]
        transfer = specialist.locator("form[data-action=transfer]")
        assert not transfer.is_visible()
        folder = os.environ.get("MOTCUA_DOCS_IMAGES")
        shot = Path(folder) if folder else tmp_path
        specialist.screenshot(path=str(shot / "department-work-page.png"), full_page=True)
        specialist.click("[data-more-actions] > summary")
        assert transfer.is_visible()
        assert transfer.locator("button").inner_text() == "Chuyển cơ quan khác"
        specialist.fill("#to_unit-filter", "chi cuc thue")
        assert specialist.eval_on_selector("#to_unit", "s => s.value") == "H72.T01"
        shown = specialist.eval_on_selector_all(
            "#to_unit option", "os => os.filter(o => o.value && !o.hidden).map(o => o.value)")
        assert shown == ["H72.T01"]
        with specialist.expect_navigation():
            transfer.locator("button[type=submit]").click()

        tax = officer(chromium, base, "thue")
        act(tax, base, code, "claim")
        tax.goto(f"{base}/department/dossiers/{code}")
        # Sending it back is the likely action there, its sender first and chosen.
        assert tax.locator("[data-primary-actions] form[data-action=transfer]").is_visible()
        assert tax.eval_on_selector("#to_unit", "s => s.value") == "H72.01.02"
        sender = routing.accounts["specialist"].full_name
        assert sender in tax.locator("#to_unit option[data-sender]").inner_text()

        plain = chromium.new_context(java_script_enabled=False)
        page = plain.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "thue")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{base}/department/dossiers/{code}")
        assert not page.locator("#to_unit-filter").is_visible()
        page.select_option("#to_unit", "H72.01.02")
        with page.expect_navigation():
            page.locator("form[data-action=transfer] button[type=submit]").click()
        plain.close()
    with app.app_context():
        session = app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.holder_account.username == "chuyenvien"  # back to its sender
        app.extensions["motcua.db"].remove()
