"""REST API v1 through the real HTTP client, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from motcua.core import create_app
from motcua.core.accounts import issue_api_token, revoke_api_token
from motcua.core.models import Account, ApiToken
from motcua.core.timeutil import local_date, now
from tests.factories import applicant, build_world, intake_data

PDF = b"%PDF-1.4\n" + b"x" * 2000
TABLES = ("dossiers", "dossier_events", "outbox", "attachments", "dossier_code_counters")


def make_token(app, account_id: int) -> str:
    db = app.extensions["motcua.db"]
    with app.app_context():
        token = issue_api_token(db.session, db.session.get(Account, account_id), "test")
        db.session.commit()
        db.remove()
    return token


def counts(app) -> dict[str, int]:
    db = app.extensions["motcua.db"]
    with app.app_context():
        result = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
        db.remove()
    return result


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(app, world) -> dict:
    return {"Authorization": f"Bearer {make_token(app, world.accounts['reception'].id)}"}


def attachment(**overrides) -> dict:
    data = {"filename": "don.pdf", "content_type": "application/pdf",
            "data_base64": base64.b64encode(PDF).decode()}
    data.update(overrides)
    return data


# --- auth ---------------------------------------------------------------------------------

def test_no_token_is_401_json(client, world):
    response = client.get("/api/v1/dossiers")
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_garbage_token_is_401(client, world):
    response = client.get("/api/v1/dossiers", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401 and "token" in response.get_json()["error"]


def test_revoked_token_is_401(app, client, world, auth):
    db = app.extensions["motcua.db"]
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
        revoke_api_token(db.session, token_id)
        db.session.commit()
        db.remove()
    assert client.get("/api/v1/dossiers", headers=auth).status_code == 401


def test_valid_token_works(client, auth):
    response = client.get("/api/v1/dossiers", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_browser_login_works(desk_client):
    assert desk_client.get("/api/v1/dossiers").status_code == 200


# --- procedures ---------------------------------------------------------------------------

def test_procedures_are_public_and_searchable_without_diacritics(client, world):
    response = client.get("/api/v1/procedures", query_string={"q": "ho kinh doanh"})
    assert response.status_code == 200
    body = response.get_json()
    assert [p["code"] for p in body["items"]] == [world.household_business.code]
    assert body["total"] == 1 and body["page"] == 1


def test_procedures_filter_by_unit_and_field(client, world):
    by_unit = client.get("/api/v1/procedures", query_string={"unit": world.commune.code})
    assert [p["code"] for p in by_unit.get_json()["items"]] == [world.birth_registration.code]
    by_field = client.get("/api/v1/procedures", query_string={"field": "Hộ tịch"})
    assert [p["code"] for p in by_field.get_json()["items"]] == [world.birth_registration.code]


def test_procedures_paging_limits(client, world):
    assert client.get("/api/v1/procedures?per_page=1000").status_code == 400
    assert client.get("/api/v1/procedures?page=0").status_code == 400
    page = client.get("/api/v1/procedures?per_page=1&page=2").get_json()
    assert len(page["items"]) == 1 and page["total"] == 2


def test_procedure_detail(client, world):
    body = client.get(f"/api/v1/procedures/{world.household_business.code}").get_json()
    assert body["fee"] == 100000 and body["processing_days"] == 3
    assert body["result_type"] == "Giấy chứng nhận đăng ký hộ kinh doanh"
    assert body["receiving_units"] == [world.district_desk.code]
    expected = [d.id for d in world.household_business.documents]
    assert [d["id"] for d in body["documents"]] == expected
    assert client.get("/api/v1/procedures/9.999").status_code == 404


# --- create -------------------------------------------------------------------------------

def test_create_returns_201_location_and_dossier(app, client, world, auth):
    before = counts(app)
    document_id = world.household_business.documents[0].id
    data = intake_data(world, attachments=[attachment(document_id=document_id)])
    response = client.post("/api/v1/dossiers", json=data, headers=auth)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    today = local_date(now()).strftime("%y%m%d")
    assert re.fullmatch(re.escape(f"{world.district_desk.code}-{today}-") + r"\d{4}",
                        body["code"])
    assert response.headers["Location"].endswith(f"/api/v1/dossiers/{body['code']}")
    assert body["status"] == "received" and body["late"] is False
    assert body["applicant"]["citizen_id"] == "072090001234"
    assert body["unit"]["code"] == world.district_desk.code
    assert body["received_at"].endswith("+07:00")
    assert body["attachments"][0]["size"] == len(PDF)
    after = counts(app)
    for table in ("dossiers", "dossier_events", "outbox", "attachments"):
        assert after[table] == before[table] + 1, table
    fetched = client.get(response.headers["Location"], headers=auth)
    assert fetched.status_code == 200 and fetched.get_json()["code"] == body["code"]


BAD_BODIES = {
    "invalid citizen id": lambda w: intake_data(w, applicant=applicant(citizen_id="12")),
    "missing field": lambda w: {k: v for k, v in intake_data(w).items() if k != "applicant"},
    "unknown procedure": lambda w: intake_data(w, procedure_code="9.999999"),
    "unknown field": lambda w: intake_data(w, colour="blue"),
    "missing document": lambda w: intake_data(w, submitted_documents=[]),
    "forbidden type": lambda w: intake_data(w, attachments=[attachment(
        filename="a.exe", content_type="application/x-msdownload")]),
    "base64 garbage": lambda w: intake_data(w, attachments=[attachment(data_base64="@@not!")]),
    "SMS consent without a phone": lambda w: intake_data(w, applicant=applicant(phone=None),
                                                         sms_consent=True),
}
EXPECTED = {"invalid citizen id": (422, "applicant.citizen_id"),
            "missing field": (422, "applicant"),
            "unknown procedure": (404, "procedure_code"),
            "unknown field": (422, "colour"),
            "missing document": (422, "submitted_documents"),
            "forbidden type": (422, "attachments"),
            "base64 garbage": (422, "attachments.0.data_base64"),
            "SMS consent without a phone": (422, "sms_consent")}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_bad_input_gets_json_error_and_writes_nothing(app, client, world, auth, case):
    before = counts(app)
    response = client.post("/api/v1/dossiers", json=BAD_BODIES[case](world), headers=auth)
    status, field = EXPECTED[case]
    assert response.status_code == status, response.data
    body = response.get_json()
    assert body["error"] and body["field"] == field
    assert counts(app) == before


def test_malformed_json_is_400(app, client, world, auth):
    before = counts(app)
    response = client.post("/api/v1/dossiers", data="{not json", headers=auth,
                           content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    assert counts(app) == before


def test_non_json_content_type_is_400(app, client, world, auth):
    before = counts(app)
    response = client.post("/api/v1/dossiers", data={"procedure_code": "x"}, headers=auth)
    assert response.status_code == 400 and "application/json" in response.get_json()["error"]
    assert counts(app) == before


def test_oversized_attachment_is_422(templates, tmp_path, backend):
    url = templates(backend).fresh_url(tmp_path)
    app = create_app(instance_path=tmp_path / "instance", database_url=url,
                     secret_key="test-secret", TESTING=True, attachment_max_bytes=1024)
    db = app.extensions["motcua.db"]
    try:
        with app.app_context():
            world = build_world(db.session)
            db.remove()
        token = make_token(app, world.accounts["reception"].id)
        before = counts(app)
        response = app.test_client().post(
            "/api/v1/dossiers", json=intake_data(world, attachments=[attachment()]),
            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422
        assert "limit" in response.get_json()["error"]
        assert counts(app) == before
    finally:
        db.dispose()


# --- scope --------------------------------------------------------------------------------

def test_other_unit_cannot_create_at_the_district_desk(app, client, world):
    token = make_token(app, world.accounts["other_reception"].id)
    before = counts(app)
    response = client.post("/api/v1/dossiers", json=intake_data(world),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.get_json()["error"]
    assert counts(app) == before


def test_other_unit_gets_404_and_an_empty_list(app, client, world, auth):
    code = client.post("/api/v1/dossiers", json=intake_data(world),
                       headers=auth).get_json()["code"]
    other = {"Authorization": f"Bearer {make_token(app, world.accounts['other_reception'].id)}"}
    assert client.get(f"/api/v1/dossiers/{code}", headers=other).status_code == 404
    assert client.get(f"/api/v1/dossiers/{code}/events", headers=other).status_code == 404
    assert client.get("/api/v1/dossiers", headers=other).get_json()["total"] == 0
    mine = client.get("/api/v1/dossiers", headers=auth).get_json()
    assert [d["code"] for d in mine["items"]] == [code]


def test_list_filters_and_events(app, client, world, auth):
    first = client.post("/api/v1/dossiers", json=intake_data(world), headers=auth).get_json()
    second = client.post("/api/v1/dossiers", json=intake_data(
        world, applicant=applicant(name="Trần Thị Bình")), headers=auth).get_json()
    listed = client.get("/api/v1/dossiers", headers=auth).get_json()
    assert [d["code"] for d in listed["items"]] == [second["code"], first["code"]]
    by_name = client.get("/api/v1/dossiers", query_string={"q": "Bình"}, headers=auth)
    assert [d["code"] for d in by_name.get_json()["items"]] == [second["code"]]
    by_code = client.get("/api/v1/dossiers", query_string={"q": first["code"]}, headers=auth)
    assert [d["code"] for d in by_code.get_json()["items"]] == [first["code"]]
    assert client.get("/api/v1/dossiers?overdue=true", headers=auth).get_json()["total"] == 0
    assert client.get("/api/v1/dossiers?status=refused", headers=auth).get_json()["total"] == 0
    assert client.get("/api/v1/dossiers?status=bogus", headers=auth).status_code == 400
    assert client.get("/api/v1/dossiers?received_from=2000-01-01&received_to=2000-01-02",
                      headers=auth).get_json()["total"] == 0
    assert client.get("/api/v1/dossiers?received_from=yesterday",
                      headers=auth).status_code == 400
    events = client.get(f"/api/v1/dossiers/{first['code']}/events", headers=auth).get_json()
    assert [e["kind"] for e in events["items"]] == ["received"]


def test_count_helper_sees_rows(app, client, world, auth):
    """The no-write assertions above would be vacuous if counting saw nothing."""
    client.post("/api/v1/dossiers", json=intake_data(world), headers=auth)
    assert counts(app)["dossier_code_counters"] == 1
    db = app.extensions["motcua.db"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
        db.remove()


def test_back_entered_old_dossier_is_late_and_listed_as_overdue(client, world, auth):
    received = (now() - timedelta(days=30)).isoformat()
    old = client.post("/api/v1/dossiers", headers=auth, json=intake_data(
        world, received_at=received, back_entry_reason="Mất điện cả ngày")).get_json()
    fresh = client.post("/api/v1/dossiers", json=intake_data(world), headers=auth).get_json()
    assert old["late"] is True and old["back_entered"] is True and fresh["late"] is False
    overdue = client.get("/api/v1/dossiers?overdue=true", headers=auth).get_json()
    assert [d["code"] for d in overdue["items"]] == [old["code"]]
    day = local_date(now() - timedelta(days=30)).isoformat()
    by_day = client.get("/api/v1/dossiers", headers=auth,
                        query_string={"received_from": day, "received_to": day}).get_json()
    assert [d["code"] for d in by_day["items"]] == [old["code"]]
    listed = client.get("/api/v1/dossiers", headers=auth).get_json()
    assert [d["code"] for d in listed["items"]] == [fresh["code"], old["code"]]


def test_body_must_be_a_json_object(app, client, world, auth):
    before = counts(app)
    response = client.post("/api/v1/dossiers", json=[intake_data(world)], headers=auth)
    assert response.status_code == 400 and "object" in response.get_json()["error"]
    assert counts(app) == before


def test_malformed_authorization_header_is_401(client, world):
    response = client.get("/api/v1/dossiers", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401 and "Bearer" in response.get_json()["error"]


def test_browser_login_can_create(desk_client, world):
    response = desk_client.post("/api/v1/dossiers", json=intake_data(world))
    assert response.status_code == 201
