"""How failures reach people: JSON for API clients, a page for browsers, never a traceback."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError


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
