"""004 Art. 5 and 8.4: the website, its JSON API, the kiosk and SMS tell a citizen the same
thing about a dossier, in every status, on time or late (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest

from motcua.core import timeutil
from motcua.core.models import Dossier
from motcua.sms.gsm import to_gsm7
from tests.test_lookup_service import STATUS_CASES, move, receive

# Every status a dossier can be in: the lookup tests' cases, plus received and returned.
CASES = [("received", "received", "Received", "district_desk", None),
         *STATUS_CASES,
         ("returned", "returned", "Returned to applicant", "district_desk", "reception")]


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
    """The page's facts as SMS says them: one holder line, without diacritics."""
    names = [facts["officer"], facts["department"]]
    if facts["agency"] != facts["department"]:
        names.append(facts["agency"])
    holder = ", ".join(name for name in names if name)
    return {"status": to_gsm7(facts["status"]), "holder": to_gsm7(holder) or None,
            "due": facts["due"], "late": facts["late"]}


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

    client = app.test_client()
    typed = f" {code.lower()} "
    website = client.get(f"/tra-cuu/{code}?lang=en")
    api = client.get(f"/api/lookup/{typed}?lang=en")
    client.get("/kiosk/ngon-ngu/en")
    kiosk = client.get("/kiosk/tra-cuu", query_string={"code": f"{typed}\r\n"})
    sms = client.get("/sms/inbound", query_string={"from": "0987654321", "lang": "en",
                                                    "text": f"tra cứu {typed}"})
    assert [r.status_code for r in (website, api, kiosk, sms)] == [200, 200, 200, 200]

    on_website = _from_page(website.text)
    assert on_website["status"] == label
    assert on_website["late"] is late
    assert on_website["department"] == getattr(world, unit_name).name
    assert on_website["agency"] == world.district.name
    assert on_website["officer"] == (world.accounts[officer].full_name if officer else None)
    assert _from_json(api.get_json()) == on_website
    assert _from_page(kiosk.text) == on_website
    assert _from_sms(sms.text) == _as_sms(on_website)
