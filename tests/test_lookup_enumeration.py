"""Issue #16 item 5: guessing codes is expensive, a citizen behind a shared address is not
blocked by others' guesses, and a civil status dossier shows its status only, on every
channel, until the phone's last digits are given (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account
from motcua.core.sync.node import drain
from motcua.lookup.policy import is_sensitive
from motcua.lookup.ratelimit import network_key
from tests.factories import intake_data
from tests.test_lookup_web import receive
from tests.test_sync_helpers import province
from tests.test_sync_helpers import receive as receive_on_node

CGNAT = {"REMOTE_ADDR": "100.64.0.9"}
NOWHERE = "H72.01.01-991231-{:04d}"  # well formed, no dossier has it
PHONE4 = "5678"  # tests.factories.applicant's phone


def _birth(app, world) -> str:
    """A birth registration (sector Hộ tịch) taken in at the commune's desk."""
    db = app.extensions["motcua.db"]
    with app.app_context():
        actor = db.session.get(Account, world.accounts["commune_reception"].id)
        procedure = world.birth_registration
        dossier = take_in(DeskContext(db.session, actor, app.config["MOTCUA"]), intake_data(
            world, procedure_code=procedure.code, unit_code=world.commune.code,
            submitted_documents=[d.id for d in procedure.documents if d.required]))
        db.session.commit()
        code = dossier.code
        db.remove()
    return code


@pytest.fixture
def limited(app):
    app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", LOOKUP_MISS_LIMIT="5 per hour",
                      SMS_RATE_LIMIT="1000 per minute")
    return app


def test_wrong_codes_are_refused_long_before_right_ones(limited, world):
    code = receive(limited, world)
    client = limited.test_client()
    client.get("/lang/en")
    misses = [client.get(f"/api/lookup/{NOWHERE.format(n)}", environ_overrides=CGNAT)
              .status_code for n in range(8)]
    assert misses == [404] * 5 + [429] * 3
    refused = client.get(f"/api/lookup/{NOWHERE.format(99)}", environ_overrides=CGNAT)
    assert "last 4 digits" in refused.get_json()["error"]
    # Another address's right code, looked up 50 times, spends nothing.
    assert {client.get(f"/api/lookup/{code}").status_code for _ in range(50)} == {200}
    assert client.get(f"/api/lookup/{NOWHERE.format(1)}").status_code == 404


def test_a_citizen_behind_a_guessed_out_address_gets_in_with_the_phone_digits(limited, world):
    """The documented bound: others' misses never refuse a citizen who has the receipt and
    the phone; they only make the citizen add the phone's last 4 digits."""
    code = receive(limited, world)
    client = limited.test_client()
    client.get("/lang/en")
    for n in range(5):
        client.get(f"/api/lookup/{NOWHERE.format(n)}", environ_overrides=CGNAT)
    page = client.get(f"/tra-cuu/{code}", environ_overrides=CGNAT)
    assert page.status_code == 429
    assert 'name="phone4"' in page.text  # the form asks for the digits
    # Through the form, as a citizen does it: the digits come along to the dossier's page.
    asked = client.get("/tra-cuu", query_string={"code": code, "phone4": PHONE4},
                       environ_overrides=CGNAT, follow_redirects=True)
    assert asked.status_code == 200 and "Nguyễn Văn An" in asked.text
    for _ in range(20):
        answer = client.get(f"/api/lookup/{code}?phone4={PHONE4}", environ_overrides=CGNAT)
        assert answer.status_code == 200 and answer.get_json()["verified"]
    # A wrong code and a right code with wrong digits answer alike: no oracle.
    wrong_code = client.get(f"/api/lookup/{NOWHERE.format(7)}?phone4={PHONE4}",
                            environ_overrides=CGNAT)
    wrong_digits = client.get(f"/api/lookup/{code}?phone4=0000", environ_overrides=CGNAT)
    assert wrong_code.status_code == wrong_digits.status_code == 429
    assert wrong_code.get_json() == wrong_digits.get_json()
    kiosk = client.get("/kiosk/tra-cuu", query_string={"code": code}, environ_overrides=CGNAT)
    assert kiosk.status_code == 429


def test_ipv6_is_counted_per_64(limited, world):
    client = limited.test_client()
    for n in range(5):
        address = {"REMOTE_ADDR": f"2001:db8:1:2::{n + 1:x}"}
        assert client.get(f"/api/lookup/{NOWHERE.format(n)}",
                          environ_overrides=address).status_code == 404
    same_64 = {"REMOTE_ADDR": "2001:db8:1:2:ffff:1:2:3"}
    assert client.get(f"/api/lookup/{NOWHERE.format(9)}",
                      environ_overrides=same_64).status_code == 429
    next_64 = {"REMOTE_ADDR": "2001:db8:1:3::1"}
    assert client.get(f"/api/lookup/{NOWHERE.format(9)}",
                      environ_overrides=next_64).status_code == 404


def test_network_key():
    assert network_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert network_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert network_key("203.0.113.5") == "203.0.113.5"


def test_civil_status_is_the_sensitive_sector():
    assert is_sensitive("Hộ tịch") and is_sensitive("HO TICH ")
    assert not is_sensitive("Thành lập và hoạt động của hộ kinh doanh")
    assert is_sensitive(None)  # a procedure the hub does not know: show less


def _answers(client, code: str, phone4: str | None = None) -> dict:
    """The website, JSON, kiosk and SMS answers about ``code``."""
    query = {"phone4": phone4} if phone4 else {}
    return {
        "website": client.get(f"/tra-cuu/{code}", query_string=query).text,
        "api": client.get(f"/api/lookup/{code}", query_string=query).get_json(),
        "kiosk": client.get("/kiosk/tra-cuu", query_string={"code": code}).text,
        "sms": client.get("/sms/inbound", query_string={
            "from": "0987654321", "lang": "en", "text": f"TRACUU {code}"}).text,
    }


SECRETS = ("Nguyễn", "N*** V*** An", "N.V. An", "khai sinh", "1.001193", "Trần Văn Xã")


def _status_only(answers: dict) -> None:
    api = answers["api"]
    assert api["restricted"] and not api["verified"]
    assert (api["applicant"], api["procedure_name"], api["procedure_code"]) == ("", "", "")
    assert api["officer"] is None and api["department"] is None and api["agency"] is None
    assert api["status_label"] == "Received"
    for channel in ("website", "kiosk", "sms"):
        assert "Received" in answers[channel], channel
        for secret in SECRETS:
            assert secret not in answers[channel], (channel, secret)
    assert "civil status dossier" in answers["website"] and "civil status" in answers["kiosk"]


def test_a_civil_status_dossier_shows_status_only_on_every_channel(limited, world):
    code = _birth(limited, world)
    client = limited.test_client()
    client.get("/lang/en")
    client.get("/kiosk/ngon-ngu/en")
    _status_only(_answers(client, code))
    unlocked = _answers(client, code, PHONE4)
    assert unlocked["api"]["verified"] and not unlocked["api"]["restricted"]
    assert unlocked["api"]["applicant"] == "Nguyễn Văn An"
    assert unlocked["api"]["procedure_code"] == "1.001193"
    assert "Thủ tục đăng ký khai sinh" in unlocked["website"]


def test_a_non_sensitive_dossier_is_unchanged(limited, world):
    code = receive(limited, world)
    client = limited.test_client()
    client.get("/lang/en")
    api = client.get(f"/api/lookup/{code}").get_json()
    assert not api["restricted"] and not api["sensitive"]
    assert api["applicant"] == "N*** V*** An" and api["procedure_code"] == "1.001612"
    assert "N.V. An" in client.get("/sms/inbound", query_string={
        "from": "0987654321", "lang": "en", "text": f"TRACUU {code}"}).text


def test_the_hub_lookup_asks_the_same_policy(templates, backend, tmp_path):
    """The hub judges by its own catalogue's sector; here the household business sector is
    configured sensitive, so a pushed household business dossier shows status only."""
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01", "H72.01.01",
                                                                "H72.01.02"]}) as p:
        node_app, world = p.nodes["north"], p.worlds["north"]
        code = receive_on_node(node_app, world)
        assert drain(p.node("north")).error is None
        p.hub.config.update(LOOKUP_RATE_LIMIT="1000 per minute", SMS_RATE_LIMIT="1000 per minute",
                            LOOKUP_SENSITIVE_FIELDS=world.household_business.field)
        hub = p.hub.test_client()
        hub.get("/lang/en")
        hub.get("/kiosk/ngon-ngu/en")
        answers = _answers(hub, code)
        api = answers["api"]
        assert api["restricted"] and api["applicant"] == "" and api["officer"] is None
        for channel in ("website", "kiosk", "sms"):
            assert "N.V. An" not in answers[channel] and "N*** V***" not in answers[channel]
            assert "hộ kinh doanh" not in answers[channel], channel
        unlocked = hub.get(f"/api/lookup/{code}?phone4={PHONE4}").get_json()
        assert unlocked["verified"] and unlocked["applicant"] == "Nguyễn Văn An"
