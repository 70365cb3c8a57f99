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
