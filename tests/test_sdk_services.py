"""SDK services used from a plugin's own screen, on the test kit's application: reading
dossiers, specialist data through the plugin's schema, routing, issuing results through
the plugin's hook, and SDK errors shown like the core's."""

from __future__ import annotations

import pytest
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from motcua.core.models import Dossier, DossierEvent
from motcua.core.plugin_manager import public_fields
from motcua.core.plugin_manager.dossiers import sync_payload
from motcua_sdk import IssuedResult, ProcedureSpec, errors, hookimpl, services

CODE = "9.000077"


class ShopSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    capital = fields.Integer(required=True, validate=validate.Range(min=0))


bp = Blueprint("shops", __name__, url_prefix="/shops")


@bp.get("/<code>")
@services.staff_required()
def show(code):
    view = services.get_dossier(code)
    return jsonify(code=view.code, status=view.status, version=view.version,
                   data=dict(view.specialist_data),
                   actions=services.available_actions(code))


@bp.post("/<code>/data")
@services.staff_required("specialist")
def save(code):
    body = request.get_json()
    view = services.update_specialist_data(code, body["data"],
                                           expected_version=body.get("version"))
    return jsonify(version=view.version, data=dict(view.specialist_data))


@bp.post("/<code>/act/<action>")
@services.staff_required()
def act(code, action):
    body = request.get_json(silent=True) or {}
    view = services.act(code, action, expected_version=body.get("version"),
                        **body.get("arguments", {}))
    return jsonify(status=view.status, result=dict(view.result or {}))


@bp.get("/queue")
@services.staff_required()
def queue():
    return jsonify([view.code for view in services.queue([CODE])])


@bp.post("/<code>/annotate")
@services.staff_required()
def annotate(code):
    body = request.get_json()
    view = services.annotate(code, source="shops", key=body["key"], value=body["value"],
                             label=body["label"], note=body.get("note"))
    due = services.working_deadline(view.received_at, 2)
    return jsonify(status=view.status, due=due.isoformat())


@bp.get("/refuse")
@services.staff_required()
def refuse():
    raise errors.Conflict("This shop is already registered.", field="name")


class ShopPlugin:
    MOTCUA_API = ">=0.1,<0.2"
    fail_issue = False

    @hookimpl
    def motcua_procedures(self):
        return [ProcedureSpec(
            code=CODE, name="Đăng ký cửa hàng thử", field="Thử nghiệm", level="district",
            processing_days=4, result_type="Giấy chứng nhận", schema=ShopSchema,
            workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                       "unit": "function:finance"},
                      {"name": "Ký", "role": "leader", "days": 1, "unit": "function:finance"}])]

    @hookimpl
    def motcua_blueprints(self):
        return [bp]

    @hookimpl
    def motcua_issue_result(self, dossier, actor):
        if ShopPlugin.fail_issue:
            raise RuntimeError("numbering service down")
        return IssuedResult(number=f"CH-{dossier.code[-4:]}", title="Giấy chứng nhận",
                            document_endpoint="shops.show")

    @hookimpl
    def motcua_public_fields(self, dossier):
        return {"Tên cửa hàng": dossier.specialist_data.get("name", "")}

    @hookimpl
    def motcua_sync_payload(self, dossier):
        return {"capital": dossier.specialist_data.get("capital")}


@pytest.fixture
def motcua_extra_plugins():
    ShopPlugin.fail_issue = False
    return [("shops", ShopPlugin())]


def test_specialist_data_goes_through_the_plugin_schema(motcua_flow, motcua_clients,
                                                        motcua_app):
    dossier = motcua_flow.take_in(CODE, specialist_data={"name": "Tạp hóa An", "capital": 5})
    specialist = motcua_clients.specialist
    shown = specialist.get(f"/shops/{dossier.code}").get_json()
    assert shown["data"] == {"name": "Tạp hóa An", "capital": 5}
    assert "claim" in shown["actions"]

    bad = specialist.post(f"/shops/{dossier.code}/data", json={
        "data": {"name": "Tạp hóa An", "capital": -1}, "version": shown["version"]},
        headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.get_json()["field"] == "specialist_data.capital"
    stale = specialist.post(f"/shops/{dossier.code}/data", json={
        "data": {"name": "Tạp hóa An", "capital": 9}, "version": shown["version"] - 1},
        headers={"Accept": "application/json"})
    assert stale.status_code == 409
    saved = specialist.post(f"/shops/{dossier.code}/data", json={
        "data": {"name": "Tạp hóa An Bình", "capital": 9}, "version": shown["version"]})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json() == {"version": shown["version"] + 1,
                                "data": {"name": "Tạp hóa An Bình", "capital": 9}}
    with motcua_app.app_context():
        session = motcua_app.extensions["motcua.db"].session
        row = session.scalar(select(Dossier).where(Dossier.code == dossier.code))
        events = session.scalars(select(DossierEvent).where(
            DossierEvent.dossier_id == row.id).order_by(DossierEvent.sequence)).all()
        assert [e.kind for e in events] == ["received", "specialist_data_updated"]
        assert events[-1].data == {"changed": ["capital", "name"]}
        assert public_fields(row) == {"Tên cửa hàng": "Tạp hóa An Bình"}
        assert sync_payload("shops", row) == {"capital": 9}
        assert sync_payload("other", row) is None

    # Reception is not the unit holding it at this step: refused, nothing changed.
    refused = motcua_clients.reception.post(f"/shops/{dossier.code}/data", json={
        "data": {"name": "X", "capital": 1}}, headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert motcua_flow.view(dossier.code).specialist_data["name"] == "Tạp hóa An Bình"


def test_routing_and_issuing_through_services(motcua_flow, motcua_clients):
    dossier = motcua_flow.take_in(CODE, specialist_data={"name": "Quán Bình", "capital": 1})
    specialist, leader = motcua_clients.specialist, motcua_clients.leader
    assert specialist.get("/shops/queue").get_json() == [dossier.code]
    assert specialist.post(f"/shops/{dossier.code}/act/claim").status_code == 200
    submitted = specialist.post(f"/shops/{dossier.code}/act/submit_for_approval",
                                json={"arguments": {"note": "Hợp lệ"}})
    assert submitted.get_json()["status"] == "waiting_approval"
    unknown = leader.post(f"/shops/{dossier.code}/act/teleport?lang=en",
                          headers={"Accept": "application/json"})
    assert unknown.status_code == 422 and "Unknown action" in unknown.get_json()["error"]
    not_yours = specialist.post(f"/shops/{dossier.code}/act/issue_result",
                                headers={"Accept": "application/json"})
    assert not_yours.status_code == 403
    issued = leader.post(f"/shops/{dossier.code}/act/issue_result")
    assert issued.status_code == 200, issued.get_data(as_text=True)
    assert issued.get_json() == {"status": "result_ready", "result": {
        "number": f"CH-{dossier.code[-4:]}", "title": "Giấy chứng nhận",
        "document_endpoint": "shops.show"}}


def test_a_failing_result_hook_issues_nothing(motcua_flow, motcua_clients, motcua_app):
    dossier = motcua_flow.take_in(CODE, specialist_data={"name": "Quán Lỗi", "capital": 1})
    motcua_flow.route(dossier.code)
    before = motcua_flow.view(dossier.code)
    ShopPlugin.fail_issue = True
    failed = motcua_clients.leader.post(f"/shops/{dossier.code}/act/issue_result?lang=en",
                                        headers={"Accept": "application/json"})
    assert failed.status_code == 400
    assert "could not issue the result; nothing was issued" in failed.get_json()["error"]
    after = motcua_flow.view(dossier.code)
    assert (after.status, after.version, after.result) == (before.status, before.version, None)
    failures = motcua_app.extensions["motcua.plugins"].failures
    assert [(f.plugin, f.hook) for f in failures] == [("shops", "motcua_issue_result")]


def test_sdk_errors_are_shown_like_core_errors(motcua_clients):
    as_json = motcua_clients.specialist.get("/shops/refuse",
                                            headers={"Accept": "application/json"})
    assert as_json.status_code == 409
    assert as_json.get_json() == {"error": "This shop is already registered.", "field": "name"}
    page = motcua_clients.specialist.get("/shops/refuse")
    assert page.status_code == 409 and "This shop is already registered." in page.get_data(
        as_text=True)
    assert motcua_clients.specialist.get("/shops/H99.01.01-000000-9999",
                                         headers={"Accept": "application/json"}
                                         ).status_code == 404
    assert motcua_clients.anonymous.get("/shops/queue").status_code == 302
    assert motcua_clients.reception.post("/shops/x/data", json={}).status_code == 403


def test_annotations_attach_to_any_dossier_and_are_heard(motcua_flow, motcua_clients,
                                                         motcua_app):
    from motcua_sdk import signals

    dossier = motcua_flow.take_in(CODE, specialist_data={"name": "An", "capital": 5})
    motcua_flow.finish(dossier.code)  # returned: finished dossiers take annotations too
    heard = []

    def listen(sender, event):
        heard.append((sender.code, dict(event.data)))

    signals.annotated.connect(listen)
    try:
        answer = motcua_clients.reception.post(f"/shops/{dossier.code}/annotate", json={
            "key": "tax_code", "value": "0312345678", "label": "Mã số thuế",
            "note": "Mã số thuế: 0312345678"})
    finally:
        signals.annotated.disconnect(listen)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "returned"  # the status does not change
    data = {"source": "shops", "key": "tax_code", "value": "0312345678",
            "label": "Mã số thuế"}
    assert heard == [(dossier.code, data)]
    database = motcua_app.extensions["motcua.db"]
    with motcua_app.app_context():
        event = database.session.scalars(select(DossierEvent).order_by(
            DossierEvent.id.desc())).first()
        assert (event.kind, event.data, event.note) == ("annotated", data,
                                                        "Mã số thuế: 0312345678")
        from motcua.core.intake import load_calendar

        expected = load_calendar(database.session).due_at(dossier.received_at, 2)
        database.remove()
    assert answer.get_json()["due"] == expected.isoformat()  # the core's own calendar
    missing = motcua_clients.reception.post("/shops/H99.01.01-000000-9999/annotate", json={
        "key": "k", "value": 1, "label": "L"})
    assert missing.status_code == 404
    unlabelled = motcua_clients.reception.post(f"/shops/{dossier.code}/annotate", json={
        "key": "k", "value": 1, "label": ""})
    assert unlabelled.status_code == 422
