"""Brute force on the login: throttled per address and per account, unknown and locked
accounts answered alike, a locked officer let back in by an administrator, and a bound on
the argon2 work a flood of attempts can start (docs/security.md)."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from motcua.core.accounts import configure_password_hasher, hash_password
from motcua.core.cli import main
from motcua.core.hashing_gate import hashing_gate
from motcua.core.models import Account, AuditEntry
from motcua.core.testing import use_fast_password_hashing
from tests.factories import PASSWORD

MAX_FAILURES = 5  # the default of Settings.login_max_failures


def attempt(client, username: str, password: str, address: str):  # noqa: ANN001, ANN201
    return client.post("/login", data={"username": username, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def answer(response) -> tuple[int, str]:  # noqa: ANN001
    """Status and page, without the form's CSRF token (new on every page)."""
    return response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "",
                                         response.get_data(as_text=True))


def lock_out(client, username: str = "letan") -> None:  # noqa: ANN001
    """Wrong passwords from as many addresses, each far under its address's limit."""
    for n in range(MAX_FAILURES):
        assert attempt(client, username, f"sai-mat-khau-{n}", f"10.5.0.{n}").status_code == 401


def actions(app, action: str) -> list[AuditEntry]:  # noqa: ANN001
    with app.app_context():
        session = app.extensions["motcua.db"].session
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        app.extensions["motcua.db"].remove()
        return entries


def test_an_address_trying_many_accounts_is_throttled(app, world):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    client.get("/lang/en")
    for username in ("an", "binh", "chuyenvien"):
        assert attempt(client, username, "sai-mat-khau", "10.4.0.1").status_code == 401
    refused = attempt(client, "letan", PASSWORD, "10.4.0.1")  # even the right password
    assert refused.status_code == 429
    assert "Too many login attempts" in refused.get_data(as_text=True)
    assert attempt(client, "letan", PASSWORD, "10.4.0.2").status_code == 302  # others


def test_many_addresses_hammering_one_account_lock_it_silently(app, world):
    client = app.test_client()
    client.get("/lang/en")
    lock_out(client)
    locked = attempt(client, "letan", PASSWORD, "10.6.0.1")
    unknown = attempt(client, "khong-co-ai", PASSWORD, "10.6.0.2")
    assert answer(locked) == answer(unknown)
    assert answer(locked)[0] == 401
    assert "Wrong username or password." in answer(locked)[1]
    # Only the audit trail tells a locked account from a wrong password.
    assert [e.detail["reason"] for e in actions(app, "login.refused")] == ["locked"]


@pytest.fixture
def real_hashing():
    """Costs high enough (16 MiB, 3 passes) that skipping the hash shows in the timing."""
    configure_password_hasher(PasswordHasher(time_cost=3, memory_cost=16 * 1024,
                                             parallelism=1))
    yield
    use_fast_password_hashing()


def test_unknown_and_locked_accounts_take_the_same_time(app, world, real_hashing):
    with app.app_context():
        session = app.extensions["motcua.db"].session
        account = session.scalar(select(Account).where(Account.username == "letan"))
        account.password_hash = hash_password(PASSWORD)  # at this test's costs
        session.commit()
        app.extensions["motcua.db"].remove()
    client = app.test_client()
    lock_out(client)
    timings: dict[str, list[float]] = {"letan": [], "khong-co-ai": []}
    for n in range(7):  # interleaved, so a busy moment of the machine hits both
        for username, times in timings.items():
            started = time.perf_counter()
            response = attempt(client, username, PASSWORD, f"10.7.{n}.{len(times)}")
            times.append(time.perf_counter() - started)
            assert response.status_code == 401
    locked, unknown = (statistics.median(times) for times in timings.values())
    assert 0.5 < locked / unknown < 2, (locked, unknown)


def test_a_locked_officer_gets_in_after_an_administrator_unlocks(app, world):
    client = app.test_client()
    lock_out(client)
    assert attempt(client, "letan", PASSWORD, "10.8.0.1").status_code == 401
    result = app.test_cli_runner().invoke(main, ["user", "unlock", "LeTan"])
    assert result.exit_code == 0, result.output
    assert "letan can log in again" in result.output
    assert attempt(client, "letan", PASSWORD, "10.8.0.1").status_code == 302
    [entry] = actions(app, "account.unlocked")
    assert entry.target == "letan" and entry.detail == {"was_locked": True}


def test_unlocking_an_unknown_account_is_one_error_line(app, world):
    result = app.test_cli_runner().invoke(main, ["user", "unlock", "khong-co-ai"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: No account khong-co-ai."


def test_logins_past_the_hashing_bound_get_503_at_once(app, world):
    slots = hashing_gate.slots
    taken = [hashing_gate._semaphore.acquire(blocking=False) for _ in range(slots)]  # noqa: SLF001
    assert all(taken)  # as if that many logins were being checked right now
    try:
        client = app.test_client()
        client.get("/lang/en")
        started = time.perf_counter()
        busy = attempt(client, "letan", PASSWORD, "10.9.0.1")
        assert time.perf_counter() - started < 5  # refused, not queued behind the flood
        assert busy.status_code == 503
        assert int(busy.headers["Retry-After"]) > 0
        assert "busy checking other logins" in busy.get_data(as_text=True)
    finally:
        for _ in range(slots):
            hashing_gate._semaphore.release()  # noqa: SLF001
    assert attempt(client, "letan", PASSWORD, "10.9.0.1").status_code == 302
