"""Routing over the REST API and the command line."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from motcua.core.accounts import issue_api_token
from motcua.core.cli import main
from motcua.core.models import Dossier, DossierEvent, Procedure, Workflow
from tests.test_workflow_support import TWO_STEPS, receive


@pytest.fixture
def tokens(app, db, routing):
    made = {}
    with app.app_context():
        for name in ("reception", "specialist", "specialist2", "leader", "ict_admin",
                     "other_specialist"):
            token = issue_api_token(db.session, routing.account(db.session, name), "t")
            made[name] = {"Authorization": f"Bearer {token}"}
        db.session.commit()
        db.remove()
    return made


@pytest.fixture
def code(app, db, routing):
    with app.app_context():
        code = receive(db.session, app, routing).code
        db.remove()
    return code


def _act(client, code, action, headers, **body):  # noqa: ANN001, ANN202
    return client.post(f"/api/v1/dossiers/{code}/actions/{action}", json=body,
                       headers=headers)


def test_the_whole_path_through_the_api(app, tokens, code):
    client = app.test_client()
    queue = client.get("/api/v1/queue?scope=unit", headers=tokens["specialist"]).get_json()
    assert [item["code"] for item in queue["items"]] == [code]
    assert queue["items"][0]["step"]["name"] == "Thẩm định hồ sơ"
    version = queue["items"][0]["version"]
    assert queue["items"][0]["available_actions"][:2] == ["claim", "submit_for_approval"]

    response = _act(client, code, "claim", tokens["specialist"], expected_version=version)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["event"]["kind"] == "claimed"
    assert body["dossier"]["holder_account"] == "chuyenvien"
    mine = client.get("/api/v1/queue", headers=tokens["specialist"]).get_json()
    assert [item["code"] for item in mine["items"]] == [code]

    version = body["dossier"]["version"]
    body = _act(client, code, "submit_for_approval", tokens["specialist"],
                expected_version=version, note="OK").get_json()
    assert body["dossier"]["status"] == "waiting_approval"
    body = _act(client, code, "approve", tokens["leader"]).get_json()
    assert body["dossier"]["status"] == "result_ready"
    body = _act(client, code, "issue_result", tokens["reception"],
                result={"number": "HKD-42"}).get_json()
    assert body["event"]["kind"] == "result_issued"
    response = _act(client, code, "return_result", tokens["reception"],
                    collected_by="Nguyễn Văn An", method="post")
    assert response.get_json()["dossier"]["status"] == "returned"

    slip = client.get(f"/api/v1/dossiers/{code}/control-slip",
                      headers=tokens["reception"]).get_json()
    assert [row["holder_unit_code"] for row in slip["rows"]] == [
        "H72.01.01", "H72.01.02", "H72.01", "H72.01.01"]
    assert slip["rows"][1]["holder_person"] == "Phạm Chuyên Viên"
    assert slip["rows"][-1]["time_out"].endswith("+07:00")


def test_a_stale_version_is_409_and_changes_nothing(app, db, tokens, code):
    client = app.test_client()
    first = _act(client, code, "claim", tokens["specialist"], expected_version=2)
    stale = first.get_json()["dossier"]["version"] if first.status_code == 200 else None
    assert first.status_code == 200, first.get_json()
    response = _act(client, code, "transfer", tokens["specialist"], expected_version=2,
                    to_unit="H72.T01")
    assert response.status_code == 409
    assert "someone else" in response.get_json()["error"] or response.get_json()["error"]
    ok = _act(client, code, "transfer", tokens["specialist"], expected_version=stale,
              to_unit="H72.T01")
    assert ok.status_code == 200
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert [e.kind for e in dossier.events] == ["received", "claimed", "transferred"]


@pytest.mark.parametrize(("action", "body", "field"), [
    ("claim", {"expected_version": "two"}, "expected_version"),
    ("send_back", {"reason": "x"}, "to_step"),
    ("send_back", {"to_step": 0, "reason": "x"}, "status"),  # nothing to send back yet
    ("transfer", {"to_unit": "H99.99"}, "to_unit"),
    ("request_supplement", {"missing": []}, "missing"),
    ("apologize", {"new_due_at": "2030-01-01T09:00:00", "reason": "x"}, "new_due_at"),
    ("return_result", {"collected_by": "A", "method": "pigeon"}, "method"),
    ("claim", {"note": "x"}, "note"),
    ("claim", {"surprise": 1}, "surprise"),
    ("issue_result", {"result": {"number": "1"}}, None),
])
def test_bad_input_is_422_with_the_field(app, db, tokens, code, action, body, field):
    client = app.test_client()
    response = _act(client, code, action, tokens["specialist"], **body)
    assert response.status_code == 422, response.get_json()
    if field:
        assert response.get_json()["field"] == field
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(DossierEvent))
        assert count == 1


def test_unknown_dossier_action_and_bad_body(app, tokens, code):
    client = app.test_client()
    assert _act(client, "H72.01.01-000000-9999", "claim",
                tokens["specialist"]).status_code == 404
    assert _act(client, code, "teleport", tokens["specialist"]).status_code == 404
    response = client.post(f"/api/v1/dossiers/{code}/actions/claim", data="[1]",
                           content_type="application/json", headers=tokens["specialist"])
    assert response.status_code == 400
    assert client.get("/api/v1/queue?scope=all", headers=tokens["specialist"]).status_code \
        == 400
    assert client.post(f"/api/v1/dossiers/{code}/actions/claim", json={}).status_code == 401


def test_workflow_versions_through_the_api(app, db, tokens, routing):
    client = app.test_client()
    procedure = routing.world.household_business.code
    current = client.get(f"/api/v1/procedures/{procedure}/workflow",
                         headers=tokens["specialist"]).get_json()
    assert current["version"] == 1 and current["steps"][0]["unit"] == "function:finance"
    steps = [dict(TWO_STEPS[0], days=2), TWO_STEPS[1]]
    refused = client.put(f"/api/v1/procedures/{procedure}/workflow", json={"steps": steps},
                         headers=tokens["leader"])
    assert refused.status_code == 403
    bad = client.put(f"/api/v1/procedures/{procedure}/workflow",
                     json={"steps": [dict(TWO_STEPS[0], role="boss")]},
                     headers=tokens["ict_admin"])
    assert bad.status_code == 422 and bad.get_json()["field"] == "steps.0.role"
    saved = client.put(f"/api/v1/procedures/{procedure}/workflow",
                       json={"steps": steps, "note": "longer check"},
                       headers=tokens["ict_admin"])
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["version"] == 2 and saved.get_json()["versions"] == [1, 2]
    assert saved.get_json()["created_by"] == "cntt"


def test_cli_show_edit_history_and_check_overdue(app, db, routing, tmp_path):
    runner = app.test_cli_runner()
    procedure = routing.world.household_business.code
    shown = runner.invoke(main, ["workflow", "show", procedure])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == TWO_STEPS

    steps_file = tmp_path / "steps.json"
    steps_file.write_text(json.dumps([dict(TWO_STEPS[0], days=2), TWO_STEPS[1]]),
                          encoding="utf-8")
    edited = runner.invoke(main, ["workflow", "edit", procedure, str(steps_file),
                                  "--by", "cntt", "--note", "two days"])
    assert edited.exit_code == 0, edited.output
    assert "version 2" in edited.output

    bad_file = tmp_path / "bad.json"
    bad_file.write_text("[{", encoding="utf-8")
    bad = runner.invoke(main, ["workflow", "edit", procedure, str(bad_file), "--by", "cntt"])
    assert bad.exit_code == 1 and "Error:" in bad.output
    refused = runner.invoke(main, ["workflow", "edit", procedure, str(steps_file),
                                   "--by", "lanhdao"])
    assert refused.exit_code == 1 and "Error:" in refused.output
    unknown = runner.invoke(main, ["workflow", "show", "9.999999"])
    assert unknown.exit_code == 1 and "Unknown procedure" in unknown.output

    history = runner.invoke(main, ["workflow", "history", procedure])
    assert history.exit_code == 0 and "v1" in history.output and "v2" in history.output
    old = runner.invoke(main, ["workflow", "show", procedure, "--version", "1"])
    assert json.loads(old.stdout) == TWO_STEPS

    assert runner.invoke(main, ["workflow", "unit-function", "H72.01.03", "Bad!"]).exit_code \
        == 1
    assert runner.invoke(main, ["workflow", "unit-function", "H00", "land"]).exit_code == 1
    set_function = runner.invoke(main, ["workflow", "unit-function", "h72.01.03", "land"])
    assert set_function.exit_code == 0, set_function.output
    from motcua.core.units import unit_by_code

    with app.app_context():
        assert unit_by_code(db.session, "H72.01.03").function == "land"
        db.remove()
    # Without FUNCTION the command only reads; --clear (and only it) removes the function.
    shown = runner.invoke(main, ["workflow", "unit-function", "H72.01.03"])
    assert shown.exit_code == 0 and "function land." in shown.output, shown.output
    both = runner.invoke(main, ["workflow", "unit-function", "H72.01.03", "tax", "--clear"])
    assert both.exit_code == 1 and both.output.startswith("Error:")
    with app.app_context():
        assert unit_by_code(db.session, "H72.01.03").function == "land"
        db.remove()
    cleared = runner.invoke(main, ["workflow", "unit-function", "H72.01.03", "--clear"])
    assert cleared.exit_code == 0 and "function cleared" in cleared.output
    with app.app_context():
        assert unit_by_code(db.session, "H72.01.03").function is None
        db.remove()
    assert "function (none)." in runner.invoke(
        main, ["workflow", "unit-function", "H72.01.03"]).output

    overdue = runner.invoke(main, ["workflow", "check-overdue"])
    assert overdue.exit_code == 0 and "0 dossier(s)" in overdue.output
    with app.app_context():
        procedure_row = db.session.scalar(select(Procedure).where(Procedure.code == procedure))
        versions = db.session.scalars(select(Workflow.version).where(
            Workflow.procedure_id == procedure_row.id)).all()
        assert sorted(versions) == [1, 2]


def test_a_paused_dossier_is_not_overdue_in_the_api(app, db, tokens, code, clock):
    client = app.test_client()
    assert _act(client, code, "claim", tokens["specialist"]).status_code == 200
    assert _act(client, code, "request_supplement", tokens["specialist"],
                missing=["Bản sao CCCD"]).status_code == 200
    with app.app_context():
        due = db.session.scalar(select(Dossier.due_at).where(Dossier.code == code))
        db.remove()
    clock.set(due + timedelta(days=10))  # the old deadline is long past; the clock is stopped
    for name, scope in (("specialist", "mine"), ("reception", "unit")):
        items = client.get(f"/api/v1/queue?scope={scope}", headers=tokens[name]
                           ).get_json()["items"]
        assert [(item["code"], item["status"], item["overdue"]) for item in items] == [
            (code, "waiting_supplement", False)], name
