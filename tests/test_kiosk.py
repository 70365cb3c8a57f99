"""The kiosk blueprint through the real HTTP client (the browser tests drive its script)."""

from __future__ import annotations

import re

import pytest

from motcua.core import create_app
from motcua.core.models import ProcedureDocument
from motcua.lookup.service import lookup
from tests.factories import build_world
from tests.test_lookup_web import receive

LINK = re.compile(r'\s(?:href|src|action)="([^"]*)"')


@pytest.fixture
def client(app):
    client = app.test_client()
    client.get("/kiosk/ngon-ngu/en")
    return client


def links(html: str) -> list[str]:
    return LINK.findall(html)


def test_home_is_vietnamese_with_the_idle_timeout_and_scan_input(app, world):
    app.config["MOTCUA"].language = "vi"  # a deployment's default (the suite runs in English)
    app.config["KIOSK_IDLE_SECONDS"] = 7
    html = app.test_client().get("/kiosk/").text
    assert '<html lang="vi">' in html
    assert 'data-idle-seconds="7"' in html
    assert 'id="scan"' in html


def test_scanned_code_shows_the_same_answer_as_the_service(app, client, world):
    code = receive(app, world)
    response = client.get("/kiosk/tra-cuu", query_string={"code": f"{code.lower()}\r\n"})
    assert response.status_code == 200
    with app.test_request_context("/?lang=en"):
        expected = lookup(app.extensions["motcua.db"].session, code)
    html = response.text
    assert f'data-status="{expected.status}"' in html
    assert expected.status_label in html
    assert expected.officer is None  # unclaimed in its first workflow step's queue
    assert expected.agency.name in html
    assert "N*** V*** An" in html
    assert "0912345678" not in html and "072090001234" not in html


def test_keypad_page_has_digits_letters_and_punctuation(client):
    html = client.get("/kiosk/tra-cuu").text
    keys = set(re.findall(r'data-key="([^"]+)"', html))
    assert set("0123456789.-ABCDEFGHIJKLMNOPQRSTUVWXYZ") <= keys


def test_bad_and_unknown_codes_stay_on_the_keypad_with_a_message(client, world):
    bad = client.get("/kiosk/tra-cuu", query_string={"code": "xyz"})
    assert bad.status_code == 400 and "is not a dossier code" in bad.text
    unknown = client.get("/kiosk/tra-cuu", query_string={"code": "H72.01.01-991231-9999"})
    assert unknown.status_code == 404 and "No dossier has the code" in unknown.text
    assert 'id="display"' in unknown.text


def test_every_link_stays_inside_the_kiosk(app, client, world):
    code = receive(app, world)
    pages = ["/kiosk/", "/kiosk/tra-cuu", f"/kiosk/tra-cuu?code={code}",
             "/kiosk/tra-cuu?code=bad", "/kiosk/thu-tuc",
             f"/kiosk/thu-tuc/{world.household_business.code}", "/kiosk/thu-tuc/none"]
    for page in pages:
        html = client.get(page).text
        found = links(html)
        assert found, page
        for link in found:
            assert link.startswith("/kiosk/") or link == "/kiosk", (page, link)


def test_catalogue_lists_active_procedures_by_field(client, world):
    html = client.get("/kiosk/thu-tuc").text
    assert world.household_business.name in html and world.birth_registration.name in html
    assert "Hộ tịch" in html


def test_catalogue_search_ignores_diacritics(client, world):
    html = client.get("/kiosk/thu-tuc", query_string={"q": "Khai Sinh"}).text
    assert world.birth_registration.name in html
    assert world.household_business.name not in html


def test_procedure_page_shows_documents_fee_and_time(client, world):
    html = client.get(f"/kiosk/thu-tuc/{world.household_business.code}").text
    for document in world.household_business.documents:
        assert document.name in html
    assert "100.000 đ" in html
    assert "3 working days" in html
    assert world.district_desk.name in html
    free = client.get(f"/kiosk/thu-tuc/{world.birth_registration.code}").text
    assert "Free" in free


def test_unknown_procedure_is_404_on_a_kiosk_page(client, world):
    response = client.get("/kiosk/thu-tuc/9.999999")
    assert response.status_code == 404
    assert "No procedure with code 9.999999" in response.text
    assert "/login" not in response.text


def test_form_of_the_catalogue_downloads_from_the_instance_forms_folder(app, client, world):
    db = app.extensions["motcua.db"]
    forms = app.config["MOTCUA"].forms_path
    forms.mkdir(parents=True, exist_ok=True)
    (forms / "mau-hkd.docx").write_bytes(b"PK\x03\x04 form body")
    (forms / "secret.txt").write_text("not in the catalogue")
    with app.app_context():
        document = db.session.get(ProcedureDocument, world.household_business.documents[0].id)
        document.form_filename = "mau-hkd.docx"
        db.session.commit()
        db.remove()
    page = client.get(f"/kiosk/thu-tuc/{world.household_business.code}").text
    assert 'href="/kiosk/bieu-mau/mau-hkd.docx"' in page
    download = client.get("/kiosk/bieu-mau/mau-hkd.docx")
    assert download.status_code == 200
    assert download.data == b"PK\x03\x04 form body"
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get("/kiosk/bieu-mau/secret.txt").status_code == 404
    assert client.get("/kiosk/bieu-mau/..%2Fsecret_key").status_code == 404


def test_listed_form_missing_on_disk_is_404_not_500(app, client, world):
    db = app.extensions["motcua.db"]
    with app.app_context():
        document = db.session.get(ProcedureDocument, world.household_business.documents[1].id)
        document.form_filename = "../secret_key"
        db.session.commit()
        db.remove()
    assert client.get("/kiosk/bieu-mau/../secret_key").status_code == 404
    assert client.get("/kiosk/bieu-mau/%2E%2E/secret_key").status_code == 404


def test_language_choice_is_reset_for_the_next_citizen(app, client):
    app.config["MOTCUA"].language = "vi"  # a deployment's default (the suite runs in English)
    client.get("/kiosk/ngon-ngu/en")
    assert '<html lang="en">' in client.get("/kiosk/").text
    response = client.get("/kiosk/?reset=1")
    assert response.status_code == 302 and response.headers["Location"] == "/kiosk/"
    assert '<html lang="vi">' in client.get("/kiosk/").text


def test_kiosk_lookups_share_the_rate_limit_and_answer_429_on_a_kiosk_page(templates, tmp_path):
    app = create_app(instance_path=tmp_path / "k", secret_key="test", TESTING=True,
                     database_url=templates("sqlite").fresh_url(tmp_path),
                     LOOKUP_RATE_LIMIT="2 per minute")
    try:
        with app.app_context():
            build_world(app.extensions["motcua.db"].session)
        client = app.test_client()
        client.get("/kiosk/ngon-ngu/en")
        code = "H72.01.01-991231-9999"
        assert client.get(f"/tra-cuu/{code}").status_code == 404
        assert client.get("/kiosk/tra-cuu", query_string={"code": code}).status_code == 404
        response = client.get("/kiosk/tra-cuu", query_string={"code": code})
        assert response.status_code == 429
        assert "Too many lookups" in response.text
        assert 'id="scan"' in response.text  # still the kiosk, with its scanner input
    finally:
        app.extensions["motcua.db"].dispose()
