"""Reconciliation finds an injected divergence per unit and day, and repairs it by
re-sending; the ICT page shows what it found."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from motcua.core.cli import main
from motcua.core.models import HubDossier, HubDossierEvent
from motcua.core.sync.digests import digest, fingerprint
from motcua.core.sync.node import drain
from motcua.core.sync.reconcile import reconcile
from tests.conftest import login
from tests.test_sync_helpers import province, receive


def test_fingerprints_and_digests_change_with_any_synced_field():
    snapshot = {"code": "H72.01.01-261122-0001", "status": "received", "version": 1}
    event = {"sequence": 1, "kind": "received", "at": "2026-11-22T01:00:00+00:00",
             "actor": "Lê Tân", "note": None, "data": {}}
    details, plugins = {"phone_last4": "5678"}, {"tax": {"code": "1"}}
    base = fingerprint(snapshot, [event], details, plugins)
    assert fingerprint(dict(snapshot), [dict(event)], dict(details), dict(plugins)) == base
    assert fingerprint({**snapshot, "status": "refused"}, [event], details, plugins) != base
    assert fingerprint(snapshot, [event, {**event, "sequence": 2}], details, plugins) != base
    assert fingerprint(snapshot, [{**event, "note": "x"}], details, plugins) != base
    assert fingerprint(snapshot, [{**event, "data": {"a": 1}}], details, plugins) != base
    assert fingerprint(snapshot, [event], {"phone_last4": "0000"}, plugins) != base
    assert fingerprint(snapshot, [event], details, {"tax": {"code": "2"}}) != base
    assert digest({"a": "1", "b": "2"}) == digest({"b": "2", "a": "1"})
    assert digest({"a": "1"}) != digest({"a": "1", "b": "2"})


@contextmanager
def one_delivered(templates, backend, tmp_path) -> Iterator[tuple]:  # noqa: ANN001
    """Node north with one dossier delivered to the hub: (province, code, sync worker)."""
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        code = receive(p.nodes["north"], p.worlds["north"])
        node = p.node("north")
        drain(node)
        yield p, code, node


def test_an_altered_event_content_at_the_hub_is_found_and_repaired(templates, backend,
                                                                   tmp_path):
    with one_delivered(templates, backend, tmp_path) as (p, code, node):
        hub_db = p.hub.extensions["motcua.db"]
        with hub_db.write_session() as session:
            dossier_id = session.scalar(select(HubDossier.id).where(HubDossier.code == code))
            # Same number of events, same snapshot: only an event's content differs.
            session.execute(update(HubDossierEvent).where(
                HubDossierEvent.dossier_id == dossier_id)
                .values(note="altered", data={"forged": True}))
        found = reconcile(node, repair=False)
        assert found.dossiers["different"] == [code]
        repaired = reconcile(node)
        assert repaired.remaining == []
        with hub_db.session_factory() as session:
            notes = set(session.scalars(select(HubDossierEvent.note).where(
                HubDossierEvent.dossier_id == dossier_id)))
        assert "altered" not in notes


def test_altered_plugin_data_at_the_hub_is_found_and_repaired(templates, backend, tmp_path):
    with one_delivered(templates, backend, tmp_path) as (p, code, node):
        hub_db = p.hub.extensions["motcua.db"]
        with hub_db.write_session() as session:
            session.execute(update(HubDossier).where(HubDossier.code == code)
                            .values(plugin_data={"tax": {"code": "forged"}}))
        found = reconcile(node, repair=False)
        assert found.dossiers["different"] == [code]
        assert reconcile(node).remaining == []
        with hub_db.session_factory() as session:
            assert session.scalar(select(HubDossier.plugin_data)
                                  .where(HubDossier.code == code)) == {}


def test_reconcile_finds_and_repairs_an_injected_divergence(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        codes = [receive(p.nodes["north"], p.worlds["north"], name=f"Người {i}")
                 for i in range(4)]
        node = p.node("north")
        drain(node)
        assert reconcile(node, repair=False).clean
        hub_db = p.hub.extensions["motcua.db"]
        with hub_db.write_session() as session:
            # A changed status, a lost dossier, and one the node never had.
            session.execute(update(HubDossier).where(HubDossier.code == codes[0])
                            .values(status="refused"))
            session.execute(delete(HubDossier).where(HubDossier.code == codes[1]))
            ghost = session.scalar(select(HubDossier).where(HubDossier.code == codes[2]))
            session.add(HubDossier(
                code=codes[2][:-4] + "9999", owner_node="north", unit_code="H72.01.01",
                received_day=ghost.received_day, status="received", applicant_name="Ma",
                received_at=datetime.now(UTC), version=1, snapshot={"code": "ghost"},
                details={}, plugin_data={}, updated_at=datetime.now(UTC)))
        found = reconcile(node, repair=False)
        assert len(found.differences) == 1
        difference = found.differences[0]
        assert difference["unit"] == "H72.01.01"
        assert (difference["node"]["count"], difference["hub"]["count"]) == (4, 4)
        assert found.dossiers == {"missing": [codes[1]], "different": [codes[0]],
                                  "extra": [codes[2][:-4] + "9999"]}
        # The ICT page at the hub shows the divergence for this node.
        client = login(p.hub.test_client(), "cntt")
        page = client.get("/ict/sync/nodes/north").get_data(as_text=True)
        assert "data-divergences" in page and "H72.01.01" in page

        repaired = reconcile(node)
        assert repaired.repaired == 3
        assert repaired.remaining == []
        with hub_db.session_factory() as session:
            hub = {d.code: d for d in session.scalars(select(HubDossier))}
        assert set(hub) == set(codes)
        assert hub[codes[0]].status == "received"
        assert reconcile(node, repair=False).clean
        page = client.get("/ict/sync/nodes/north").get_data(as_text=True)
        assert "None: the hub holds exactly what the node holds." in page


def test_the_cli_lists_differences_and_repairs_them(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        code = receive(p.nodes["north"], p.worlds["north"])
        drain(p.node("north"))
        with p.hub.extensions["motcua.db"].write_session() as session:
            session.execute(update(HubDossier).where(HubDossier.code == code)
                            .values(snapshot={"code": code, "tampered": True}))
        runner = p.nodes["north"].test_cli_runner()
        listed = runner.invoke(main, ["sync", "reconcile", "--dry-run"])
        assert listed.exit_code == 0, listed.output
        assert "1 differ" in listed.output and f"different: {code}" in listed.output
        fixed = runner.invoke(main, ["sync", "reconcile"])
        assert fixed.exit_code == 0, fixed.output
        assert "Re-sent 1 dossiers; 0 unit-days still differ." in fixed.output
