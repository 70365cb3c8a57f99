"""A dossier transferred from a unit on one node to a unit on another moves through the
hub; its ownership changes exactly once, however often the messages are repeated."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from motcua.core.events import record_event
from motcua.core.models import (
    Account,
    Dossier,
    DossierEvent,
    HubDossier,
    HubDossierEvent,
    Procedure,
    SyncBatch,
    SyncHandoff,
    SyncOwnership,
    Unit,
)
from motcua.core.sync import signing
from motcua.core.sync.node import drain, seal
from motcua.core.sync.reconcile import compare_with_hub
from motcua.core.sync.transfers import import_handoff, take_over
from motcua.core.sync.transport import HubRefused
from motcua.core.workflow import actions
from motcua.core.workflow.definitions import save_workflow
from tests.test_sync_helpers import province, receive


def record(app, code: str, kind: str, *, username: str, to_unit: str | None = None) -> None:
    """Record an event the way the routing engine does (state change + record_event)."""
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        actor = session.scalar(select(Account).where(Account.username == username))
        before = dossier.status
        data = {}
        if to_unit:
            dossier.holder_unit = session.scalar(select(Unit).where(Unit.code == to_unit))
            dossier.holder_account = None
            dossier.status = "waiting_other_agency"
            data = {"to_unit": to_unit}
        else:
            dossier.status = "in_processing"
        record_event(session, dossier, kind, actor=actor, from_status=before, data=data)
        session.commit()
        database.remove()


def count(app, model, *where) -> int:
    with app.extensions["motcua.db"].session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_transfer_to_another_node_changes_ownership_exactly_once(templates, backend,
                                                                   tmp_path):
    with province(templates, backend, tmp_path) as p:
        north_app, south_app = p.nodes["north"], p.nodes["south"]
        code = receive(north_app, p.worlds["north"])
        drain(p.node("north"))
        record(north_app, code, "transferred", username="letan", to_unit="H72.02")
        north = p.node("north")
        sent = drain(north)
        assert sent.error is None
        assert [(h["dossier"], h["to_node"]) for h in sent.handoffs] == [(code, "south")]
        with p.hub.extensions["motcua.db"].session_factory() as session:
            hub_dossier = session.scalar(select(HubDossier).where(HubDossier.code == code))
            assert hub_dossier.owner_node == "south"
            assert hub_dossier.status == "waiting_other_agency"
        with north_app.extensions["motcua.db"].session_factory() as session:
            mark = session.get(SyncOwnership, code)
            assert (mark.owned, mark.peer_node) == (False, "south")
            last = session.scalars(select(SyncBatch).order_by(SyncBatch.sequence.desc())).first()
        # The same batch delivered again: a duplicate, still one hand-over.
        assert north.transport.push(last)["status"] == "duplicate"
        assert count(p.hub, SyncHandoff) == 1

        # South takes it over (twice asked: the second time the inbox is empty).
        assert take_over(p.node("south")) == [code]
        assert take_over(p.node("south")) == []
        with south_app.extensions["motcua.db"].session_factory() as session:
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            assert dossier.status == "waiting_other_agency"
            assert dossier.holder_unit.code == "H72.02"
            assert dossier.applicant_phone == "0912345678"  # the full record travelled
            assert [e.kind for e in dossier.events] == ["received", "transferred"]
            assert session.get(SyncOwnership, code).owned is True
        with p.hub.extensions["motcua.db"].session_factory() as session:
            handoff = session.scalars(select(SyncHandoff)).one()
            assert handoff.delivered_at is not None and handoff.package is None

        # Both nodes agree with the hub: north no longer counts it, south does.
        assert drain(p.node("south")).error is None
        assert compare_with_hub(p.node("north")).differences == []
        assert compare_with_hub(p.node("south")).differences == []

        # South works on it; north can no longer push changes to it.
        record(south_app, code, "claimed", username="letan.hoathanh")
        assert drain(p.node("south")).error is None
        assert count(p.hub, HubDossierEvent) == 3
        record(north_app, code, "claimed", username="letan")
        refused = drain(p.node("north"))
        assert refused.refused and "held by node south" in refused.error
        with p.hub.extensions["motcua.db"].session_factory() as session:
            assert session.scalar(select(HubDossier.owner_node)
                                  .where(HubDossier.code == code)) == "south"
        assert count(p.hub, HubDossierEvent) == 3
        assert count(p.hub, SyncHandoff) == 1


def test_importing_the_same_handoff_twice_writes_it_once(templates, backend, tmp_path):
    """A crash after the import but before the acknowledgement repeats the import."""
    with province(templates, backend, tmp_path) as p:
        code = receive(p.nodes["north"], p.worlds["north"])
        record(p.nodes["north"], code, "transferred", username="letan", to_unit="H72.02")
        drain(p.node("north"))
        south = p.node("south")
        handoffs = south.transport.query("inbox")["handoffs"]
        assert len(handoffs) == 1
        for _ in range(2):
            with south.database.write_session() as session:
                import_handoff(session, handoffs[0])
        assert count(p.nodes["south"], Dossier) == 1
        assert count(p.nodes["south"], DossierEvent) == 2


def test_a_handoff_from_the_wrong_node_is_refused(templates, backend, tmp_path):
    """South cannot claim north's dossier by pushing a transfer of it."""
    with province(templates, backend, tmp_path) as p:
        code = receive(p.nodes["north"], p.worlds["north"])
        drain(p.node("north"))
        assert count(p.hub, HubDossier, HubDossier.owner_node == "north") == 1
        south = p.node("south")
        receive(p.nodes["south"], p.worlds["south"], at_south=True)
        batch = seal(south)
        body = json.loads(batch.body)
        body["entries"][0]["dossier"]["code"] = code
        batch.body = signing.canonical_json(body).decode()
        batch.signature = signing.sign(south.key, batch.body.encode())
        with pytest.raises(HubRefused) as refused:
            south.transport.push(batch)
        assert refused.value.status == 403
        assert count(p.hub, HubDossier, HubDossier.owner_node == "north") == 1


def test_the_routing_engines_transfer_crosses_nodes_and_the_other_side_works_on(
        templates, backend, tmp_path):
    """The real actions (claim, transfer) rather than recorded events: what an officer does
    on the desk's node reaches the other node's queue through the hub, once."""
    with province(templates, backend, tmp_path) as p:
        north_app, south_app = p.nodes["north"], p.nodes["south"]
        with north_app.app_context():
            session = north_app.extensions["motcua.db"].session
            admin = session.scalar(select(Account).where(Account.username == "cntt"))
            household = session.scalar(select(Procedure).where(Procedure.code == "1.001612"))
            save_workflow(session, household, [
                {"name": "Thẩm định", "role": "specialist", "days": 2, "unit": "H72.01.02"}],
                admin, note="test")
            session.commit()
            north_app.extensions["motcua.db"].remove()
        code = receive(north_app, p.worlds["north"])
        with north_app.app_context():
            session = north_app.extensions["motcua.db"].session
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            officer = session.scalar(select(Account).where(Account.username == "chuyenvien"))
            actions.claim(session, dossier, officer)
            actions.transfer(session, dossier, officer, to_unit="H72.02",
                             note="Liên thông sang huyện Hòa Thành")
            session.commit()
            north_app.extensions["motcua.db"].remove()
        sent = drain(p.node("north"))
        assert sent.error is None
        assert [(h["dossier"], h["to_node"]) for h in sent.handoffs] == [(code, "south")]
        assert take_over(p.node("south")) == [code]
        assert drain(p.node("south")).error is None
        with south_app.app_context():
            session = south_app.extensions["motcua.db"].session
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            assert dossier.holder_unit.code == "H72.02"
            assert [e.kind for e in dossier.events] == ["received", "claimed", "transferred"]
            south_app.extensions["motcua.db"].remove()
        with p.hub.extensions["motcua.db"].session_factory() as session:
            assert session.scalar(select(HubDossier.owner_node)
                                  .where(HubDossier.code == code)) == "south"
        assert count(p.hub, HubDossierEvent) == 3  # the only dossier: each event once
        assert count(p.hub, SyncHandoff) == 1
        assert compare_with_hub(p.node("north")).differences == []
        assert compare_with_hub(p.node("south")).differences == []
