"""004 Art. 5 and 8.4: the website, its JSON API, the kiosk and SMS tell a citizen the same
thing about a dossier, in every status, on time or late (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from motcua.core import timeutil
from motcua.core.accounts import issue_api_token
from motcua.core.models import STATUSES, Account, Dossier, DossierEvent, Procedure, Unit
from motcua.core.reports.figures import Scope, dossiers_in
from motcua.core.reports.periods import parse_period
from motcua.core.sync.node import drain
from motcua.core.units import abbreviate
from motcua.core.workflow import actions
from motcua.core.workflow.overdue import check_overdue
from motcua.lookup.service import UnitInfo
from motcua.sms.gsm import septets, to_gsm7
from motcua.sms.replies import responsible
from tests.conftest import login
from tests.factories import World, applicant
from tests.test_lookup_service import STATUS_CASES, move, receive
from tests.test_sync_helpers import province
from tests.test_sync_helpers import receive as receive_on_node
from tests.test_workflow_support import Clock, add_routing, vn
from tests.test_workflow_support import receive as receive_routed

# Every status a dossier can be in: the lookup tests' cases, plus received, waiting for
# the applicant's payment of a financial obligation, and returned.
CASES = [("received", "received", "Received", "district_desk", None),
         *STATUS_CASES,
         ("paused_for_payment", "waiting_payment", "Waiting for payment of financial obligations",
          "finance_office", "specialist"),
         ("returned", "returned", "Returned to applicant", "district_desk", "reception")]


def test_cases_cover_every_status_of_the_model():
    """A status added to the model without a case here would go unchecked."""
    assert sorted(case[1] for case in CASES) == sorted(STATUSES)


def _field(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</', page, re.S)
    assert match, f"#{element_id} missing from the page"
    return html.unescape(match.group(1)).strip()


def _from_page(page: str) -> dict:
    """What a citizen reads on the website or the kiosk (the shared result block)."""
    due = re.search(r"Appointment to return the result</dt><dd>(\d\d/\d\d/\d{4})", page)
    assert due, "appointment missing from the page"
    return {
        "status": _field(page, "status"),
        "agency": _field(page, "agency").replace("—", "") or None,
        "department": _field(page, "department").replace("—", "") or None,
        "officer": _field(page, "officer").replace("—", "") or None,
        "due": due.group(1),
        "late": 'class="late"' in page and 'class="ontime"' not in page,
    }


def _from_json(data: dict) -> dict:
    return {
        "status": data["status_label"],
        "agency": (data["agency"] or {}).get("name"),
        "department": (data["department"] or {}).get("name"),
        "officer": data["officer"],
        "due": timeutil.local(datetime.fromisoformat(data["due_at"])).strftime("%d/%m/%Y"),
        "late": data["late"] and not data["on_time"],
    }


SMS_REPLY = re.compile(r"^Dossier (?P<code>\S+) \([^)]*\): (?P<status>[^.]+)\. "
                       r"(?:(?:Held|Handled) by: (?P<holder>.+?)\. )?Appointment: (?P<due>\S+)\. "
                       r"(?P<verdict>On time|Late)\.$")


def _from_sms(reply: str) -> dict:
    match = SMS_REPLY.match(reply)
    assert match, f"unexpected SMS reply: {reply!r}"
    return {"status": match["status"], "holder": match["holder"], "due": match["due"],
            "late": match["verdict"] == "Late"}


def _as_sms(facts: dict) -> dict:
    """The page's facts as SMS says them: one holder line, units by their abbreviations
    (a place both name said once), without diacritics."""
    units = {name: abbreviate(name) for name in (facts["department"], facts["agency"]) if name}
    as_unit = lambda name: UnitInfo(code=name, name=name) if name else None  # noqa: E731
    officer, names = responsible(SimpleNamespace(
        officer=facts["officer"], department=as_unit(facts["department"]),
        agency=as_unit(facts["agency"])), units)
    return {"status": to_gsm7(facts["status"]),
            "holder": to_gsm7(", ".join(officer + names)) or None,
            "due": facts["due"], "late": facts["late"]}


def _agree_by_sms(sms: dict, facts: dict) -> bool:
    """SMS says what the page says; a reply too long for one SMS may leave out the agency,
    then the officer (never anything else)."""
    said = _as_sms(facts)
    if sms == said:
        return True
    shorter = (said["holder"] or "").split(", ")
    return {**sms, "holder": None} == {**said, "holder": None} and any(
        sms["holder"] == ", ".join(kept) for kept in (shorter[:-1], shorter[-2:-1]))


@pytest.mark.parametrize("late", [False, True], ids=["on_time", "late"])
@pytest.mark.parametrize(("kind", "status", "label", "unit_name", "officer"), CASES,
                         ids=[case[1] for case in CASES])
def test_website_api_kiosk_and_sms_agree(app, db, world, kind, status, label, unit_name,
                                         officer, late):
    app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", SMS_RATE_LIMIT="1000 per minute")
    code = receive(app, db, world)
    if kind != "received":
        move(db, code, kind, status, getattr(world, unit_name),
             world.accounts[officer] if officer else None)
    dossier = db.session.query(Dossier).filter_by(code=code).one()
    if late:
        dossier.due_at = timeutil.now() - timedelta(days=2)
        if status in ("result_ready", "returned", "refused", "withdrawn"):
            dossier.finished_at = timeutil.now() - timedelta(days=1)
    elif status in ("result_ready", "returned", "refused", "withdrawn"):
        dossier.finished_at = timeutil.now()
    db.session.commit()

    answers = _channels(app.test_client(), code, command="tra cứu")
    on_website = answers["website"]
    assert on_website["status"] == label
    assert on_website["late"] is late
    assert on_website["department"] == getattr(world, unit_name).name
    assert on_website["agency"] == world.district.name
    assert on_website["officer"] == (world.accounts[officer].full_name if officer else None)
    assert answers["api"] == on_website
    assert answers["kiosk"] == on_website
    assert _agree_by_sms(answers["sms"], on_website)


def _channels(client, code: str, command: str = "HS") -> dict:
    """What the website, the JSON API, the kiosk and SMS (``command`` and the code) say
    about ``code``, each typed the careless way a citizen or a scanner types it."""
    typed = f" {code.lower()} "
    website = client.get(f"/tra-cuu/{code}?lang=en")
    api = client.get(f"/api/lookup/{typed}?lang=en")
    client.get("/kiosk/ngon-ngu/en")
    kiosk = client.get("/kiosk/tra-cuu", query_string={"code": f"{typed}\r\n"})
    sms = client.get("/sms/inbound", query_string={"from": "0987654321", "lang": "en",
                                                    "text": f"{command} {typed}"})
    assert [r.status_code for r in (website, api, kiosk, sms)] == [200, 200, 200, 200]
    return {"website": _from_page(website.text), "api": _from_json(api.get_json()),
            "kiosk": _from_page(kiosk.text), "sms": _from_sms(sms.text)}


def _move_on_node(app, world: World, code: str, kind: str, status: str, unit_name: str,
                  officer: str | None) -> None:
    database = app.extensions["motcua.db"]
    with app.app_context():
        unit = database.session.get(Unit, getattr(world, unit_name).id)
        account = database.session.get(Account, world.accounts[officer].id) if officer else None
        move(database, code, kind, status, unit, account)
        database.remove()


def test_on_a_hub_all_channels_agree_in_every_status(templates, backend, tmp_path):
    """On a hub the channels answer from the read model the nodes push: the same four
    answers, for one dossier in each status, as the node itself gives."""
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01", "H72.01.01",
                                                                "H72.01.02"]}) as p:
        node_app, world = p.nodes["north"], p.worlds["north"]
        for app in (node_app, p.hub):
            app.config.update(LOOKUP_RATE_LIMIT="1000 per minute",
                              SMS_RATE_LIMIT="1000 per minute")
        codes = {}
        for kind, status, _label, unit_name, officer in CASES:
            codes[status] = receive_on_node(node_app, world)
            if kind != "received":
                _move_on_node(node_app, world, codes[status], kind, status, unit_name, officer)
        assert drain(p.node("north")).error is None
        hub, node = p.hub.test_client(), node_app.test_client()
        for _kind, status, label, _unit_name, _officer in CASES:
            on_hub = _channels(hub, codes[status])
            assert on_hub["website"]["status"] == label
            assert on_hub["api"] == on_hub["kiosk"] == on_hub["website"], status
            assert _agree_by_sms(on_hub["sms"], on_hub["website"]), status
            assert on_hub == _channels(node, codes[status]), status


# ------------------------------------------------ lateness: one rule, every place asks it

RECEIVED, ASKED = vn(2026, 12, 7, 9, 0), vn(2026, 12, 21, 10, 0)  # Mondays
LATE_RECEIVED = vn(2026, 12, 18, 9, 0)  # the Friday before: due after ASKED
CLAIM = ("claim", "specialist", {})
# Scenario: (received at, [(at, action, by, arguments)], late at ASKED). The household
# business procedure takes 3 working days: received on the 7th, due on the 10th.
LATENESS = {
    "running_on_time": (LATE_RECEIVED, [(vn(2026, 12, 18, 10, 0), *CLAIM)], False),
    "running_late": (RECEIVED, [(vn(2026, 12, 7, 10, 0), *CLAIM)], True),
    # The clock stopped before the deadline: on time however long the applicant takes.
    "supplement_wait": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 8, 9, 0), "request_supplement", "specialist", {"missing": ["Bản sao"]}),
    ], False),
    # ... and late if it stopped after the deadline.
    "supplement_wait_already_late": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 14, 9, 0), "request_supplement", "specialist", {"missing": ["Bản sao"]}),
    ], True),
    "payment_wait": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 8, 9, 0), "pause_for_payment", "specialist", {"note": "Nộp thuế"}),
    ], False),
    # Eight working days waited (8th to 18th): the deadline moves to the 22nd.
    "supplemented": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 8, 9, 0), "request_supplement", "specialist", {"missing": ["Bản sao"]}),
        (vn(2026, 12, 18, 9, 0), "record_supplement", "reception", {}),
    ], False),
    # The citizen is shown the new appointment; the original deadline (the 10th) passed.
    "apologised": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 9, 9, 0), "apologize", "specialist",
         {"new_due_at": vn(2026, 12, 31, 9, 0), "reason": "Chờ xác minh"}),
    ], True),
    "apologised_before_its_deadline": (LATE_RECEIVED, [
        (vn(2026, 12, 18, 10, 0), *CLAIM),
        (vn(2026, 12, 18, 11, 0), "apologize", "specialist",
         {"new_due_at": vn(2026, 12, 31, 9, 0), "reason": "Chờ xác minh"}),
    ], False),
    "finished_on_time": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 7, 14, 0), "submit_for_approval", "specialist", {}),
        (vn(2026, 12, 8, 9, 0), "approve", "leader", {}),
        (vn(2026, 12, 8, 10, 0), "issue_result", "reception", {"result": {"number": "1"}}),
        (vn(2026, 12, 9, 9, 0), "return_result", "reception",
         {"collected_by": "An", "method": "in_person"}),
    ], False),
    "finished_late": (RECEIVED, [
        (vn(2026, 12, 7, 10, 0), *CLAIM),
        (vn(2026, 12, 14, 9, 0), "submit_for_approval", "specialist", {}),
        (vn(2026, 12, 15, 9, 0), "approve", "leader", {}),
        (vn(2026, 12, 15, 10, 0), "issue_result", "reception", {"result": {"number": "2"}}),
    ], True),
}


def _drive(app, db, routing, clock, scenario: str) -> str:
    """Take a dossier through ``scenario`` with the routing engine; returns its code."""
    received_at, steps, _late = LATENESS[scenario]
    clock.set(received_at)
    with app.app_context():
        session = db.session
        dossier = receive_routed(session, app, routing)
        for at, name, by, arguments in steps:
            clock.set(at)
            actions.ACTIONS[name](session, dossier, routing.account(session, by), **arguments)
            session.commit()
        code = dossier.code
        db.remove()
    clock.set(ASKED)
    return code


def _verdict(page) -> bool:  # noqa: ANN001
    assert page.status_code == 200, page.status_code
    verdict = re.search(r'data-verdict="(late|on_time)"', page.text)
    assert verdict, "verdict missing from the page"
    return verdict[1] == "late"


def _in_reports(app, db, world: World, code: str) -> bool:
    """Whether the month's report counts the dossier late: resolved late, or in
    processing and overdue (the row-by-row lists behind the figures; on a hub, of the
    nodes' copies)."""
    with app.app_context():
        session = db.session
        scope = Scope(root=session.get(Unit, world.province.id))
        period = parse_period("2026-12")
        found = {category: {d.code for d in dossiers_in(session, scope, period, ASKED,
                                                        category)[0]}
                 for category in ("late", "in_processing_overdue", "early", "on_time",
                                  "in_processing_on_time")}
        db.remove()
    late = code in found["late"] | found["in_processing_overdue"]
    assert late != (code in found["early"] | found["on_time"] | found["in_processing_on_time"])
    return late


@pytest.mark.parametrize("scenario", list(LATENESS))
def test_every_place_judges_lateness_alike(app, db, routing, clock, scenario):
    """Issue #15: a dossier waiting for the applicant, an apologised one, a late or an
    on-time one, running or finished, is late or on time alike on the website, its JSON
    API, the kiosk, SMS, the desk's and the officer's pages, the officers' API and the
    reports (the hub's lookup: test_hub_lookup_judges_lateness_as_the_node)."""
    app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", SMS_RATE_LIMIT="1000 per minute")
    code = _drive(app, db, routing, clock, scenario)
    expected = LATENESS[scenario][2]
    answers = _channels(app.test_client(), code)
    assert answers["website"]["late"] is expected
    assert answers["api"] == answers["kiosk"] == answers["website"]
    assert _agree_by_sms(answers["sms"], answers["website"])
    with app.app_context():
        due = db.session.scalar(select(Dossier.due_at).where(Dossier.code == code))
        db.remove()
    assert answers["website"]["due"] == timeutil.local(due).strftime("%d/%m/%Y")
    desk = login(app.test_client(), routing.accounts["reception"].username)
    assert _verdict(desk.get(f"/dossiers/{code}?lang=en")) is expected
    admin = login(app.test_client(), routing.accounts["ict_admin"].username)
    assert _verdict(admin.get(f"/department/dossiers/{code}?lang=en")) is expected
    with app.app_context():
        token = issue_api_token(db.session, routing.account(db.session, "ict_admin"), "t")
        db.session.commit()
        db.remove()
    headers = {"Authorization": f"Bearer {token}"}
    api = app.test_client().get(f"/api/v1/dossiers/{code}", headers=headers)
    assert api.status_code == 200 and api.get_json()["late"] is expected
    overdue = expected and not scenario.startswith("finished")
    listed = app.test_client().get("/api/v1/dossiers?overdue=true", headers=headers)
    assert (code in {item["code"] for item in listed.get_json()["items"]}) is overdue
    assert _in_reports(app, db, routing.world, code) is expected
    with app.app_context():
        check_overdue(db.session, ASKED)
        kinds = db.session.scalars(select(DossierEvent.kind).join(Dossier).where(
            Dossier.code == code)).all()
        db.remove()
    assert ("overdue" in kinds) is overdue


def test_a_returned_dossier_is_no_longer_being_handled_and_was_received_by_the_desk(
        app, db, routing, clock):
    """Issue #15: a returned dossier said "being handled by" (đang xử lý) its desk officer
    on the lookup and SMS, and its timeline credited the receipt to the first step's
    department rather than the desk that received it."""
    app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", SMS_RATE_LIMIT="1000 per minute")
    returned = _drive(app, db, routing, clock, "finished_on_time")
    running = _drive(app, db, routing, clock, "running_late")
    http = app.test_client()
    for code, closed in ((returned, True), (running, False)):
        page = http.get(f"/tra-cuu/{code}?lang=en").text
        assert ("Who handled it last" in page) is closed
        assert ("Who is responsible now" in page) is not closed
        sms = _channels(http, code)["sms"]
        reply = http.get("/sms/inbound", query_string={
            "from": "0987654321", "lang": "en", "text": f"HS {code}"}).text
        assert ("Handled by: " in reply, "Held by: " in reply) == (closed, not closed)
        assert sms["holder"]
        data = http.get(f"/api/lookup/{code}?lang=en").get_json()
        assert data["closed"] is closed
        received = data["timeline"][0]
        assert received["kind"] == "received"
        assert received["unit"]["code"] == routing.world.district_desk.code
    # The receipt's own event names the first step's unit, where the dossier went.
    assert data["timeline"][1]["unit"]["code"] == routing.world.finance_office.code


def test_hub_lookup_judges_lateness_as_the_node(templates, backend, tmp_path, monkeypatch):
    """The hub's website, JSON API, kiosk and SMS, and its reports over the nodes'
    copies, judge every lateness scenario as the node does, from the copies the node
    pushed (original deadline and pausing events included); the receipt is credited to
    the desk there too."""
    clock = Clock(monkeypatch, RECEIVED)
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01", "H72.01.01",
                                                                "H72.01.02"]}) as p:
        node_app, world = p.nodes["north"], p.worlds["north"]
        node_db = node_app.extensions["motcua.db"]
        for app in (node_app, p.hub):
            # The test clock runs weeks ahead of the hub's own, which refuses a batch
            # from a node whose clock is ahead (test_sync_acceptance.py).
            app.config["MOTCUA"].sync_clock_tolerance = 365 * 86400
            app.config.update(LOOKUP_RATE_LIMIT="1000 per minute",
                              SMS_RATE_LIMIT="1000 per minute")
        with node_app.app_context():
            routing = add_routing(node_db.session, world)
            node_db.remove()
        codes = {name: _drive(node_app, node_db, routing, clock, name) for name in LATENESS}
        assert drain(p.node("north")).error is None
        hub, node = p.hub.test_client(), node_app.test_client()
        for name, code in codes.items():
            on_hub = _channels(hub, code)
            assert on_hub["website"]["late"] is LATENESS[name][2], name
            assert on_hub == _channels(node, code), name
            assert _in_reports(p.hub, p.hub.extensions["motcua.db"], p.worlds["hub"],
                               code) is LATENESS[name][2], name
            timeline = hub.get(f"/api/lookup/{code}").get_json()["timeline"]
            assert timeline[0]["unit"]["code"] == world.district_desk.code, name


def _typed_forms(code: str) -> list[str]:
    """``code`` the ways citizens copy it off a receipt (issue: spaces were refused)."""
    agency, day, sequence = code.split("-")
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in code)
    return [f"{agency} {day} {sequence}", f"  {agency.lower()}   {day}  {sequence} ",
            f"{agency}.{day}.{sequence}", f"{agency} – {day} — {sequence}",
            f"{agency}-{day} {sequence}", full_width, full_width.replace("－", "\u3000")]


@pytest.mark.parametrize("form", range(7))
def test_every_channel_finds_a_code_typed_with_spaces_dots_or_full_width(app, db, world,
                                                                         form):
    app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", SMS_RATE_LIMIT="1000 per minute")
    code = receive(app, db, world)
    typed = _typed_forms(code)[form]
    client = app.test_client()
    website = client.get("/tra-cuu", query_string={"code": typed}, follow_redirects=True)
    api = client.get(f"/api/lookup/{quote(typed)}")
    kiosk = client.get("/kiosk/tra-cuu", query_string={"code": typed})
    answers = [client.get("/sms/inbound", query_string={"from": "0987654321", "lang": "en",
                                                        "text": text})
               for text in (f"TRACUU {typed}", typed)]  # the bare code too
    assert [r.status_code for r in (website, api, kiosk, *answers)] == [200] * 5
    assert website.request.path == f"/tra-cuu/{code}"
    assert api.get_json()["code"] == code
    assert _from_page(kiosk.text)["status"] == "Received"
    assert [_from_sms(answer.text)["status"] for answer in answers] == ["Received"] * 2


def test_every_channel_echoes_a_refused_code_short_and_safe(app, db, world):
    app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", SMS_RATE_LIMIT="1000 per minute")
    typed = "H80.01 2612 0012 <b>xin chào\u202e</b> " + "9" * 20
    echo = "H80.01 2612 0012 B XIN CHAO..."
    client = app.test_client()
    website = client.get("/tra-cuu", query_string={"code": typed, "lang": "en"})
    api = client.get(f"/api/lookup/{quote(typed)}?lang=en")
    kiosk = client.get("/kiosk/tra-cuu", query_string={"code": typed})
    sms = client.get("/sms/inbound", query_string={"from": "0987654321", "lang": "en",
                                                    "text": f"TRACUU {typed}"})
    assert [r.status_code for r in (website, api, kiosk, sms)] == [400, 400, 400, 200]
    message = f"{echo} is not a dossier code"
    assert message in website.text and message in kiosk.text and message in sms.text
    assert api.get_json()["error"].startswith(message)
    assert sms.text.isascii() and "<b>" not in website.text + kiosk.text


# A typical dossier with realistic long names: the reply must still be one SMS.
LONG_UNIT_NAMES = {
    "district": "Ủy ban nhân dân thành phố Tây Ninh",
    "district_desk": "Bộ phận tiếp nhận và trả kết quả thành phố Tây Ninh",
    "finance_office": "Phòng Tài chính - Kế hoạch thành phố Tây Ninh",
}
LONG_PERSON = "Nguyễn Thị Thanh Hương"


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(("kind", "status", "label", "unit_name", "officer"), CASES,
                         ids=[case[1] for case in CASES])
def test_every_status_reply_of_a_typical_dossier_fits_one_sms(app, db, world, kind, status,
                                                              label, unit_name, officer,
                                                              language):
    app.config.update(SMS_RATE_LIMIT="1000 per minute")
    for attribute, name in LONG_UNIT_NAMES.items():
        db.session.get(Unit, getattr(world, attribute).id).name = name
    for account in world.accounts.values():
        db.session.get(Account, account.id).full_name = LONG_PERSON
    db.session.get(Procedure, world.household_business.id).name = (
        "Đăng ký thành lập hộ kinh doanh và đăng ký thuế cho hộ kinh doanh")
    db.session.commit()
    code = receive(app, db, world, applicant=applicant(name=LONG_PERSON))
    if kind != "received":
        move(db, code, kind, status, getattr(world, unit_name),
             world.accounts[officer] if officer else None)
    db.session.commit()
    reply = app.test_client().get("/sms/inbound", query_string={
        "from": "0987654321", "lang": language, "text": f"HS {code}"}).text
    assert septets(reply) <= 160, reply
    assert code in reply and "N.T.T. Huong" in reply
    expected_status = to_gsm7(label if language == "en" else {
        "Received": "Đã tiếp nhận", "Result ready": "Có kết quả"}.get(label, ""))
    assert expected_status in reply
    # who holds it (or handled it last) is still said
    assert re.search(r"(Held by|Handled by|Tai|Da xu ly): [^.]*[A-Za-z]", reply)
    assert "thanh pho Tay Ninh" not in reply  # units go by their abbreviations
