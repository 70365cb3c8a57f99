"""Node → hub over real HTTP on loopback: delivery, idempotent re-delivery, ordering."""

from __future__ import annotations

from sqlalchemy import func, select

from motcua.core.models import HubDossier, HubDossierEvent, OutboxEntry, SyncBatch, SyncNode
from motcua.core.sync import contributions
from motcua.core.sync.node import drain, run_round, seal
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
