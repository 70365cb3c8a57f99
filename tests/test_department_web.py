"""The department screens through the test client, on SQLite and PostgreSQL: queues,
every action through its form, the conflict message on a stale page, refusals for
officers of other units, and the printable slips of processing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from motcua.core.models import Dossier, DossierEvent, StepHolding, SupplementPause
from motcua.core.timeutil import local
from motcua.core.workflow import actions
from tests.conftest import login
from tests.test_workflow_support import add_routing, receive, vn

THREE_STEPS = [
    {"name": "Thẩm định hồ sơ", "role": "specialist", "days": 1, "unit": "function:finance"},
    {"name": "Ý kiến tư pháp", "role": "specialist", "days": 1, "unit": "function:justice"},
    {"name": "Phê duyệt", "role": "leader", "days": 1, "unit": "parent"},
]
CONFLICT = "The dossier was just updated by someone else; please reload."


def client(app, routing, name: str):
    return login(app.test_client(), routing.accounts[name].username)


def new_dossier(app, db, routing, **overrides) -> str:
    with app.app_context():
        code = receive(db.session, app, routing, **overrides).code
        db.remove()
    return code


def state(app, db, code: str) -> Dossier:
    """The dossier as stored now (detached, with the fields the tests read)."""
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        db.session.expunge(dossier)
        db.remove()
    return dossier


def counts(app, db, code: str) -> tuple[int, int, int]:
    """(version, events, hand-overs): what must not move when an action is refused."""
    with app.app_context():
        session = db.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        result = (dossier.version,
                  session.scalar(select(func.count(DossierEvent.id)).where(
                      DossierEvent.dossier_id == dossier.id)),
                  session.scalar(select(func.count(StepHolding.id)).where(
                      StepHolding.dossier_id == dossier.id)))
        db.remove()
    return result


def act(http, code: str, name: str, version: int | None = None, **fields):
    """Post an action form the way the page does (the page's own version by default)."""
    if version is None:
        page = http.get(f"/department/dossiers/{code}")
        assert page.status_code == 200, page.data
        version = int(re.search(rb'name="expected_version" value="(\d+)"', page.data)[1])
    return http.post(f"/department/dossiers/{code}/actions/{name}",
                     data={"expected_version": str(version), **fields})


def offered(http, code: str) -> set[str]:
    page = http.get(f"/department/dossiers/{code}")
    return {match.decode() for match in re.findall(rb'data-action="(\w+)"', page.data)}


def text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------- queues


def test_queues_list_mine_and_my_units_overdue_first_with_counts(app, db, routing, clock):
    old = new_dossier(app, db, routing, applicant={
        "name": "Người Quá Hạn", "citizen_id": "072090001111", "address": "Tây Ninh"})
    clock.set(vn(2026, 12, 14, 9, 0))  # a week later: the first one is overdue
    fresh = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")

    page = specialist.get("/department/?scope=unit")
    assert page.status_code == 200
    body = text(page)
    assert body.index(old) < body.index(fresh)  # overdue first
    assert 'data-count="unit">2<' in body and 'data-count="mine">0<' in body
    assert 'data-count="overdue">1<' in body
    assert body.count("data-overdue") == 1

    assert act(specialist, fresh, "claim").status_code == 302
    mine = text(specialist.get("/department/"))
    assert fresh in mine and old not in mine
    assert 'data-count="mine">1<' in mine
    # The leader's approval queue is empty: nothing is at a leader's step yet.
    leader = client(app, routing, "leader")
    assert 'data-count="unit">0<' in text(leader.get("/department/?scope=unit"))
    # The navigation leads there, with the unread notices counted (two arrivals).
    assert 'data-nav="queues"' in mine
    assert re.search(r'data-unread-count>\s*2<', text(specialist.get("/department/")))


def test_due_soon_counts_only_running_dossiers_not_yet_late(app, db, routing, clock):
    """Issue #15: the desk's "due within one working day" counted results ready long
    ago (finished, nothing is due) and waiting dossiers (their clocks are stopped). It
    counts running dossiers due by tomorrow and not yet late; results ready at the desk
    are neither due soon nor overdue."""
    ready, waiting, running = (new_dossier(app, db, routing) for _ in range(3))
    specialist, leader = client(app, routing, "specialist"), client(app, routing, "leader")
    for code in (ready, waiting, running):
        assert act(specialist, code, "claim").status_code == 302
    assert act(specialist, ready, "submit_for_approval").status_code == 302
    assert act(leader, ready, "approve").status_code == 302
    assert act(specialist, waiting, "request_supplement",
               missing="Bản sao CCCD").status_code == 302
    desk = client(app, routing, "reception")
    clock.set(vn(2026, 12, 9, 10, 0))  # the running one is due within one working day
    page = text(desk.get("/department/?scope=unit"))
    assert ready in page and waiting in page
    assert 'data-count="due_soon">0<' in page and 'data-count="overdue">0<' in page
    mine = text(specialist.get("/department/"))
    assert running in mine and 'data-count="due_soon">1<' in mine

    clock.set(vn(2027, 1, 11, 10, 0))  # a month on: the result waits, nothing is late
    page = text(desk.get("/department/?scope=unit"))
    assert 'data-count="due_soon">0<' in page and 'data-count="overdue">0<' in page
    mine = text(specialist.get("/department/"))
    assert 'data-count="due_soon">0<' in mine and 'data-count="overdue">1<' in mine


def test_unknown_queue_is_a_clear_400(app, db, routing):
    assert client(app, routing, "specialist").get("/department/?scope=x").status_code == 400


# ---------------------------------------------------------------------------- actions


def test_the_whole_path_through_the_forms(app, db, routing, clock):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    finance_leader = client(app, routing, "finance_leader")
    desk = client(app, routing, "reception")
    tax = client(app, routing, "tax_specialist")
    leader = client(app, routing, "leader")
    colleague = client(app, routing, "specialist2")

    # A leader of the unit assigns it; the colleague claims nothing, the holder works.
    assert "assign" in offered(finance_leader, code)
    response = act(finance_leader, code, "assign", to_account="chuyenvien2")
    assert response.status_code == 302
    assert state(app, db, code).holder_account_id == routing.accounts["specialist2"].id
    assert act(finance_leader, code, "assign", to_account="chuyenvien").status_code == 302
    assert "claim" not in offered(colleague, code)

    clock.set(vn(2026, 12, 7, 10, 0))
    # Supplement: a checklist of the dossier's documents plus free lines.
    response = act(specialist, code, "request_supplement",
                   missing="Bản sao giấy tờ pháp lý của cá nhân",
                   missing_other="Bản đồ vị trí kinh doanh\n\n", note="Thiếu giấy tờ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/department/dossiers/{code}/slips/supplement")
    assert state(app, db, code).status == "waiting_supplement"
    slip = text(specialist.get(response.headers["Location"]))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in slip
    assert "<li>Bản sao giấy tờ pháp lý của cá nhân</li>" in slip
    assert "<li>Bản đồ vị trí kinh doanh</li>" in slip
    assert "Phạm Chuyên Viên" in slip and "10 giờ 00 phút, ngày 07/12/2026" in slip

    clock.set(vn(2026, 12, 8, 10, 0))  # a working day later the applicant brings it
    assert "record_supplement" in offered(desk, code)
    assert act(desk, code, "record_supplement", note="Đã nhận bổ sung").status_code == 302
    after = state(app, db, code)
    assert after.status == "in_processing"

    # Liên thông: to the tax office and back.
    response = act(specialist, code, "transfer", to_unit="H72.T01", note="Xác nhận thuế")
    assert response.status_code == 302, text(response)
    assert state(app, db, code).status == "waiting_other_agency"
    assert act(tax, code, "claim").status_code == 302
    assert act(tax, code, "transfer", to_unit="H72.01.02").status_code == 302
    back = state(app, db, code)
    # Back with the specialist who sent it, not only in the unit's queue.
    assert back.status == "in_processing"
    assert back.holder_account_id == routing.accounts["specialist"].id

    assert act(specialist, code, "submit_for_approval", note="Đủ điều kiện").status_code == 302
    assert state(app, db, code).status == "waiting_approval"
    # The specialist no longer sees it; the leader sends it back with a reason.
    assert specialist.get(f"/department/dossiers/{code}").status_code == 403
    assert act(leader, code, "send_back", to_step="0", reason="Kiểm tra lại địa chỉ"
               ).status_code == 302
    back = state(app, db, code)
    assert back.holder_account_id == routing.accounts["specialist"].id
    assert act(specialist, code, "submit_for_approval").status_code == 302

    # Late: the leader apologises with a new appointment.
    response = act(leader, code, "apologize", new_due_date="2026-12-21",
                   new_due_time="15:30", reason="Chờ ý kiến cơ quan thuế")
    assert response.status_code == 302
    apology = text(leader.get(response.headers["Location"]))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology
    assert "15 giờ 30 phút, ngày 21/12/2026" in apology
    assert "Chờ ý kiến cơ quan thuế" in apology

    assert act(leader, code, "approve", note="Đồng ý").status_code == 302
    assert state(app, db, code).status == "result_ready"
    assert act(desk, code, "issue_result", result_number="HKD-0042",
               result_summary="Giấy chứng nhận").status_code == 302
    assert state(app, db, code).result == {"number": "HKD-0042",
                                           "summary": "Giấy chứng nhận"}
    clock.set(vn(2026, 12, 21, 14, 0))
    assert act(desk, code, "return_result", collected_by="Nguyễn Văn An",
               method="in_person").status_code == 302
    done = state(app, db, code)
    assert done.status == "returned" and done.returned_at == vn(2026, 12, 21, 14, 0)
    page = text(desk.get(f"/department/dossiers/{code}"))
    assert "Collected by Nguyễn Văn An, In person at the desk" in page
    assert "data-no-actions" in page

    control = text(desk.get(f"/department/dossiers/{code}/slips/control"))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in control
    with app.app_context():
        holdings = db.session.scalar(select(func.count(StepHolding.id)).join(Dossier).where(
            Dossier.code == code))
        db.remove()
    assert control.count("data-row ") == holdings
    assert 'data-unit-code="H72.T01"' in control
    assert "Chi cục Thuế khu vực Tây Ninh" in control  # a coordinating agency


def test_forward_to_the_next_specialist_step(app, db, world, clock):
    with app.app_context():
        routing = add_routing(db.session, world, steps=THREE_STEPS)
        db.remove()
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, code, "claim").status_code == 302
    assert "forward" in offered(specialist, code)
    assert "submit_for_approval" not in offered(specialist, code)
    response = act(specialist, code, "forward", note="Chuyển tư pháp")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/department/")  # out of sight now
    assert state(app, db, code).holder_unit_id == routing.justice_office.id
    justice = client(app, routing, "justice_specialist")
    assert code in text(justice.get("/department/?scope=unit"))


def test_refuse_and_withdraw_through_the_forms(app, db, routing, clock):
    refused = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, refused, "claim").status_code == 302
    response = act(specialist, refused, "refuse", reason="Ngành nghề kinh doanh bị cấm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dossiers/{refused}/slips/refusal")
    desk = client(app, routing, "reception")
    slip = text(desk.get(response.headers["Location"]))
    assert "PHIẾU TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in slip
    assert "Ngành nghề kinh doanh bị cấm" in slip and "Phạm Chuyên Viên" in slip
    assert state(app, db, refused).status == "refused"

    withdrawn = new_dossier(app, db, routing)
    assert "withdraw" not in offered(specialist, withdrawn)
    assert act(desk, withdrawn, "withdraw", reason="Người nộp xin rút").status_code == 302
    assert state(app, db, withdrawn).status == "withdrawn"
    # Nothing left to do, and no refusal slip for a withdrawn dossier.
    assert desk.get(f"/department/dossiers/{withdrawn}/slips/refusal").status_code == 404


# ---------------------------------------------------------------------------- refusals


def test_a_stale_page_gets_the_conflict_message_and_changes_nothing(app, db, routing):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    colleague = client(app, routing, "specialist2")
    page = specialist.get(f"/department/dossiers/{code}")
    seen = int(re.search(rb'name="expected_version" value="(\d+)"', page.data)[1])
    assert act(colleague, code, "claim", version=seen).status_code == 302  # first wins
    before = counts(app, db, code)
    response = act(specialist, code, "claim", version=seen)
    assert response.status_code == 409
    assert CONFLICT in text(response)
    assert counts(app, db, code) == before
    assert state(app, db, code).holder_account_id == routing.accounts["specialist2"].id


def test_bad_input_is_a_message_on_its_form_and_changes_nothing(app, db, routing):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, code, "claim").status_code == 302
    before = counts(app, db, code)
    response = act(specialist, code, "request_supplement", note="nothing ticked")
    assert response.status_code == 400
    body = text(response)
    assert "Tick or write at least one missing document." in body
    assert 'data-action="request_supplement"' in body and "nothing ticked" in body
    response = act(specialist, code, "refuse", reason="   ")
    assert response.status_code == 400 and "Reason is required." in text(response)
    response = act(specialist, code, "apologize", new_due_date="2020-01-01",
                   reason="Trễ")
    assert response.status_code == 400
    response = specialist.post(f"/department/dossiers/{code}/actions/forward",
                               data={"expected_version": "abc"})
    assert response.status_code == 400 and "reload the page" in text(response)
    assert counts(app, db, code) == before
    assert specialist.post(f"/department/dossiers/{code}/actions/explode",
                           data={"expected_version": "1"}).status_code == 404


def test_an_officer_of_another_unit_is_refused_everything(app, db, routing):
    code = new_dossier(app, db, routing)
    outsider = client(app, routing, "other_specialist")
    before = counts(app, db, code)
    assert outsider.get(f"/department/dossiers/{code}").status_code == 403
    version = state(app, db, code).version
    fields = {"to_account": "chuyenvien", "to_unit": "H72.T01", "reason": "x", "note": "x",
              "missing": "x", "to_step": "0", "new_due_date": "2027-01-04",
              "result_number": "1", "collected_by": "x", "method": "in_person"}
    for name in actions.ACTIONS:
        response = act(outsider, code, name, version=version, **fields)
        assert response.status_code == 403, name
    for slip in ("control", "supplement", "apology", "refusal"):
        assert outsider.get(f"/department/dossiers/{code}/slips/{slip}").status_code == 403
    assert counts(app, db, code) == before
    assert code not in text(outsider.get("/department/?scope=unit"))


def test_a_colleague_in_scope_without_the_step_role_gets_a_403_message(app, db, routing):
    code = new_dossier(app, db, routing)
    desk = client(app, routing, "reception")  # may see it, may not claim a specialist step
    before = counts(app, db, code)
    response = act(desk, code, "claim")
    assert response.status_code == 403
    assert "data-form-error" in text(response)
    assert counts(app, db, code) == before


def test_supplement_slip_lists_each_round(app, db, routing, clock):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    desk = client(app, routing, "reception")
    assert act(specialist, code, "claim").status_code == 302
    assert act(specialist, code, "request_supplement", missing_other="Giấy A").status_code == 302
    clock.set(vn(2026, 12, 7, 11, 0))
    assert act(desk, code, "record_supplement").status_code == 302
    assert act(specialist, code, "request_supplement", missing_other="Giấy B").status_code == 302
    latest = text(desk.get(f"/department/dossiers/{code}/slips/supplement"))
    assert "<li>Giấy B</li>" in latest and "Giấy A" not in latest
    with app.app_context():
        first = db.session.scalar(select(func.min(SupplementPause.id)))
        db.remove()
    earlier = text(desk.get(f"/department/dossiers/{code}/slips/supplement?pause={first}"))
    assert "<li>Giấy A</li>" in earlier
    other = new_dossier(app, db, routing)
    assert desk.get(f"/department/dossiers/{other}/slips/supplement").status_code == 404
    assert desk.get(f"/department/dossiers/{other}/slips/apology").status_code == 404


def test_two_officers_posting_at_once_one_wins_the_other_is_told(app, db, routing):
    """Two specialists press "claim" on the same page version at the same moment."""
    import threading

    code = new_dossier(app, db, routing)
    version = state(app, db, code).version
    clients = [client(app, routing, "specialist"), client(app, routing, "specialist2")]
    start = threading.Barrier(2)
    results: list[int] = []

    def press(http) -> None:  # noqa: ANN001
        start.wait()
        response = act(http, code, "claim", version=version)
        results.append(response.status_code)
        if response.status_code == 409:
            assert CONFLICT in text(response)

    threads = [threading.Thread(target=press, args=(http,)) for http in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [302, 409]
    with app.app_context():
        kinds = list(db.session.scalars(select(DossierEvent.kind).join(Dossier).where(
            Dossier.code == code).order_by(DossierEvent.sequence)))
        db.remove()
    assert kinds == ["received", "claimed"]


# ---------------------------------------------------------------------------- lateness


def test_after_an_apology_the_work_page_still_says_late(app, db, routing, clock):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, code, "claim").status_code == 302
    due = state(app, db, code).due_at
    clock.set(due + timedelta(hours=1))
    new_day = (local(due) + timedelta(days=7)).date().isoformat()
    response = act(specialist, code, "apologize", reason="Chờ kết quả xác minh",
                   new_due_date=new_day, new_due_time="16:00")
    assert response.status_code == 302, text(response)
    assert state(app, db, code).due_at > clock.now()  # the new appointment is ahead
    page = text(specialist.get(f"/department/dossiers/{code}"))
    assert 'data-verdict="late"' in page and 'data-verdict="on_time"' not in page


def test_a_paused_dossier_is_neither_overdue_nor_late_on_screens(app, db, routing, clock):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, code, "claim").status_code == 302
    assert act(specialist, code, "request_supplement", missing="Bản sao CCCD"
               ).status_code == 302
    clock.set(state(app, db, code).due_at + timedelta(days=10))  # long past the old deadline
    for who in ("specialist", "reception"):
        queues = text(client(app, routing, who).get("/department/?scope=unit"))
        mine = text(client(app, routing, who).get("/department/"))
        assert code in queues + mine, who
        assert 'data-count="overdue">0<' in queues and "data-overdue" not in queues + mine
    page = text(specialist.get(f"/department/dossiers/{code}"))
    assert 'data-verdict="on_time"' in page


FIELDS = {"to_account": "chuyenvien2", "to_unit": "H72.01.03", "reason": "x", "note": "x",
          "missing": "x", "to_step": "0", "new_due_date": "2027-06-01", "result_number": "1",
          "collected_by": "x", "method": "in_person"}


def _unit_admin(app, db, routing) -> str:
    """An administrator of the district: may open its dossiers, works none of them."""
    from motcua.core.accounts import create_account
    from motcua.core.models import Unit
    from tests.factories import PASSWORD

    with app.app_context():
        district = db.session.get(Unit, routing.world.district.id)
        create_account(db.session, username="quantri.huyen", password=PASSWORD,
                       full_name="Vũ Quản Trị", unit=district, roles=[("unit_admin", district)])
        db.session.commit()
        db.remove()
    return "quantri.huyen"


def test_an_officer_who_may_view_but_not_act_is_refused_every_action(app, db, routing):
    """The page opens, so each action's own check is what refuses (not the view's)."""
    viewers = {}
    unheld = new_dossier(app, db, routing)
    viewers[unheld] = login(app.test_client(), _unit_admin(app, db, routing))
    at_tax = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, at_tax, "claim").status_code == 302
    assert act(specialist, at_tax, "transfer", to_unit="H72.T01").status_code == 302
    viewers[at_tax] = client(app, routing, "leader")  # the district's, not the tax office's
    for code, viewer in viewers.items():
        assert viewer.get(f"/department/dossiers/{code}").status_code == 200
        assert offered(viewer, code) == set()
        before = counts(app, db, code)
        for name in actions.ACTIONS:
            for version in (before[0], before[0] - 1):  # a stale page is refused the same
                response = act(viewer, code, name, version=version, **FIELDS)
                assert response.status_code == 403, (code, name, version)
                assert "data-form-error" in text(response)
            assert act(viewer, code, name, version=before[0]).status_code == 403  # empty form
        assert counts(app, db, code) == before


def test_an_officer_of_the_desk_is_refused_each_action_it_is_not_offered(app, db, routing):
    code = new_dossier(app, db, routing)
    assert act(client(app, routing, "specialist"), code, "claim").status_code == 302
    desk = client(app, routing, "reception")
    allowed = offered(desk, code)
    assert "claim" not in allowed and "withdraw" in allowed
    before = counts(app, db, code)
    for name in sorted(set(actions.ACTIONS) - allowed):
        response = act(desk, code, name, version=before[0], **FIELDS)
        assert response.status_code in (400, 403), name  # a role or state refusal
        assert "data-form-error" in text(response)
    assert counts(app, db, code) == before


# ---------------------------------------------------------------------------- slips


def test_control_slip_names_agencies_not_their_departments(app, db, routing):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    assert act(specialist, code, "claim").status_code == 302
    assert act(specialist, code, "transfer", to_unit="H72.T01").status_code == 302
    slip = text(client(app, routing, "reception").get(
        f"/department/dossiers/{code}/slips/control"))
    resolving = re.search(r"data-resolving-agency>([^<]*)<", slip)[1]
    cooperating = re.search(r"data-cooperating-agencies>([^<]*)<", slip)[1]
    # The finance office works for the city's People's Committee; the tax office is itself.
    assert resolving == "UBND thành phố Tây Ninh"
    assert cooperating == "Chi cục Thuế khu vực Tây Ninh"


def test_printed_processing_slips_are_recorded_as_personal_data_views(app, db, routing):
    from motcua.core.models import AuditEntry

    supplemented, apologised, refused = (new_dossier(app, db, routing) for _ in range(3))
    specialist = client(app, routing, "specialist")
    for code in (supplemented, apologised, refused):
        assert act(specialist, code, "claim").status_code == 302
    assert act(specialist, supplemented, "request_supplement",
               missing_other="Giấy A").status_code == 302
    assert act(specialist, apologised, "apologize", reason="Chờ xác minh",
               new_due_date="2027-06-01").status_code == 302
    assert act(specialist, refused, "refuse", reason="Không đủ điều kiện").status_code == 302
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "personal_data.viewed"))
        db.remove()
    desk = client(app, routing, "reception")
    for code, slip in ((supplemented, "supplement"), (apologised, "apology"),
                       (refused, "refusal")):
        assert desk.get(f"/department/dossiers/{code}/slips/{slip}").status_code == 200
    with app.app_context():
        viewed = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "personal_data.viewed").order_by(AuditEntry.id)))[before:]
        assert [(e.target, e.detail["where"], e.actor_name) for e in viewed] == [
            (supplemented, "supplement request slip", routing.accounts["reception"].full_name),
            (apologised, "apology slip", routing.accounts["reception"].full_name),
            (refused, "processing refusal slip", routing.accounts["reception"].full_name)]
        db.remove()


# ---------------------------------------------------------------------------- work page


def _sections(page: str) -> tuple[str, str]:
    """(primary forms, the "other actions" menu) of a work page."""
    primary = page.split("data-primary-actions", 1)[1].split("</div>", 1)[0]
    menu = page.split("data-more-actions", 1)[1].split("</details>", 1)[0] \
        if "data-more-actions" in page else ""
    return primary, menu


def _actions_in(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def test_the_likely_actions_come_first_the_rest_behind_a_menu(app, db, routing):
    code = new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    primary, menu = _sections(text(specialist.get(f"/department/dossiers/{code}")))
    assert _actions_in(primary) == ["claim"]
    assert {"transfer", "request_supplement", "refuse"} <= set(_actions_in(menu))
    # The dossier's page asks the same function: a shortcut to the form, nothing else.
    details = text(specialist.get(f"/dossiers/{code}"))
    assert re.findall(r'data-likely-action="(\w+)"', details) == ["claim"]
    assert f'href="/department/dossiers/{code}#action-claim"' in details
    assert act(specialist, code, "claim").status_code == 302
    assert re.findall(r'data-likely-action="(\w+)"', text(specialist.get(
        f"/dossiers/{code}"))) == ["submit_for_approval"]
    page = text(specialist.get(f"/department/dossiers/{code}"))
    primary, menu = _sections(page)
    assert _actions_in(primary) == ["submit_for_approval"]
    assert "claim" not in _actions_in(page) and "submit_for_approval" not in menu
    # Refusing here is refusing to settle the dossier, with its own slip; in Vietnamese
    # it is not the desk's "refuse to receive".
    assert "Refuse to settle" in menu
    specialist.get("/lang/vi")
    page = text(specialist.get(f"/department/dossiers/{code}"))
    assert "Từ chối giải quyết" in _sections(page)[1]
    assert "Từ chối tiếp nhận" not in page
    # A failed form in the menu opens the menu, with its message.
    response = act(specialist, code, "refuse", reason="")
    assert response.status_code == 400
    assert re.search(r'<details[^>]*data-more-actions[^>]*\bopen\b', text(response))


def test_a_dossier_transferred_back_goes_to_the_officer_who_sent_it(app, db, routing):
    code = new_dossier(app, db, routing)
    finance_leader = client(app, routing, "finance_leader")
    tax = client(app, routing, "tax_specialist")
    assert act(finance_leader, code, "assign", to_account="chuyenvien2").status_code == 302
    # The leader sends it for the colleague holding it: it comes back to the colleague.
    assert act(finance_leader, code, "transfer", to_unit="H72.T01").status_code == 302
    assert act(tax, code, "claim").status_code == 302
    page = text(tax.get(f"/department/dossiers/{code}"))
    assert _actions_in(_sections(page)[0])[0] == "transfer"
    options = re.findall(r'<option value="([\w.]+)"', page.split('id="to_unit"', 1)[1])
    assert options[0] == "H72.01.02"  # back to the sender first, selected
    assert re.search(r'<option value="H72.01.02" data-sender selected>[^<]*'
                     r'\(Lý Chuyên Viên Hai\)', page)
    assert 'data-filter-select="to_unit"' in page and "js/select-filter.js" in page
    assert act(tax, code, "transfer", to_unit="H72.01.02", note="Không nợ thuế"
               ).status_code == 302
    back = state(app, db, code)
    assert back.holder_account_id == routing.accounts["specialist2"].id
    assert back.status == "in_processing"
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        events = [e for e in dossier.events if e.kind == "transferred"]
        holding = db.session.scalar(select(StepHolding).where(
            StepHolding.dossier_id == dossier.id, StepHolding.time_out.is_(None)))
        assert events[0].data["from_account"] == "chuyenvien2"
        assert events[1].data["to_account"] == "chuyenvien2"
        assert holding.account_id == routing.accounts["specialist2"].id
        db.remove()
    colleague = client(app, routing, "specialist2")
    assert code in text(colleague.get("/department/"))  # in their own queue
    timeline = text(colleague.get(f"/department/dossiers/{code}"))
    assert re.search(r"data-handed-back>Back to Lý Chuyên Viên Hai, who sent it<", timeline)


def test_a_transfer_elsewhere_or_to_a_sender_who_left_goes_to_the_units_queue(app, db, routing):
    from motcua.core.models import Account

    onward, gone = new_dossier(app, db, routing), new_dossier(app, db, routing)
    specialist = client(app, routing, "specialist")
    tax = client(app, routing, "tax_specialist")
    for code in (onward, gone):
        assert act(specialist, code, "claim").status_code == 302
        assert act(specialist, code, "transfer", to_unit="H72.T01").status_code == 302
    # Not back to the unit that sent it: nobody there sent it, its queue gets it.
    assert act(tax, onward, "transfer", to_unit="H72.03").status_code == 302
    assert state(app, db, onward).holder_account_id is None
    page = text(client(app, routing, "planning_specialist").get(
        f"/department/dossiers/{onward}"))
    assert "data-handed-back" not in page
    assert re.search(r'<option value="H72.T01" data-sender selected>', page)
    # The sender's account was closed meanwhile: back to the unit's queue.
    with app.app_context():
        db.session.get(Account, routing.accounts["specialist"].id).active = False
        db.session.commit()
        db.remove()
    assert act(tax, gone, "transfer", to_unit="H72.01.02").status_code == 302
    assert state(app, db, gone).holder_account_id is None
    assert "claim" in offered(client(app, routing, "specialist2"), gone)
