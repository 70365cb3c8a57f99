"""How failures reach people: JSON for API clients, a page for browsers, never a traceback."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from motcua.core.json_limits import TooDeep, loads
from motcua.core.models import Attachment
from tests.conftest import login
from tests.factories import intake_data


def test_a_lost_optimistic_lock_answers_409_with_a_message(sqlite_app):
    @sqlite_app.get("/api/v1/_stale")
    def _stale():
        raise StaleDataError("UPDATE statement on table 'dossiers' expected to update 1 row")

    @sqlite_app.get("/_stale")
    def _stale_page():
        raise StaleDataError("UPDATE statement on table 'dossiers' expected to update 1 row")

    client = sqlite_app.test_client()
    response = client.get("/api/v1/_stale")
    assert response.status_code == 409
    assert "someone else" in response.get_json()["error"] or "người khác" in (
        response.get_json()["error"])
    page = client.get("/_stale")
    assert page.status_code == 409
    assert "UPDATE statement" not in page.get_data(as_text=True)


def test_a_nul_character_is_refused_at_the_door_and_changes_nothing(app, desk_client):
    from motcua.core.models import AuditEntry, Dossier

    database = app.extensions["motcua.db"]

    def counts() -> tuple[int, int]:
        with app.app_context():
            try:
                return (database.session.query(Dossier).count(),
                        database.session.query(AuditEntry).count())
            finally:
                database.remove()

    before = counts()
    anonymous = app.test_client()
    page = anonymous.post("/login", data={"username": "letan\x00", "password": "x"})
    assert page.status_code == 400 and "NUL character" in page.get_data(as_text=True)
    assert anonymous.get("/tra-cuu", query_string={"code": "H72\x00"}).status_code == 400
    api = desk_client.post("/api/v1/dossiers", json={"applicant": {"name": "An\u0000"}})
    assert api.status_code == 400 and "NUL character" in api.get_json()["error"]
    assert counts() == before  # not even a failed login was recorded
    # Files are not text fields: an upload may hold any byte (checked elsewhere).
    assert desk_client.get("/").status_code == 200


def test_an_unexpected_failure_is_json_on_the_apis_and_a_page_elsewhere(configured_app):
    app, _world = configured_app(PROPAGATE_EXCEPTIONS=False)  # as in production

    def broken():
        raise RuntimeError("secret internals")

    for path in ("/api/v1/_broken", "/sync/v1/_broken", "/_broken"):
        app.add_url_rule(path, endpoint=path, view_func=broken)
    client = app.test_client()
    for path in ("/api/v1/_broken", "/sync/v1/_broken"):
        response = client.get(path)
        assert response.status_code == 500 and response.is_json, path
        assert "ICT administrator" in response.get_json()["error"]
        assert "secret internals" not in response.get_data(as_text=True)
    page = client.get("/_broken")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "ICT administrator" in page.get_data(as_text=True)
    assert "secret internals" not in page.get_data(as_text=True)


def test_a_wrong_method_is_405_with_allow_and_json_on_the_apis(app):
    client = app.test_client()
    for path, allowed in (("/api/v1/procedures", "GET"), ("/sync/v1/batches", "POST")):
        response = client.delete(path)
        assert response.status_code == 405 and response.is_json, path
        assert allowed in response.headers["Allow"], path
        assert response.get_json()["error"]
    page = client.delete("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


@pytest.mark.parametrize("depth", [65, 5000])
def test_json_nested_too_deep_is_a_400_with_a_message(app, world, desk_client, depth):
    body = "[" * depth + "]" * depth
    workflow = f"/api/v1/procedures/{world.household_business.code}/workflow"
    # The workflow's editor: anyone else is refused before the body is read.
    admin = login(app.test_client(), world.accounts["ict_admin"].username)
    for client, path in ((desk_client, "/api/v1/dossiers"), (admin, workflow)):
        response = client.open(path, method="PUT" if path == workflow else "POST",
                               data=body, content_type="application/json")
        assert response.status_code == 400 and response.is_json, (path, response.data[:200])
        assert "nested deeper than 64" in response.get_json()["error"]


def test_bounded_json_reads_what_a_request_needs():
    assert loads("[" * 64 + "]" * 64) is not None
    with pytest.raises(TooDeep):
        loads('{"a":' * 65 + "1" + "}" * 65)


def test_an_attachment_name_with_a_line_break_is_refused_and_an_old_one_downloads(
        app, world, desk_client):
    pdf = base64.b64encode(b"%PDF-1.4\n" + b"x" * 100).decode()
    refused = desk_client.post("/api/v1/dossiers", json=intake_data(world, attachments=[
        {"filename": "don\r\nSet-Cookie: x=1.pdf", "content_type": "application/pdf",
         "data_base64": pdf}]))
    assert refused.status_code == 422 and "line break" in refused.get_json()["error"]
    created = desk_client.post("/api/v1/dossiers", json=intake_data(world, attachments=[
        {"filename": "don.pdf", "content_type": "application/pdf", "data_base64": pdf}]))
    code = created.get_json()["code"]
    database = app.extensions["motcua.db"]
    with app.app_context():  # a name stored before the rule
        attachment = database.session.scalar(select(Attachment))
        attachment.filename = "don\r\nSet-Cookie: x=1.pdf"
        attachment_id = attachment.id
        database.session.commit()
        database.remove()
    download = desk_client.get(f"/dossiers/{code}/attachments/{attachment_id}")
    assert download.status_code == 200
    assert "Set-Cookie" not in download.headers
    assert "don__Set-Cookie" in download.headers["Content-Disposition"]
