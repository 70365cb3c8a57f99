"""A plugin's public fields reach the hub's lookup: the node computes them when sealing and
pushes them in the entry's ``details.public_fields``; the hub shows them on every channel,
and shows only bounded text whatever another system pushes."""

from __future__ import annotations

import json
import re
import types
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import event, select

from motcua.core.cli import main
from motcua.core.intake import DeskContext, take_in
from motcua.core.models import Account, HubDossier, Procedure
from motcua.core.plugin_manager.catalogue import sync_catalogue
from motcua.core.sync import contributions, signing
from motcua.core.sync.node import Node, drain, seal
from motcua.core.sync.read_model import MAX_PUBLIC_FIELDS, MAX_VALUE_LENGTH
from motcua.core.sync.reconcile import compare_with_hub, reconcile
from motcua_sdk import hookimpl
from tests.factories import intake_data
from tests.test_plugin_manager import HOUSEHOLD
from tests.test_sync_helpers import province, receive

LABEL = "Tên hộ kinh doanh"
def household_plugin(**hooks) -> types.ModuleType:
    """A plugin handling the household-business procedure and making its name public."""
    plugin = types.ModuleType("publicplug")
    plugin.MOTCUA_API = ">=0.1,<0.2"
    plugin.motcua_procedures = hookimpl(lambda: [HOUSEHOLD])
    plugin.motcua_public_fields = hookimpl(hooks.get(
        "public_fields", lambda dossier: {LABEL: f"Hộ kinh doanh {dossier.applicant_name}"}))
    return plugin


@contextmanager
def plugin_province(templates, backend, tmp_path, plugin=None, **settings):  # noqa: ANN001, ANN003
    """Node north (the district desk and the commune) with ``plugin`` handling the
    household-business procedure, and the hub (which runs no specialty plugin)."""
    plugin = plugin or household_plugin()
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01", "X72.25747"]},
                  node_settings={"extra_plugins": (("publicplug", plugin),), **settings}) as p:
        app = p.nodes["north"]
        database = app.extensions["motcua.db"]
        with app.app_context():
            sync_catalogue(database.session, app.extensions["motcua.plugins"])
            database.session.commit()
            assert database.session.scalar(select(Procedure.handler_plugin).where(
                Procedure.code == HOUSEHOLD.code)) == "publicplug"
            database.remove()
        for each in (app, p.hub):
            each.config.update(LOOKUP_RATE_LIMIT="1000 per minute",
                               SMS_RATE_LIMIT="1000 per minute")
        yield p


def receive_birth(p) -> str:  # noqa: ANN001
    """A birth registration (a core procedure) at the commune of node north; its code."""
    app, world = p.nodes["north"], p.worlds["north"]
    database = app.extensions["motcua.db"]
    with app.app_context():
        session = database.session
        actor = session.scalar(select(Account).where(Account.username == "letan.xa"))
        data = intake_data(world, procedure_code=world.birth_registration.code,
                           unit_code=world.commune.code,
                           submitted_documents=[d.id for d in world.birth_registration.documents])
        code = take_in(DeskContext(session, actor, app.config["MOTCUA"]), data).code
        session.commit()
        database.remove()
    return code


def hub_details(p, code: str) -> dict:  # noqa: ANN001
    with p.hub.extensions["motcua.db"].session_factory() as session:
        return session.scalar(select(HubDossier.details).where(HubDossier.code == code))


def _name_then_trade(dossier):  # noqa: ANN001, ANN202 - the plugin's order, not A to Z
    return {LABEL: f"Hộ kinh doanh {dossier.applicant_name}", "Ngành nghề": "Bán lẻ"}


def test_the_hub_lookup_shows_the_public_fields_the_node_shows(templates, backend, tmp_path):
    plugin = household_plugin(public_fields=_name_then_trade)
    with plugin_province(templates, backend, tmp_path, plugin) as p:
        code = receive(p.nodes["north"], p.worlds["north"], name="Lý Văn Tư")
        assert drain(p.node("north")).error is None
        expected = {LABEL: "Hộ kinh doanh Lý Văn Tư", "Ngành nghề": "Bán lẻ"}
        hub, node = p.hub.test_client(), p.nodes["north"].test_client()
        assert node.get(f"/api/lookup/{code}").get_json()["public_fields"] == expected
        assert hub.get(f"/api/lookup/{code}").get_json()["public_fields"] == expected
        # Without the second factor, on the website and the kiosk alike, in the plugin's
        # order as on the node's own page.
        pages = [hub.get(f"/tra-cuu/{code}").text,
                 hub.get("/kiosk/tra-cuu", query_string={"code": code}).text,
                 node.get(f"/tra-cuu/{code}").text]
        for page in pages:
            assert re.search(rf'<dt>{LABEL}</dt><dd class="public-field">Hộ kinh doanh '
                             r'Lý Văn Tư</dd>\s*<dt>Ngành nghề</dt>', page), page
        # The hub and the node hold the same copy, public fields included.
        assert compare_with_hub(p.node("north")).clean


def test_the_sync_run_command_sends_them_from_every_batch(templates, backend, tmp_path):
    """One dossier per batch: the command seals the next batch in a thread of its own
    while one is on the wire, and that thread asks the plugins too."""
    with plugin_province(templates, backend, tmp_path, sync_batch_size=1) as p:
        names = ["Lý Văn Tư", "Đào Thị Năm", "Mai Văn Sáu"]
        codes = [receive(p.nodes["north"], p.worlds["north"], name=name) for name in names]
        run = p.nodes["north"].test_cli_runner().invoke(main, ["sync", "run", "--once"])
        assert "Delivered 3 changes in 3 batches" in run.output, run.output
        for code, name in zip(codes, names, strict=True):
            assert hub_details(p, code)["public_fields"] == [[LABEL, f"Hộ kinh doanh {name}"]]


def test_core_procedures_carry_no_public_fields_and_are_not_loaded_whole(
        templates, backend, tmp_path, monkeypatch):
    # Contributors left registered by other tests in this process would load every dossier.
    monkeypatch.setattr(contributions, "_contributors", {})
    with plugin_province(templates, backend, tmp_path) as p:
        birth = receive_birth(p)
        statements: list[str] = []
        engine = p.nodes["north"].extensions["motcua.db"].engine
        listen = (engine, "before_cursor_execute",
                  lambda *args: statements.append(args[2]))
        event.listen(*listen)
        try:
            assert seal(p.node("north")) is not None
        finally:
            event.remove(*listen)
        # specialist_data is selected only when whole dossiers are loaded.
        assert not [s for s in statements if "specialist_data" in s]
        household = receive(p.nodes["north"], p.worlds["north"])
        assert drain(p.node("north")).error is None
        assert "public_fields" not in hub_details(p, birth)
        assert p.hub.test_client().get(f"/api/lookup/{birth}").get_json()[
            "public_fields"] == {}
        assert hub_details(p, household)["public_fields"] == [
            [LABEL, "Hộ kinh doanh Nguyễn Văn An"]]


def test_a_failing_public_fields_hook_does_not_stop_sync(templates, backend, tmp_path):
    def broken(dossier):  # noqa: ANN001, ANN202
        raise RuntimeError("public fields bug")

    with plugin_province(templates, backend, tmp_path,
                         household_plugin(public_fields=broken)) as p:
        code = receive(p.nodes["north"], p.worlds["north"])
        assert drain(p.node("north")).error is None
        answer = p.hub.test_client().get(f"/api/lookup/{code}").get_json()
        assert (answer["code"], answer["public_fields"]) == (code, {})
        failures = p.nodes["north"].extensions["motcua.plugins"].failures
        assert ("publicplug", "motcua_public_fields") in {(f.plugin, f.hook) for f in failures}


def test_a_copy_pushed_without_public_fields_is_repaired_by_reconciliation(
        templates, backend, tmp_path):
    with plugin_province(templates, backend, tmp_path) as p:
        code = receive(p.nodes["north"], p.worlds["north"], name="Lý Văn Tư")
        full = p.node("north")
        # A worker without the node's application (as before public fields travelled)
        # pushes the dossier without them, and does not fail for it.
        bare = Node(full.database, full.node_id, full.transport, full.key, full.batch_size)
        assert drain(bare).error is None
        assert "public_fields" not in hub_details(p, code)
        assert compare_with_hub(full).dossiers["different"] == [code]
        assert reconcile(full).remaining == []
        answer = p.hub.test_client().get(f"/api/lookup/{code}").get_json()
        assert answer["public_fields"] == {LABEL: "Hộ kinh doanh Lý Văn Tư"}


def push_with_public_fields(p, public_fields) -> str:  # noqa: ANN001
    """Seal node north's next batch, put ``public_fields`` in its details (as another
    vendor's system might), sign and push it; the dossier's code."""
    code = receive(p.nodes["north"], p.worlds["north"])
    body = json.loads(seal(p.node("north")).body)
    for entry in body["entries"]:
        entry["details"]["public_fields"] = public_fields
    raw = signing.canonical_json(body)
    answer = requests.post(f"{p.server.url}/sync/v1/batches", data=raw, timeout=10, headers={
        "Content-Type": "application/json", "X-Motcua-Node": "north",
        "X-Motcua-Signature": signing.sign(signing.load_private_key(p.keys["north"]), raw)})
    assert answer.status_code == 200, answer.text
    return code


@pytest.mark.parametrize(("pushed", "shown"), [
    (["Tên", "x"], {}),
    ("Tên: x", {}),
    (42, {}),
    ({"Tên": {"nested": 1}, "Danh sách": [1, 2], "Trống": None, " ": "no label",
      "Vốn": 150000000, "Đang hoạt động": True, "Tỷ lệ": 0.5, "<b>Nhãn</b>": "<i>x</i>"},
     {"Vốn": "150000000", "Đang hoạt động": "True", "Tỷ lệ": "0.5",
      "<b>Nhãn</b>": "<i>x</i>"}),
    ([["Vốn", 5], ["Lẻ"], "x", [1, 2], ["Lồng", {"n": 1}], ["Ấp", "x"], ["Vốn", "again"]],
     {"Vốn": "5", "1": "2", "Ấp": "x"}),
], ids=["list", "string", "number", "mixed", "pairs"])
def test_hostile_public_fields_are_shown_as_bounded_text_or_not_at_all(
        templates, backend, tmp_path, pushed, shown):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        code = push_with_public_fields(p, pushed)
        client = p.hub.test_client()
        assert client.get(f"/api/lookup/{code}").get_json()["public_fields"] == shown
        page = client.get(f"/tra-cuu/{code}")
        assert page.status_code == 200
        assert "<i>x</i>" not in page.text  # escaped like every other value


def test_too_many_or_too_long_public_fields_are_cut(templates, backend, tmp_path):
    with province(templates, backend, tmp_path, nodes={"north": ["H72.01.01"]}) as p:
        code = push_with_public_fields(
            p, {f"Nhãn {i:03}": "x" * 10_000 for i in range(MAX_PUBLIC_FIELDS + 30)})
        shown = p.hub.test_client().get(f"/api/lookup/{code}").get_json()["public_fields"]
        assert list(shown) == [f"Nhãn {i:03}" for i in range(MAX_PUBLIC_FIELDS)]
        assert {len(value) for value in shown.values()} == {MAX_VALUE_LENGTH}
