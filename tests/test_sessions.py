"""Officers' sessions end on the server: logout and a new password refuse every copy of
the cookie, and a session dies after its idle and absolute timeouts (time injected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from motcua.core.cli import main
from tests.conftest import login
from tests.factories import PASSWORD

START = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.fixture
def moment(monkeypatch):
    """The clock the session stamps read; tests move ``moment[0]``."""
    moment = [START]
    monkeypatch.setattr("motcua.core.web.sessions.clock", lambda: moment[0].timestamp())
    return moment


def copy_of(app, client):  # noqa: ANN001, ANN201
    """A second client holding the same session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logged_in(client) -> bool:  # noqa: ANN001
    return client.get("/").status_code == 200


def test_a_cookie_copied_before_logout_is_refused_after(app, world):
    officer = login(app.test_client(), world.accounts["reception"].username)
    thief = copy_of(app, officer)
    assert logged_in(thief)
    assert officer.post("/logout").status_code == 302
    assert thief.get("/").status_code == 302  # back to the login page
    refused = thief.get("/api/v1/dossiers")
    assert refused.status_code == 401 and "error" in refused.get_json()
    # A new login works as before.
    assert logged_in(login(app.test_client(), world.accounts["reception"].username))


def test_a_new_password_ends_every_open_session(app, world):
    officer = login(app.test_client(), world.accounts["reception"].username)
    other = login(app.test_client(), world.accounts["commune_reception"].username)
    result = app.test_cli_runner().invoke(
        main, ["user", "password", "letan", "--password", "mat-khau-moi-2026"])
    assert result.exit_code == 0, result.output
    assert officer.get("/").status_code == 302
    assert logged_in(other)  # other accounts keep their sessions
    assert logged_in(login(app.test_client(), "letan", "mat-khau-moi-2026"))


def test_an_idle_session_expires_and_use_keeps_it_alive(app, world, moment):
    officer = login(app.test_client(), world.accounts["reception"].username)
    for _ in range(4):  # two hours of work, a request every 29 minutes
        moment[0] += timedelta(minutes=29)
        assert logged_in(officer)
    moment[0] += timedelta(minutes=30)
    assert officer.get("/").status_code == 302
    moment[0] += timedelta(minutes=1)
    assert officer.get("/").status_code == 302  # refused once, forgotten for good


def test_a_session_ends_after_its_absolute_lifetime_however_busy(app, world, moment):
    officer = login(app.test_client(), world.accounts["reception"].username)
    while moment[0] < START + timedelta(hours=11, minutes=40):  # a request every 20 min
        moment[0] += timedelta(minutes=20)
        assert logged_in(officer)
    moment[0] = START + timedelta(hours=12)
    assert officer.get("/").status_code == 302


def test_timeouts_are_settings(configured_app, moment):
    app, _world = configured_app(session_idle_minutes=5)
    officer = login(app.test_client(), "letan")
    moment[0] += timedelta(minutes=5)
    assert officer.get("/").status_code == 302


def _cookie_flags(response) -> set[str]:  # noqa: ANN001
    header = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith("session="))
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]} | {
        part.strip().lower() for part in header.split(";") if "samesite" in part.lower()}


@pytest.mark.parametrize("production", [False, True])
def test_the_session_cookie_is_httponly_samesite_lax_and_secure_in_production(
        configured_app, production):
    app, _world = configured_app(production=production)
    response = app.test_client().post("/login", data={"username": "letan",
                                                      "password": PASSWORD})
    flags = _cookie_flags(response)
    assert {"httponly", "samesite=lax"} <= flags
    assert ("secure" in flags) is production
