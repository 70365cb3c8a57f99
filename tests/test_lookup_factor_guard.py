"""The second factor's per-dossier guard: many addresses and simultaneous guesses together
get at most the dossier's allowance of evaluations (docs/lookup-and-kiosk.md)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

from motcua.core.timeutil import now, replaying_at
from motcua.lookup.factor_guard import DEFAULT_FAILURES, DEFAULT_LOCK_MINUTES
from tests.browser import serve
from tests.test_lookup_web import receive

RIGHT = "5678"  # the last four digits of the factories' applicant phone


def guess(client, code: str, phone4: str, address: str):  # noqa: ANN001, ANN201
    return client.get(f"/api/lookup/{code}", query_string={"phone4": phone4},
                      environ_overrides={"REMOTE_ADDR": address})


def test_guesses_from_many_addresses_lock_the_dossiers_second_factor(app, world):
    code, other = receive(app, world), receive(app, world)
    client = app.test_client()
    client.get("/lang/en")
    # One wrong guess from each of many addresses: each stays under its address's limit.
    statuses = [guess(client, code, f"{1000 + n}", f"10.1.0.{n}").status_code
                for n in range(DEFAULT_FAILURES + 3)]
    assert statuses == [403] * DEFAULT_FAILURES + [429] * 3
    locked = guess(client, code, RIGHT, "10.2.0.1")
    assert locked.status_code == 429
    data = locked.get_json()
    assert "Too many wrong phone digits" in data["error"]
    assert data["dossier"]["verified"] is False  # the right digits unlocked nothing
    assert data["dossier"]["applicant"] == "N*** V*** An"
    page = client.get(f"/tra-cuu/{code}", query_string={"phone4": RIGHT},
                      environ_overrides={"REMOTE_ADDR": "10.2.0.4"})
    assert page.status_code == 429
    assert "Too many wrong phone digits" in page.text and "N*** V*** An" in page.text
    assert guess(client, other, RIGHT, "10.2.0.2").status_code == 200  # other dossiers
    later = now() + timedelta(minutes=DEFAULT_LOCK_MINUTES, seconds=1)
    with replaying_at(later):  # the lock ends with its window
        assert guess(client, code, RIGHT, "10.2.0.3").get_json()["verified"] is True


def test_right_answers_do_not_use_up_the_dossiers_allowance(app, world):
    code = receive(app, world)
    client = app.test_client()
    for n in range(DEFAULT_FAILURES + 2):
        assert guess(client, code, RIGHT, f"10.3.0.{n}").status_code == 200
    assert guess(client, code, "0000", "10.3.1.1").status_code == 403


def test_simultaneous_guesses_are_evaluated_at_most_the_limit(app, world):
    """30 requests at once from one address: the limit is taken before the digits are
    compared, so no more than the allowance are compared (the per-address limit, which
    counts a failure after answering, let 16 of 30 through)."""
    code = receive(app, world)
    start = threading.Barrier(30)
    statuses: list[int] = []

    def attempt(base: str, n: int) -> None:
        url = f"{base}/api/lookup/{code}?phone4={2000 + n}"
        start.wait()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            json.loads(error.read())  # every refusal is the lookup's JSON answer
            statuses.append(error.code)

    with serve(app) as base:
        threads = [threading.Thread(target=attempt, args=(base, n)) for n in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert len(statuses) == 30
    assert set(statuses) <= {403, 429}
    assert 1 <= statuses.count(403) <= DEFAULT_FAILURES
