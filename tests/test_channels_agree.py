"""004 Art. 5 and 8.4: the website, its JSON API, the kiosk and SMS tell a citizen the same
thing about a dossier, in every status, on time or late (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from motcua.core import timeutil
from motcua.core.models import STATUSES, Account, Dossier, Procedure, Unit
from motcua.core.sync.node import drain
from motcua.core.units import abbreviate
from motcua.lookup.service import UnitInfo
from motcua.sms.gsm import septets, to_gsm7
from motcua.sms.replies import responsible
from tests.factories import World, applicant
from tests.test_lookup_service import STATUS_CASES, move, receive
from tests.test_sync_helpers import province
from tests.test_sync_helpers import receive as receive_on_node

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
                       r"(?:Held by: (?P<holder>.+?)\. )?Appointment: (?P<due>\S+)\. "
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
    assert re.search(r"(Held by|Tai): [^.]*[A-Za-z]", reply)  # who holds it is still said
    assert "thanh pho Tay Ninh" not in reply  # units go by their abbreviations
