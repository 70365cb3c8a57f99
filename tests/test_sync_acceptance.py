"""The hub's acceptance rules across batches, at its HTTP API with correctly signed
batches: the highest version of a dossier wins whatever batch brings it, a node's clock
running ahead is refused, and only fresh signed requests count as contact."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from motcua.core.models import HubDossier, HubDossierEvent, SyncNode
from motcua.core.sync import signing
from motcua.core.sync.node import drain, greet
from motcua.core.timeutil import now
from tests.test_sync_refusals import hub_counts, post, sealed  # noqa: F401 - the fixture


def resigned(batch, sequence: int, change=None) -> bytes:  # noqa: ANN001
    """The body of the sealed ``batch`` as batch ``sequence``, first changed by ``change``
    (a function of the decoded body), ready to be signed again with the node's key."""
    body = json.loads(batch.body)
    body["sequence"] = sequence
    if change is not None:
        change(body)
    return signing.canonical_json(body)


def one_entry(version: int, status: str, event_sequence: int):  # noqa: ANN201
    """A change keeping the first entry only: its dossier at ``version`` and ``status``,
    with a new event numbered ``event_sequence``."""
    def change(body: dict) -> None:
        entry = body["entries"][0]
        body["entries"] = [entry]
        entry["dossier"].update(version=version, status=status)
        entry["event"].update(sequence=event_sequence, kind="note")
    return change


def hub_copy(p, code: str) -> tuple[int, str, list[int]]:  # noqa: ANN001
    with p.hub.extensions["motcua.db"].session_factory() as session:
        dossier = session.scalar(select(HubDossier).where(HubDossier.code == code))
        events = list(session.scalars(select(HubDossierEvent.sequence).where(
            HubDossierEvent.dossier_id == dossier.id).order_by(HubDossierEvent.sequence)))
        return dossier.version, dossier.status, events


def contact(p):  # noqa: ANN001, ANN201
    with p.hub.extensions["motcua.db"].session_factory() as session:
        return session.get(SyncNode, "north").last_contact_at


def test_an_older_snapshot_in_a_later_batch_does_not_regress_the_hub(sealed):  # noqa: F811
    p, batch = sealed
    code = json.loads(batch.body)["entries"][0]["dossier"]["code"]
    key = p.keys["north"]
    assert post(p, batch.body.encode(), "north", key).json()["status"] == "applied"
    newer = resigned(batch, 2, one_entry(7, "returned", 7))
    assert post(p, newer, "north", key).json()["status"] == "applied"
    # Version 2, written before version 7 but delivered after it, in a batch of its own.
    older = resigned(batch, 3, one_entry(2, "received", 2))
    assert post(p, older, "north", key).json()["status"] == "applied"
    assert hub_copy(p, code) == (7, "returned", [1, 2, 7])  # its event kept, not its state
    # The same version again still applies (a re-sent entry is idempotent).
    again = resigned(batch, 4, one_entry(7, "returned", 7))
    assert post(p, again, "north", key).json()["status"] == "applied"
    assert hub_copy(p, code) == (7, "returned", [1, 2, 7])


def _at(minutes: float) -> str:
    return (now() + timedelta(minutes=minutes)).isoformat()


def test_a_batch_from_a_clock_running_ahead_is_refused(sealed):  # noqa: F811
    p, batch = sealed
    key = p.keys["north"]
    ahead = {
        "entries[0].event.at": lambda b: b["entries"][0]["event"].update(at=_at(10)),
        "sealed_at": lambda b: b.update(sealed_at=_at(10)),
        "entries[1].created_at": lambda b: b["entries"][1].update(created_at=_at(10)),
        "entries[1].dossier.received_at":
            lambda b: b["entries"][1]["dossier"].update(received_at=_at(10)),
    }
    for field, change in ahead.items():
        response = post(p, resigned(batch, 1, change), "north", key)
        assert response.status_code == 422, field
        assert response.json()["field"] == field
        assert "ahead of the hub's clock" in response.json()["error"]
        assert hub_counts(p) == (0, 0, 0, 0)
    with p.hub.extensions["motcua.db"].session_factory() as session:
        assert "check the node's clock" in session.get(SyncNode, "north").last_error
    def slightly(body: dict) -> None:
        body["entries"][0]["event"]["at"] = _at(2)
        body["entries"][0]["dossier"]["due_at"] = _at(60 * 24 * 5)
    # Two minutes ahead: beyond a tolerance set to one minute (the hub runs in a thread
    # of this process, with these settings) ...
    settings = p.hub.config["MOTCUA"]
    settings.sync_clock_tolerance = 60
    try:
        refused = post(p, resigned(batch, 1, slightly), "north", key)
    finally:
        settings.sync_clock_tolerance = 300
    assert refused.status_code == 422 and "tolerance 60 s" in refused.json()["error"]
    # ... and within the default five minutes; a deadline ahead is never looked at.
    assert post(p, resigned(batch, 1, slightly), "north", key).json()["status"] == "applied"


def test_a_replayed_batch_does_not_make_a_dead_node_look_alive(sealed):  # noqa: F811
    p, batch = sealed
    key = p.keys["north"]
    old = resigned(batch, 1, lambda b: b.update(sealed_at=_at(-60)))
    assert post(p, old, "north", key).json()["status"] == "applied"
    assert contact(p) is None  # sealed an hour ago: anyone may be replaying it
    replay = post(p, old, "north", key)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert contact(p) is None
    fresh = resigned(batch, 2, one_entry(2, "received", 2))
    assert post(p, fresh, "north", key).json()["status"] == "applied"
    first = contact(p)
    assert first is not None and abs(now() - first) < timedelta(minutes=1)
    with p.hub.extensions["motcua.db"].session_factory() as session:
        session.execute(update(SyncNode).values(last_contact_at=now() - timedelta(hours=1)))
        session.commit()
    post(p, old, "north", key)
    assert now() - contact(p) > timedelta(minutes=59)
    greet(p.node("north"))  # a fresh signed query is contact
    assert now() - contact(p) < timedelta(minutes=1)


def test_a_new_batch_from_a_replaced_sender_is_refused(sealed):  # noqa: F811
    p, batch = sealed
    key = p.keys["north"]
    first = resigned(batch, 1, lambda b: b.update(sender=5))
    assert post(p, first, "north", key).json()["status"] == "applied"
    before = hub_counts(p)
    stale = resigned(batch, 2, lambda b: (one_entry(2, "received", 2)(b), b.update(sender=4)))
    response = post(p, stale, "north", key)
    assert response.status_code == 409
    assert response.json()["field"] == "sender" and response.json()["sender_token"] == 5
    assert "has taken over" in response.json()["error"]
    assert hub_counts(p) == before
    # A re-sent batch of the old sender is still answered; the current sender goes on.
    assert post(p, first, "north", key).json()["status"] == "duplicate"
    current = resigned(batch, 2, lambda b: (one_entry(2, "received", 2)(b), b.update(sender=6)))
    assert post(p, current, "north", key).json()["status"] == "applied"


def test_a_node_restored_behind_the_hubs_fencing_token_catches_up(sealed):  # noqa: F811
    p, _batch = sealed
    with p.hub.extensions["motcua.db"].session_factory() as session:
        # Senders up to 9 had pushed before the node's database was restored.
        session.execute(update(SyncNode).where(SyncNode.node_id == "north")
                        .values(sender_token=9))
        session.commit()
    result = drain(p.node("north"))
    assert result.error is None and result.batches == 1
    with p.hub.extensions["motcua.db"].session_factory() as session:
        assert session.get(SyncNode, "north").sender_token == 9
        assert session.scalar(select(func.count()).select_from(HubDossier)) == 2
