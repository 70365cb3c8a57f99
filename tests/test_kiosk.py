"""The kiosk blueprint through the real HTTP client (the browser tests drive its script)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from werkzeug.exceptions import Forbidden

from motcua.core import create_app
from motcua.core.models import ProcedureDocument, Unit
from motcua.kiosk.views import PAGE_SIZE, _kiosk_error
from motcua.lookup.service import lookup
from tests.factories import build_world, make_procedure
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


def add_procedures(app, world, count: int) -> list[str]:
    """``count`` more active procedures (a province lists about 2,000); their names."""
    db = app.extensions["motcua.db"]
    names = [f"Thủ tục thử số {n:04d}" for n in range(count)]
    with app.app_context():
        unit = db.session.get(Unit, world.district_desk.id)
        for n, name in enumerate(names):
            make_procedure(db.session, code=f"9.{n:06d}", name=name, field="Lĩnh vực thử",
                           days=5, fee=0, result="paper", units=[unit], documents=[])
        db.session.commit()
        db.remove()
    return names


def procedure_names(html: str) -> list[str]:
    return re.findall(r"(Thủ tục thử số \d{4})", html)


def test_catalogue_pages_reach_every_procedure_and_never_cut(app, client, world):
    names = add_procedures(app, world, 2 * PAGE_SIZE + 5)
    seen, page, pages_visited = [], 1, 0
    while True:
        html = client.get("/kiosk/thu-tuc", query_string={"page": page}).text
        pages_visited += 1
        seen += procedure_names(html)
        assert len(re.findall('class="list-button"', html)) <= PAGE_SIZE
        if 'id="next-page"' not in html:
            break
        page += 1
    assert sorted(seen) == names  # each one once, none cut
    assert pages_visited == 3
    assert f"of {len(names) + 2} procedures (page 3 of 3)" in html
    assert 'id="previous-page"' in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "٣", "99999999999", "999"])
def test_catalogue_page_out_of_range_or_not_a_number_shows_a_real_page(app, client, world,
                                                                         page):
    add_procedures(app, world, PAGE_SIZE + 1)
    response = client.get("/kiosk/thu-tuc", query_string={"page": page})
    assert response.status_code == 200
    assert 'class="list-button"' in response.text


def test_catalogue_search_results_are_paged_too(app, client, world):
    add_procedures(app, world, PAGE_SIZE + 3)
    first = client.get("/kiosk/thu-tuc", query_string={"q": "thu tuc thu"}).text
    assert f"of {PAGE_SIZE + 3} procedures (page 1 of 2)" in first
    assert "/kiosk/thu-tuc?q=thu+tuc+thu&amp;page=2" in first
    second = client.get("/kiosk/thu-tuc", query_string={"q": "thu tuc thu", "page": 2}).text
    assert len(procedure_names(second)) == 3
    assert world.birth_registration.name not in second


def test_overlong_code_stays_on_the_keypad_with_a_message(client, world):
    response = client.get("/kiosk/tra-cuu", query_string={"code": "H" * 5000})
    assert response.status_code == 400
    assert "too long" in response.text
    assert 'id="display"' in response.text and 'id="scan"' in response.text


def test_unknown_kiosk_address_is_a_kiosk_404_page(client):
    response = client.get("/kiosk/no-such-page")
    assert response.status_code == 404
    assert 'id="kiosk-error"' in response.text and 'id="scan"' in response.text
    assert all(link.startswith("/kiosk/") for link in links(response.text))


@pytest.mark.parametrize("path", ["/kiosk/tra-cuu", "/kiosk/", "/kiosk/thu-tuc"])
def test_wrong_method_is_a_kiosk_405_page(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert "not available on the kiosk" in response.text and 'id="scan"' in response.text
    assert all(link.startswith("/kiosk/") for link in links(response.text))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_server_error_is_a_kiosk_500_page(app, client, world):
    app.testing = False  # let Flask answer the error instead of raising it in the test
    app.config["PROPAGATE_EXCEPTIONS"] = False
    db = app.extensions["motcua.db"]
    with db.engine.begin() as connection:  # a real fault: the table the page reads is gone
        connection.execute(text("DROP TABLE procedure_documents"))
    response = client.get(f"/kiosk/thu-tuc/{world.household_business.code}")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and 'id="scan"' in response.text
    assert all(link.startswith("/kiosk/") for link in links(response.text))


def test_forbidden_is_a_kiosk_403_page(app):
    # No kiosk page refuses today; the handler is there so a future one cannot lead out.
    with app.test_request_context("/kiosk/"):
        html, status = _kiosk_error(Forbidden())
    assert status == 403 and "not available on the kiosk" in html and 'id="scan"' in html
