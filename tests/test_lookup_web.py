"""The public lookup website and JSON API, through the real HTTP client."""

from __future__ import annotations

import pytest

from motcua.core import create_app
from motcua.core.config import load_settings
from motcua.core.errors import ConfigurationError
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account
from tests.factories import build_world, intake_data

SECRETS = ("072090001234", "0912345678", "an@example.vn", "Nguyễn Văn An")


def receive(app, world) -> str:
    db = app.extensions["motcua.db"]
    with app.app_context():
        actor = db.session.get(Account, world.accounts["reception"].id)
        dossier = take_in(DeskContext(db.session, actor, app.config["MOTCUA"]),
                          intake_data(world))
        db.session.commit()
        code = dossier.code
        db.remove()
    return code


@pytest.fixture
def code(app, world) -> str:
    return receive(app, world)


@pytest.fixture
def client(app):
    client = app.test_client()
    client.get("/lang/en")  # English msgids, whatever the default language
    return client


def test_form_page_needs_no_login(client):
    response = client.get("/tra-cuu")
    assert response.status_code == 200
    assert 'name="code"' in response.text


def test_receipt_qr_link_shows_status_and_who_is_responsible(client, code, world):
    response = client.get(f"/tra-cuu/{code}")
    assert response.status_code == 200
    html = response.text
    assert code in html
    assert 'data-status="received"' in html and ">Received<" in html
    assert world.district.name in html  # agency
    assert world.district_desk.name in html  # department
    # No officer yet: unclaimed in its first workflow step's queue (routing).
    assert "Nguyễn Thị Lễ Tân" not in html
    assert "N*** V*** An" in html


def test_form_submission_redirects_to_the_normalised_code(client, code):
    response = client.get("/tra-cuu", query_string={"code": f"  {code.lower()}\n"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tra-cuu/{code}")


def test_public_html_and_json_show_no_citizen_id_or_phone(client, code):
    html = client.get(f"/tra-cuu/{code}").text
    data = client.get(f"/api/lookup/{code}").text
    for secret in SECRETS:
        assert secret not in html
        assert secret not in data


def test_json_api_gives_the_same_answer(client, code, world):
    response = client.get(f"/api/lookup/{code.lower()}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["code"] == code
    assert data["status"] == "received" and data["status_label"] == "Received"
    assert data["agency"]["name"] == world.district.name
    assert data["department"]["code"] == world.district_desk.code
    assert data["officer"] is None  # unclaimed in its first workflow step's queue
    assert data["on_time"] is True and data["late"] is False
    assert data["applicant"] == "N*** V*** An"
    assert data["verified"] is False and data["documents"] is None
    assert data["timeline"][0]["kind"] == "received"
    assert data["received_at"].endswith("+00:00")


def test_second_factor_unlocks_detail_on_page_and_json(client, code):
    data = client.get(f"/api/lookup/{code}", query_string={"phone4": "5678"}).get_json()
    assert data["verified"] is True
    assert data["applicant"] == "Nguyễn Văn An"
    assert len(data["documents"]) == 3
    html = client.get(f"/tra-cuu/{code}", query_string={"phone4": "5678"}).text
    assert "Nguyễn Văn An" in html and "Documents handed in" in html
    assert "0912345678" not in html and "072090001234" not in html


def test_wrong_second_factor_is_403_with_the_public_view(client, code):
    response = client.get(f"/api/lookup/{code}", query_string={"phone4": "1111"})
    assert response.status_code == 403
    body = response.get_json()
    assert "do not match" in body["error"]
    assert body["dossier"]["verified"] is False
    page = client.get(f"/tra-cuu/{code}", query_string={"phone4": "1111"})
    assert page.status_code == 403
    assert "do not match" in page.text and "N*** V*** An" in page.text


def test_malformed_second_factor_is_400(client, code):
    response = client.get(f"/api/lookup/{code}", query_string={"phone4": "12"})
    assert response.status_code == 400
    assert "4 digits" in response.get_json()["error"]


@pytest.mark.parametrize("phone4", ["١٢٣٤", "１２３４", "۱۲۳۴"])
def test_non_ascii_digits_as_second_factor_are_400_on_api_and_page(client, code, phone4):
    # Arabic-Indic, full-width and Persian digits: a clear 400, never a 500.
    api = client.get(f"/api/lookup/{code}", query_string={"phone4": phone4})
    assert api.status_code == 400
    assert "4 digits" in api.get_json()["error"]
    page = client.get(f"/tra-cuu/{code}", query_string={"phone4": phone4})
    assert page.status_code == 400
    assert "4 digits" in page.text and "N*** V*** An" in page.text


def test_unknown_code_is_404_with_a_message(client, world):
    page = client.get("/tra-cuu/H72.01.01-991231-9999")
    assert page.status_code == 404
    assert "No dossier has the code H72.01.01-991231-9999" in page.text
    api = client.get("/api/lookup/H72.01.01-991231-9999")
    assert api.status_code == 404
    assert "No dossier has the code" in api.get_json()["error"]


@pytest.mark.parametrize("raw", ["hello", "H72.01.01-2611-0001", "%3Cscript%3E", "a/b/c"])
def test_malformed_code_is_400_with_a_message(client, raw):
    page = client.get(f"/tra-cuu/{raw}")
    assert page.status_code == 400
    assert "is not a dossier code" in page.text
    assert "<script>" not in page.text.lower()
    api = client.get(f"/api/lookup/{raw}")
    assert api.status_code == 400
    assert "is not a dossier code" in api.get_json()["error"]


def test_overlong_code_is_400(client):
    raw = "H" * 5000
    assert client.get(f"/tra-cuu/{raw}").status_code == 400
    api = client.get(f"/api/lookup/{raw}")
    assert api.status_code == 400 and "too long" in api.get_json()["error"]
    form = client.get("/tra-cuu", query_string={"code": raw})
    assert form.status_code == 400 and "too long" in form.text


def test_link_with_nothing_after_tra_cuu_asks_for_the_code(client):
    page = client.get("/tra-cuu/")
    assert page.status_code == 400
    assert "Enter the dossier code" in page.text and 'name="code"' in page.text
    api = client.get("/api/lookup/")
    assert api.status_code == 400
    assert "Enter the dossier code" in api.get_json()["error"]


def test_empty_form_submission_asks_for_the_code(client):
    response = client.get("/tra-cuu", query_string={"code": "  "})
    assert response.status_code == 400
    assert "Enter the dossier code" in response.text


@pytest.fixture
def limited_app(templates, tmp_path):
    """An app with low limits, so the test reaches them quickly."""
    app = create_app(
        instance_path=tmp_path / "limited", secret_key="test", TESTING=True,
        database_url=templates("sqlite").fresh_url(tmp_path),
        LOOKUP_RATE_LIMIT="3 per minute", LOOKUP_FACTOR_RATE_LIMIT="2 per hour",
    )
    yield app
    app.extensions["motcua.db"].dispose()


def test_too_many_lookups_get_429_with_a_message(limited_app):
    with limited_app.app_context():
        world = build_world(limited_app.extensions["motcua.db"].session)
    code = receive(limited_app, world)
    client = limited_app.test_client()
    client.get("/lang/en")
    assert client.get(f"/tra-cuu/{code}").status_code == 200
    assert client.get(f"/api/lookup/{code}").status_code == 200
    assert client.get("/tra-cuu/H72.01.01-991231-9999").status_code == 404  # counts too
    page = client.get(f"/tra-cuu/{code}")
    assert page.status_code == 429
    assert "Too many lookups" in page.text
    assert 'name="code"' in page.text  # the lookup's own page, not the desk's error page
    api = client.get(f"/api/lookup/{code}")
    assert api.status_code == 429
    assert "Too many lookups" in api.get_json()["error"]
    assert 0 < int(api.headers["Retry-After"]) <= 60
    # Another client (address) is not affected.
    other = limited_app.test_client()
    other_response = other.get(f"/api/lookup/{code}",
                               environ_overrides={"REMOTE_ADDR": "10.0.0.2"})
    assert other_response.status_code == 200


def test_behind_a_trusted_proxy_each_citizen_has_their_own_limit(templates, tmp_path):
    """With MOTCUA_TRUSTED_PROXIES=1 the limit counts the forwarded address, not the
    proxy's; without it, every citizen behind the proxy would share one limit."""
    app = create_app(
        instance_path=tmp_path / "proxied", secret_key="test", TESTING=True,
        database_url=templates("sqlite").fresh_url(tmp_path), LOOKUP_RATE_LIMIT="2 per minute",
        trusted_proxies=1,
    )
    try:
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
        code = receive(app, world)
        client = app.test_client()

        def from_citizen(address: str) -> int:
            return client.get(f"/api/lookup/{code}", headers={"X-Forwarded-For": address},
                              environ_overrides={"REMOTE_ADDR": "10.9.9.9"}).status_code

        assert [from_citizen("203.0.113.5") for _ in range(3)] == [200, 200, 429]
        assert from_citizen("198.51.100.7") == 200  # another citizen, same proxy
    finally:
        app.extensions["motcua.db"].dispose()


def test_trusted_proxies_must_be_a_whole_number(tmp_path):
    with pytest.raises(ConfigurationError, match="MOTCUA_TRUSTED_PROXIES"):
        load_settings({"MOTCUA_TRUSTED_PROXIES": "yes"}, instance_path=tmp_path)


def test_failed_second_factor_has_a_stricter_limit(templates, tmp_path):
    app = create_app(
        instance_path=tmp_path / "factor", secret_key="test", TESTING=True,
        database_url=templates("sqlite").fresh_url(tmp_path),
        LOOKUP_RATE_LIMIT="100 per minute", LOOKUP_FACTOR_RATE_LIMIT="2 per hour",
    )
    try:
        with app.app_context():
            world = build_world(app.extensions["motcua.db"].session)
        code = receive(app, world)
        client = app.test_client()
        client.get("/lang/en")
        # Right answers and plain lookups do not count against the factor limit.
        for _ in range(3):
            assert client.get(f"/api/lookup/{code}?phone4=5678").status_code == 200
        assert client.get(f"/api/lookup/{code}?phone4=0001").status_code == 403
        assert client.get(f"/tra-cuu/{code}?phone4=0002").status_code == 403
        blocked = client.get(f"/api/lookup/{code}?phone4=5678")
        assert blocked.status_code == 429
        assert "Too many wrong phone digits" in blocked.get_json()["error"]
        assert client.get(f"/api/lookup/{code}").status_code == 200  # public view still works
    finally:
        app.extensions["motcua.db"].dispose()


def test_lookup_page_is_vietnamese_by_default(app, code):
    app.config["MOTCUA"].language = "vi"  # a deployment's default (the suite runs in English)
    response = app.test_client().get(f"/tra-cuu/{code}")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text

