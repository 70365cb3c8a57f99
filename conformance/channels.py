"""What a citizen is told about a dossier on each public channel (website, JSON API,
kiosk, SMS), read back into comparable facts (in English, so the SMS's diacritics-free
text compares)."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from motcua.core import timeutil
from motcua.sms.gsm import to_gsm7

SMS_REPLY = re.compile(r"^Dossier (?P<code>\S+) \([^)]*\): (?P<status>[^.]+)\. "
                       r"(?:(?:Held|Handled) by: (?P<holder>.+?)\. )?Appointment: (?P<due>\S+)\. "
                       r"(?P<verdict>On time|Late)\.$")
DUE_ON_PAGE = re.compile(r"Appointment to return the result</dt><dd>(\d\d/\d\d/\d{4})")
PUBLIC_FIELD = re.compile(r'<dt>([^<]*)</dt><dd class="public-field">([^<]*)</dd>')


def _element(page: str, element_id: str) -> str | None:
    match = re.search(rf'id="{element_id}">(.*?)</', page, re.S)
    return html.unescape(match.group(1)).strip().replace("—", "") or None if match else None


def from_page(page: str) -> dict[str, Any]:
    """The facts of the website's or the kiosk's result block."""
    due = DUE_ON_PAGE.search(page)
    return {"status": _element(page, "status"), "due": due.group(1) if due else None,
            "late": 'class="late"' in page and 'class="ontime"' not in page,
            "public": {html.unescape(k): html.unescape(v) for k, v in PUBLIC_FIELD.findall(page)}}


def from_json(data: dict) -> dict[str, Any]:
    """The facts of the JSON API's answer."""
    due = data.get("due_at")
    return {"status": data.get("status_label"),
            "due": timeutil.local(datetime.fromisoformat(due)).strftime("%d/%m/%Y")
            if due else None,
            "late": bool(data.get("late")) and not data.get("on_time"),
            "public": dict(data.get("public_fields") or {})}


def from_sms(reply: str) -> dict[str, Any]:
    """The facts of the SMS reply (no public fields: they do not fit a text message)."""
    match = SMS_REPLY.match(reply.strip())
    if not match:
        return {"status": None, "due": None, "late": None, "unparsed": reply[:160]}
    return {"status": match["status"], "due": match["due"], "late": match["verdict"] == "Late"}


def as_sms(facts: dict[str, Any]) -> dict[str, Any]:
    """Page facts as an SMS says them (GSM 7-bit text, no public fields)."""
    return {"status": to_gsm7(facts["status"] or ""), "due": facts["due"],
            "late": facts["late"]}


def ask_every_channel(client, code: str) -> dict[str, dict[str, Any]]:  # noqa: ANN001
    """Ask the website, the JSON API, the kiosk and SMS about ``code`` (anonymously)."""
    website = client.get(f"/tra-cuu/{code}?lang=en")
    api = client.get(f"/api/lookup/{code}?lang=en")
    client.get("/kiosk/ngon-ngu/en")
    kiosk = client.get("/kiosk/tra-cuu", query_string={"code": code})
    sms = client.get("/sms/inbound", query_string={"from": "0987654321", "lang": "en",
                                                    "text": f"tra cứu {code}"})
    answers = {"website": website, "api": api, "kiosk": kiosk, "sms": sms}
    facts: dict[str, dict[str, Any]] = {}
    for channel, response in answers.items():
        if response.status_code != 200:
            facts[channel] = {"http_status": response.status_code}
            continue
        text = response.get_data(as_text=True)
        facts[channel] = (from_json(response.get_json()) if channel == "api"
                          else from_sms(text) if channel == "sms" else from_page(text))
    return facts
