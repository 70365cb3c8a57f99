"""Node → hub over real HTTP on loopback: delivery, idempotent re-delivery, ordering."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import func, select

from motcua.core.models import HubDossier, HubDossierEvent, OutboxEntry, SyncBatch, SyncNode
from motcua.core.sync import contributions
from motcua.core.sync.node import drain, node_from_settings, run_round, seal
from motcua.core.sync.reconcile import compare_with_hub
from motcua.core.sync.transport import HubRefused
from tests.test_sync_helpers import province, receive


def count(app, model, *where) -> int:
    database = app.extensions["motcua.db"]
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_dossiers_on_two_nodes_reach_the_hub_read_model(templates, backend, tmp_path):
    with province(templates, backend, tmp_path) as p:
        north = [receive(p.nodes["north"], p.worlds["north"], name=f"Người Bắc {i}")
                 for i in range(3)]
        south = [receive(p.nodes["south"], p.worlds["south"], at_south=True) for _ in range(2)]
        assert count(p.hub, HubDossier) == 0
        for name in ("north", "south"):
            result = drain(p.node(name))
            assert result.error is None
        with p.hub.extensions["motcua.db"].session_factory() as session:
            hub = {d.code: d for d in session.scalars(select(HubDossier))}
            assert set(hub) == set(north) | set(south)
            assert {hub[c].owner_node for c in north} == {"north"}
            assert {hub[c].owner_node for c in south} == {"south"}
            assert hub[north[0]].applicant_name == "Người Bắc 0"
            assert hub[north[0]].details["phone_last4"] == "5678"
            assert session.scalar(select(func.count()).select_from(HubDossierEvent)) == 5
        # Nothing left to send, and the digests of both sides agree.
        for name in ("north", "south"):
            assert count(p.nodes[name], OutboxEntry, OutboxEntry.sent_at.is_(None)) == 0
            assert compare_with_hub(p.node(name)).differences == []


def test_redelivery_is_idempotent_and_batches_apply_in_order(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        app, node = p.nodes["north"], p.node("north")
        receive(app, p.worlds["north"])
        first = seal(node)
        receive(app, p.worlds["north"])
        second = seal(node)
        assert (first.sequence, second.sequence) == (1, 2)
        # Reordered delivery: batch 2 before batch 1 is a gap; nothing is applied.
        try:
            node.transport.push(second)
            raise AssertionError("a gap must be refused")
        except HubRefused as error:
            assert error.status == 409
            assert error.body["expected_sequence"] == 1
        assert count(p.hub, HubDossier) == 0
        assert node.transport.push(first)["status"] == "applied"
        assert node.transport.push(first)["status"] == "duplicate"  # re-delivery
        assert node.transport.push(second)["status"] == "applied"
        assert node.transport.push(second)["status"] == "duplicate"
        assert count(p.hub, HubDossier) == 2
        assert count(p.hub, HubDossierEvent) == 2
        # The worker finds both unacknowledged and is told they are duplicates.
        result = run_round(node)
        assert (result.batches, result.duplicates, result.error) == (2, 2, None)
        assert count(app, SyncBatch, SyncBatch.acked_at.is_(None)) == 0
        with p.hub.extensions["motcua.db"].session_factory() as session:
            hub_node = session.get(SyncNode, "north")
            assert hub_node.last_sequence == 2
            assert hub_node.applied_entries == 2
            assert hub_node.duplicates == 4


def test_the_hub_lookup_answers_from_the_read_model(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        code = receive(p.nodes["north"], p.worlds["north"], name="Trần Thị Bình",
                       phone="0987 654 321")
        client = p.hub.test_client()
        assert client.get(f"/api/lookup/{code}").status_code == 404  # not pushed yet
        drain(p.node("north"))
        public = client.get(f"/api/lookup/{code}").get_json()
        assert public["code"] == code
        assert public["applicant"] == "T*** T*** Bình"
        assert public["status"] == "received"
        assert public["receiving_unit"]["name"] == "Bộ phận một cửa thành phố Tây Ninh"
        assert [step["kind"] for step in public["timeline"]] == ["received"]
        assert public["verified"] is False
        verified = client.get(f"/api/lookup/{code}?phone4=4321").get_json()
        assert verified["verified"] is True
        assert verified["applicant"] == "Trần Thị Bình"
        assert len(verified["documents"]) == 3
        wrong = client.get(f"/api/lookup/{code}?phone4=1111")
        assert wrong.status_code == 403
        assert wrong.get_json()["dossier"]["verified"] is False


def test_plugin_contributions_reach_the_hub_read_model(templates, backend, tmp_path):
    def contribute(dossier):  # noqa: ANN001, ANN202
        return {"business_name": f"Hộ kinh doanh {dossier.applicant_name}"}

    def broken(dossier):  # noqa: ANN001, ANN202
        raise RuntimeError("a plugin bug must not stop sync")

    contributions.register("business_registration", contribute)
    contributions.register("broken", broken)
    try:
        with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
            code = receive(p.nodes["north"], p.worlds["north"], name="Lý Văn Tư")
            assert drain(p.node("north")).error is None
            with p.hub.extensions["motcua.db"].session_factory() as session:
                hub = session.scalar(select(HubDossier).where(HubDossier.code == code))
                assert hub.plugin_data == {
                    "business_registration": {"business_name": "Hộ kinh doanh Lý Văn Tư"}}
    finally:
        contributions.unregister("business_registration")
        contributions.unregister("broken")


def _needs_the_application(dossier):  # noqa: ANN001, ANN202
    """A contribution as the plugins' hook gives it: asked through the current
    application (its plugin manager), nothing without one."""
    from flask import current_app, has_app_context

    return {"node": current_app.config["MOTCUA"].sync_node_id} if has_app_context() else None


def test_every_batch_carries_the_plugins_data_when_the_worker_was_built_without_its_app(
        templates, backend, tmp_path):
    # A worker built outside the application (no ``app``) and run inside its context: the
    # batches sealed ahead on the sealer thread got no context and went without the
    # plugins' data, and the hub kept them so (every batch but the first).
    contributions.register("needs_app", _needs_the_application)
    try:
        with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
            codes = [receive(p.nodes["north"], p.worlds["north"], name=f"Người {i}")
                     for i in range(4)]
            app = p.nodes["north"]
            worker = replace(node_from_settings(app.config["MOTCUA"],
                                                app.extensions["motcua.db"]), batch_size=1)
            with app.app_context():
                delivered = drain(worker)
            assert delivered.error is None and delivered.batches == 4
            with p.hub.extensions["motcua.db"].session_factory() as session:
                found = dict(session.execute(select(HubDossier.code, HubDossier.plugin_data)).all())
            assert {code: found[code] for code in codes} == {
                code: {"needs_app": {"node": "north"}} for code in codes}
            assert compare_with_hub(p.node("north")).differences == []
    finally:
        contributions.unregister("needs_app")


def test_a_worker_without_its_application_says_it_leaves_the_plugins_data_out(
        templates, backend, tmp_path, caplog):
    contributions.register("needs_app", _needs_the_application)
    try:
        with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
            receive(p.nodes["north"], p.worlds["north"])
            app = p.nodes["north"]
            worker = node_from_settings(app.config["MOTCUA"], app.extensions["motcua.db"])
            with caplog.at_level(logging.WARNING, logger="motcua.core.sync.node"):
                assert seal(worker) is not None
            assert "sync data are left out" in caplog.text
    finally:
        contributions.unregister("needs_app")
