"""The handling plugin's result hook runs only for someone issue_result accepts: an
officer outside the step (or outside the agency) gets 403 in the API and on the work
page, and the plugin is never asked (its counter does not move, it writes nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from motcua.core.accounts import issue_api_token
from motcua.core.models import Account, Dossier
from motcua.core.testing import USERNAMES
from motcua_sdk import IssuedResult, ProcedureSpec, hookimpl

SPEC = ProcedureSpec(
    code="9.000019", name="Cấp giấy phép có số thứ tự", field="Thử nghiệm", level="district",
    processing_days=5, result_type="Giấy phép",
    workflow=[{"name": "Thẩm định", "role": "specialist", "days": 3,
               "unit": "function:finance"},
              {"name": "Phê duyệt", "role": "leader", "days": 2, "unit": "function:finance"}])


class NumberingPlugin:
    """Numbers its licences from a counter, as a register would."""

    MOTCUA_API = ">=0.1,<0.2"
    asked: list[str] = []

    @hookimpl
    def motcua_procedures(self):
        return [SPEC]

    @hookimpl
    def motcua_issue_result(self, dossier, actor):
        NumberingPlugin.asked.append(actor.username)
        return IssuedResult(number=f"{len(NumberingPlugin.asked):03d}/GP",
                            title="Giấy phép")


@pytest.fixture
def motcua_extra_plugins():
    NumberingPlugin.asked = []
    return [("numbering", NumberingPlugin())]


def _token(app, role: str) -> dict:  # noqa: ANN001
    with app.app_context():
        session = app.extensions["motcua.db"].session
        account = session.scalar(select(Account).where(Account.username == USERNAMES[role]))
        token = issue_api_token(session, account, "test")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _at_approval(flow) -> str:  # noqa: ANN001
    code = flow.take_in(SPEC.code).code
    flow.act(code, "claim", "specialist")
    flow.act(code, "submit_for_approval", "specialist")
    return code


def _status(app, code: str) -> tuple[str, dict | None]:  # noqa: ANN001
    with app.app_context():
        session = app.extensions["motcua.db"].session
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return dossier.status, dossier.result


def test_api_outsiders_and_wrong_roles_never_reach_the_plugin(motcua_app, motcua_flow):
    code = _at_approval(motcua_flow)
    client = motcua_app.test_client()
    for role in ("tax_officer", "specialist", "reception"):
        response = client.post(f"/api/v1/dossiers/{code}/actions/issue_result", json={},
                               headers=_token(motcua_app, role))
        assert response.status_code == 403, (role, response.get_json())
    assert NumberingPlugin.asked == []
    assert _status(motcua_app, code) == ("waiting_approval", None)

    response = client.post(f"/api/v1/dossiers/{code}/actions/issue_result", json={},
                           headers=_token(motcua_app, "leader"))
    assert response.status_code == 200, response.get_json()
    assert NumberingPlugin.asked == [USERNAMES["leader"]]
    assert _status(motcua_app, code) == ("result_ready", {"number": "001/GP",
                                                         "title": "Giấy phép"})


def test_work_page_refuses_a_specialist_before_asking_the_plugin(motcua_app, motcua_flow,
                                                                 motcua_clients):
    code = _at_approval(motcua_flow)
    version = motcua_flow.view(code).version
    response = motcua_clients.specialist.post(
        f"/department/dossiers/{code}/actions/issue_result",
        data={"expected_version": str(version), "result_number": "99/GP"})
    assert response.status_code == 403
    assert NumberingPlugin.asked == []
    assert _status(motcua_app, code) == ("waiting_approval", None)
