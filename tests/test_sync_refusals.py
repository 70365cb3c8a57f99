"""Forged, foreign, out-of-order and malformed batches are refused with a clear 4xx and
change nothing at the hub."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import func, select

from motcua.core.models import (
    HubDossier,
    HubDossierEvent,
    SyncAppliedBatch,
    SyncNode,
    SyncRefusalTally,
)
from motcua.core.sync import signing
from motcua.core.sync.node import seal
from tests.conftest import login
from tests.test_sync_helpers import province, receive


def hub_counts(p) -> tuple[int, int, int, int]:
    with p.hub.extensions["motcua.db"].session_factory() as session:
        nodes = {n.node_id: n.last_sequence for n in session.scalars(select(SyncNode))}
        return (session.scalar(select(func.count()).select_from(HubDossier)),
                session.scalar(select(func.count()).select_from(HubDossierEvent)),
                session.scalar(select(func.count()).select_from(SyncAppliedBatch)),
                sum(nodes.values()))


def post(p, body: bytes, node: str, key: str | None, signature: str | None = None):
    signature = signature or signing.sign(signing.load_private_key(key), body)
    return requests.post(f"{p.server.url}/sync/v1/batches", data=body, timeout=10,
                         headers={"Content-Type": "application/json",
                                  "X-Motcua-Node": node, "X-Motcua-Signature": signature})


@pytest.fixture
def sealed(templates, backend, tmp_path):
    """A province whose node north has one sealed batch (two dossiers) not yet pushed."""
    with province(templates, backend, tmp_path) as p:
        receive(p.nodes["north"], p.worlds["north"])
        receive(p.nodes["north"], p.worlds["north"])
        batch = seal(p.node("north"))
        yield p, batch


def test_a_tampered_body_is_refused(sealed):
    p, batch = sealed
    body = batch.body.replace("Nguyễn Văn An", "Kẻ Giả Mạo").encode()
    response = post(p, body, "north", None, signature=batch.signature)
    assert response.status_code == 401
    assert "signature does not match" in response.json()["error"]
    assert hub_counts(p) == (0, 0, 0, 0)


def test_a_forged_request_is_tallied_apart_not_against_the_node_it_names(sealed):
    p, batch = sealed
    forged = batch.body.replace("Nguyễn Văn An", "Kẻ Giả Mạo").encode()
    assert post(p, forged, "north", None, signature=batch.signature).status_code == 401
    with p.hub.extensions["motcua.db"].session_factory() as session:
        node = session.get(SyncNode, "north")
        assert (node.refusals, node.last_error) == (0, None)
        tally = session.get(SyncRefusalTally, "bad_signature")
        assert (tally.count, tally.last_claimed_node) == (1, "north")


def test_unsigned_and_unknown_node_attempts_are_counted_by_kind(sealed):
    p, batch = sealed
    private, _public = signing.generate_keypair()
    for _ in range(2):
        requests.post(f"{p.server.url}/sync/v1/batches", data=batch.body, timeout=10,
                      headers={"X-Motcua-Node": "north"})
    post(p, batch.body.encode(), "intruder", private)
    with p.hub.extensions["motcua.db"].session_factory() as session:
        tallies = {t.kind: t.count for t in session.scalars(select(SyncRefusalTally))}
        assert tallies == {"unsigned": 2, "unknown_node": 1}
        assert session.get(SyncNode, "north").refusals == 0
    client = login(p.hub.test_client(), "cntt")
    html = client.get("/ict/sync/").get_data(as_text=True)
    assert "data-unattributed" in html
    assert 'data-kind="unsigned"><td>Not signed</td><td data-count>2</td>' in html


def test_a_refusal_after_the_signature_is_checked_counts_against_the_node(sealed):
    p, batch = sealed
    body = json.loads(batch.body)
    body["sequence"] = 5
    raw = signing.canonical_json(body)
    assert post(p, raw, "north", p.keys["north"]).status_code == 409
    with p.hub.extensions["motcua.db"].session_factory() as session:
        node = session.get(SyncNode, "north")
        assert node.refusals == 1 and "arrived before batch 1" in node.last_error
        assert session.scalar(select(func.count()).select_from(SyncRefusalTally)) == 0


def test_a_batch_signed_with_another_nodes_key_is_refused(sealed):
    p, batch = sealed
    response = post(p, batch.body.encode(), "north", p.keys["south"])
    assert response.status_code == 401
    assert hub_counts(p) == (0, 0, 0, 0)


def test_an_unknown_node_or_missing_signature_is_refused(sealed):
    p, batch = sealed
    private, _public = signing.generate_keypair()
    assert post(p, batch.body.encode(), "intruder", private).status_code == 401
    response = requests.post(f"{p.server.url}/sync/v1/batches", data=batch.body, timeout=10)
    assert response.status_code == 401
    assert "X-Motcua-Signature" in response.json()["error"]
    assert hub_counts(p) == (0, 0, 0, 0)


def test_a_batch_with_a_foreign_unit_is_refused_whole(sealed):
    """South signs correctly, but the batch's second entry is a north dossier."""
    p, batch = sealed
    body = json.loads(batch.body)
    south_code = receive(p.nodes["south"], p.worlds["south"], at_south=True)
    south_batch = json.loads(seal(p.node("south")).body)
    body["node"] = "south"
    body["entries"] = south_batch["entries"] + body["entries"][:1]
    response = post(p, signing.canonical_json(body), "south", p.keys["south"])
    assert response.status_code == 403
    error = response.json()
    assert "H72.01.01 is not registered to node south" in error["error"]
    assert error["field"] == "entries[1].dossier.unit_code"
    assert hub_counts(p) == (0, 0, 0, 0)  # not even the south dossier of entry 0
    assert south_code


def test_a_batch_naming_another_node_than_its_signer_is_refused(sealed):
    p, batch = sealed
    body = json.loads(batch.body)
    body["node"] = "south"
    response = post(p, signing.canonical_json(body), "north", p.keys["north"])
    assert response.status_code == 400
    assert hub_counts(p) == (0, 0, 0, 0)


def test_a_gap_is_refused_and_says_what_is_expected(sealed):
    p, batch = sealed
    body = json.loads(batch.body)
    body["sequence"] = 3
    response = post(p, signing.canonical_json(body), "north", p.keys["north"])
    assert response.status_code == 409
    assert response.json()["expected_sequence"] == 1
    assert hub_counts(p) == (0, 0, 0, 0)


def test_the_same_sequence_with_other_content_is_refused(sealed):
    p, batch = sealed
    assert post(p, batch.body.encode(), "north", p.keys["north"]).status_code == 200
    before = hub_counts(p)
    body = json.loads(batch.body)
    body["entries"] = body["entries"][:1]
    response = post(p, signing.canonical_json(body), "north", p.keys["north"])
    assert response.status_code == 409
    assert "different content" in response.json()["error"]
    assert hub_counts(p) == before


@pytest.mark.parametrize("mutate, status, field", [
    (lambda b: b.pop("entries"), 422, "batch.entries"),
    (lambda b: b.update(sequence="1"), 422, "batch.sequence"),
    (lambda b: b.update(protocol=2), 422, "protocol"),
    (lambda b: b["entries"][1]["dossier"].pop("code"), 422, "entries[1].dossier.code"),
    (lambda b: b["entries"][1]["dossier"].update(status="lost"), 422,
     "entries[1].dossier.status"),
    (lambda b: b["entries"][0]["event"].update(at="yesterday"), 422, "entries[0].event.at"),
    (lambda b: b["entries"][0]["event"].update(at="2026-11-20T08:00:00"), 422,
     "entries[0].event.at"),
    (lambda b: b["entries"][0].update(topic="dossier.delete"), 422, "entries[0].topic"),
])
def test_malformed_batches_are_refused_with_the_field(sealed, mutate, status, field):
    p, batch = sealed
    body = json.loads(batch.body)
    mutate(body)
    response = post(p, signing.canonical_json(body), "north", p.keys["north"])
    assert response.status_code == status
    assert response.json()["field"] == field
    assert hub_counts(p) == (0, 0, 0, 0)


def test_a_body_that_is_not_json_is_refused(sealed):
    p, _batch = sealed
    response = post(p, b"{not json", "north", p.keys["north"])
    assert response.status_code == 400
    assert "not UTF-8 JSON" in response.json()["error"]
    assert hub_counts(p) == (0, 0, 0, 0)


def test_after_refusals_the_genuine_batch_still_applies(sealed):
    p, batch = sealed
    post(p, b"[]", "north", p.keys["north"])
    assert post(p, batch.body.encode(), "north", p.keys["north"]).json()["status"] == "applied"
    assert hub_counts(p) == (2, 2, 1, 1)
