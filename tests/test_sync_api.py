"""The sync/v1 OpenAPI document, node registration, the ICT page's access rule, and the
standalone deployment feeding its own read model."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta

import pytest
import requests
from openapi_spec_validator import validate
from sqlalchemy import func, select, update

from motcua.core.cli import main
from motcua.core.config import load_settings
from motcua.core.errors import ConfigurationError
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import (
    Account,
    HubDossier,
    OutboxEntry,
    SyncBatch,
    SyncNode,
    SyncNodeUnit,
)
from motcua.core.sync import background, signing
from motcua.core.sync.node import drain, greet, node_from_settings, run_round, seal
from motcua.core.sync.protocol import BACKLOG_COUNT_CAP, MAX_ENTRIES
from motcua.core.sync.reconcile import reconcile
from motcua.core.timeutil import now
from tests.conftest import login
from tests.factories import intake_data
from tests.test_sync_helpers import province, receive


def test_openapi_document_is_valid_and_lists_every_route(sqlite_app):
    response = sqlite_app.test_client().get("/sync/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    routes = set()
    for rule in sqlite_app.url_map.iter_rules():
        if rule.rule.startswith("/sync/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, m) for path, ops in document["paths"].items() for m in ops}
    assert routes and routes == documented
    assert document["components"]["schemas"]["Batch"]["required"] == [
        "protocol", "node", "sequence", "entries"]


def test_register_node_prints_a_working_key_and_refuses_bad_input(app, world):
    runner = app.test_cli_runner()
    made = runner.invoke(main, ["sync", "register-node", "north", "--units",
                                "h72.01.01, X72.25747"])
    assert made.exit_code == 0, made.output
    key = re.search(r"MOTCUA_SYNC_KEY=(\S+)", made.output).group(1)
    with app.extensions["motcua.db"].session_factory() as session:
        node = session.get(SyncNode, "north")
        assert [u.unit_code for u in node.units] == ["H72.01.01", "X72.25747"]
        assert signing.public_key_of(key) == node.public_key  # only the public half kept
    taken = runner.invoke(main, ["sync", "register-node", "south", "--units", "H72.01.01"])
    assert taken.exit_code == 1
    assert "Error: unit H72.01.01 already belongs to node north." in taken.output
    unknown = runner.invoke(main, ["sync", "register-node", "south", "--units", "Z99"])
    assert unknown.exit_code == 1 and "No unit with code Z99" in unknown.output
    bad = runner.invoke(main, ["sync", "register-node", "so uth", "--units", "H72.02"])
    assert bad.exit_code == 1 and "node id" in bad.output
    with app.extensions["motcua.db"].session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SyncNodeUnit)) == 2


def test_the_ict_page_is_for_ict_admins_only(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        receive(p.nodes["north"], p.worlds["north"])
        drain(p.node("north"))
        receive(p.nodes["north"], p.worlds["north"])  # one change still waiting
        hub = login(p.hub.test_client(), "cntt")
        page = hub.get("/ict/sync/")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'data-node="north"' in html and "H72.01.01" in html
        detail = hub.get("/ict/sync/nodes/north").get_data(as_text=True)
        assert "data-last-contact" in detail
        assert hub.get("/ict/sync/nodes/nobody").status_code == 404
        assert login(p.hub.test_client(), "letan").get("/ict/sync/").status_code == 403
        assert p.hub.test_client().get("/ict/sync/").status_code == 302  # to the login
        assert greet(p.node("north"))["units"] == ["H72.01.01"]
        node_page = login(p.nodes["north"].test_client(), "cntt").get("/ict/sync/")
        html = node_page.get_data(as_text=True)
        assert re.search(r"data-backlog>1<", html)
        assert re.search(r"data-acked>1<", html)
        assert re.search(r"data-units>H72.01.01<", html)


def test_the_hub_page_shows_each_nodes_lag_backlog_and_last_error(templates, backend,
                                                                  tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        for _ in range(3):
            receive(p.nodes["north"], p.worlds["north"])
        with p.nodes["north"].extensions["motcua.db"].write_session() as session:
            session.execute(update(OutboxEntry).values(created_at=now() - timedelta(seconds=95)))
        node = p.node("north")
        node.batch_size = 1
        assert run_round(node, max_batches=1).batches == 1  # two changes still waiting
        gap = json.loads(seal(node).body)
        gap["sequence"] = 9
        raw = signing.canonical_json(gap)
        requests.post(f"{p.server.url}/sync/v1/batches", data=raw, timeout=10, headers={
            "X-Motcua-Node": "north",
            "X-Motcua-Signature": signing.sign(signing.load_private_key(p.keys["north"]), raw)})
        hub = login(p.hub.test_client(), "cntt")
        detail = hub.get("/ict/sync/nodes/north").get_data(as_text=True)
        assert re.search(r"data-backlog>2<", detail)
        assert re.search(r"data-lag>(9[5-9]|1[01]\d) s<", detail)
        assert re.search(r"data-last-error>[^<]*Batch 9 of node north arrived before batch 2",
                         detail)
        overview = hub.get("/ict/sync/").get_data(as_text=True)
        assert re.search(r"data-backlog>2<", overview)


def test_a_backlog_at_the_counting_cap_shows_as_at_least(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        receive(p.nodes["north"], p.worlds["north"])
        drain(p.node("north"))
        with p.hub.extensions["motcua.db"].write_session() as session:
            session.get(SyncNode, "north").backlog = BACKLOG_COUNT_CAP
        hub = login(p.hub.test_client(), "cntt")
        assert "data-backlog>≥10,000<" in hub.get("/ict/sync/nodes/north").get_data(as_text=True)
        assert "data-backlog>≥10,000<" in hub.get("/ict/sync/").get_data(as_text=True)


def test_a_batch_size_above_what_the_hub_accepts_is_refused_at_startup():
    with pytest.raises(ConfigurationError, match="MOTCUA_SYNC_BATCH_SIZE must be between 1 "
                                                 f"and {MAX_ENTRIES}"):
        load_settings({"MOTCUA_SYNC_BATCH_SIZE": str(MAX_ENTRIES + 1)})
    assert load_settings({"MOTCUA_SYNC_BATCH_SIZE": str(MAX_ENTRIES)}).sync_batch_size \
        == MAX_ENTRIES


def test_a_node_does_not_accept_batches(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        response = p.nodes["north"].test_client().post("/sync/v1/batches", data=b"{}")
        assert response.status_code == 404
        assert "not a hub" in response.get_json()["error"]


def test_standalone_feeds_its_own_read_model_with_the_same_batches(app, world):
    node = node_from_settings(app.config["MOTCUA"], app.extensions["motcua.db"])
    assert node.node_id == "local"
    database = app.extensions["motcua.db"]
    with app.app_context():
        actor = database.session.get(Account, world.accounts["reception"].id)
        code = take_in(DeskContext(database.session, actor, app.config["MOTCUA"]),
                       intake_data(world)).code
        database.session.commit()
        database.remove()
    assert drain(node).error is None
    with database.session_factory() as session:
        hub = session.scalars(select(HubDossier)).one()
        assert (hub.code, hub.owner_node) == (code, "local")
        assert session.scalar(select(func.count()).select_from(OutboxEntry)
                              .where(OutboxEntry.sent_at.is_(None))) == 0
    assert reconcile(node, repair=False).clean


def test_the_in_process_worker_drains_a_standalone_outbox(app, world):
    database = app.extensions["motcua.db"]
    with app.app_context():
        actor = database.session.get(Account, world.accounts["reception"].id)
        take_in(DeskContext(database.session, actor, app.config["MOTCUA"]), intake_data(world))
        database.session.commit()
        database.remove()
    stop = threading.Event()
    thread = background.start(app, stop)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with database.session_factory() as session:
                if session.scalar(select(func.count()).select_from(HubDossier)):
                    break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(HubDossier)) == 1


def test_prune_deletes_only_old_acknowledged_batches(app, world):
    database = app.extensions["motcua.db"]
    with database.write_session() as session:
        for sequence, acked in ((1, now() - timedelta(days=40)), (2, now()), (3, None)):
            session.add(SyncBatch(node_id="local", sequence=sequence, first_outbox_id=1,
                                  last_outbox_id=1, entry_count=1, body="{}", signature="",
                                  acked_at=acked))
    result = app.test_cli_runner().invoke(main, ["sync", "prune", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 acknowledged batches" in result.output
    with database.session_factory() as session:
        assert sorted(session.scalars(select(SyncBatch.sequence))) == [2, 3]


def test_protocol_errors_of_the_http_layer_answer_json(sqlite_app):
    response = sqlite_app.test_client().get("/sync/v1/batches")
    assert response.status_code == 405
    assert "error" in response.get_json()
