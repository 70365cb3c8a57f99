"""Authorization: every routing action refuses officers outside the holding unit's
subtree, in the functions (Forbidden) and in the API (403), and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from motcua.core.accounts import issue_api_token
from motcua.core.errors import Forbidden
from motcua.core.models import Account, Dossier, DossierEvent
from motcua.core.workflow import actions
from tests.test_workflow_support import receive, vn

ARGS = {
    "claim": {}, "assign": {"to_account": "chuyenvien2"}, "forward": {"note": "x"},
    "send_back": {"to_step": 0, "reason": "x"}, "transfer": {"to_unit": "H72.T01"},
    "submit_for_approval": {}, "approve": {}, "request_supplement": {"missing": ["x"]},
    "record_supplement": {}, "refuse": {"reason": "x"}, "withdraw": {"reason": "x"},
    "issue_result": {"result": {"number": "1"}},
    "return_result": {"collected_by": "An", "method": "in_person"},
    "apologize": {"new_due_at": vn(2027, 6, 1, 9, 0), "reason": "x"},
}
OUTSIDERS = ("other_specialist", "other_leader", "other_reception")
STATES = ("received", "in_processing", "waiting_approval", "waiting_supplement",
          "result_ready")


def _call(session, name: str, dossier: Dossier, actor: Account):  # noqa: ANN001, ANN202
    kwargs = dict(ARGS[name])
    if name == "assign":
        return actions.assign(session, dossier, actor, kwargs.pop("to_account"))
    return actions.ACTIONS[name](session, dossier, actor, **kwargs)


def _bring_to(session, routing, dossier: Dossier, state: str) -> None:  # noqa: ANN001
    specialist = routing.account(session, "specialist")
    if state in ("in_processing", "waiting_approval", "result_ready"):
        actions.claim(session, dossier, specialist)
    if state in ("waiting_approval", "result_ready"):
        actions.submit_for_approval(session, dossier, specialist)
    if state == "result_ready":
        actions.approve(session, dossier, routing.account(session, "leader"))
    if state == "waiting_supplement":
        actions.request_supplement(session, dossier, specialist, missing=["x"])
    session.commit()
    assert dossier.status == state


def _events(session, dossier: Dossier) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(DossierEvent).where(
        DossierEvent.dossier_id == dossier.id))


@pytest.mark.parametrize("state", STATES)
def test_every_action_refuses_officers_of_another_unit(app, db, routing, state):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        _bring_to(session, routing, dossier, state)
        version, events = dossier.version, _events(session, dossier)
        for outsider in OUTSIDERS:
            actor = routing.account(session, outsider)
            for name in actions.ACTIONS:
                with pytest.raises(Forbidden):
                    _call(session, name, dossier, actor)
                session.rollback()
        session.expire_all()
        assert (dossier.version, dossier.status) == (version, state)
        assert _events(session, dossier) == events


def test_roles_inside_the_unit_still_matter(app, db, routing):
    with app.app_context():
        session = db.session
        dossier = receive(session, app, routing)
        reception = routing.account(session, "reception")
        specialist = routing.account(session, "specialist")
        tax = routing.account(session, "tax_specialist")
        for actor, name in ((reception, "claim"), (specialist, "approve"),
                            (specialist, "withdraw"), (specialist, "assign"),
                            (tax, "claim"), (specialist, "return_result")):
            with pytest.raises(Forbidden):
                _call(session, name, dossier, actor)
            session.rollback()
        actions.claim(session, dossier, specialist)
        session.commit()
        colleague = routing.account(session, "specialist2")
        with pytest.raises(Forbidden, match="holds this dossier"):
            actions.forward(session, dossier, colleague)
        session.rollback()
        # A leader of the unit may act on a colleague's dossier.
        actions.transfer(session, dossier, routing.account(session, "finance_leader"),
                         to_unit="H72.01.03")
        session.commit()
        assert dossier.holder_unit.code == "H72.01.03"


def _token(app, db, routing, name: str) -> dict:  # noqa: ANN001
    with app.app_context():
        token = issue_api_token(db.session, routing.account(db.session, name), "test")
        db.session.commit()
        db.remove()
    return {"Authorization": f"Bearer {token}"}


def _api_body(name: str) -> dict:
    body = dict(ARGS[name])
    if "new_due_at" in body:
        body["new_due_at"] = body["new_due_at"].isoformat()
    return body


@pytest.mark.parametrize("state", ("received", "waiting_approval", "result_ready"))
def test_api_answers_403_for_every_action_outside_the_scope(app, db, routing, state):
    with app.app_context():
        dossier = receive(db.session, app, routing)
        _bring_to(db.session, routing, dossier, state)
        code, events = dossier.code, _events(db.session, dossier)
        db.remove()
    client = app.test_client()
    for outsider in OUTSIDERS:
        headers = _token(app, db, routing, outsider)
        for name in actions.ACTIONS:
            response = client.post(f"/api/v1/dossiers/{code}/actions/{name}",
                                   json=_api_body(name), headers=headers)
            assert response.status_code == 403, (outsider, name, response.get_json())
            assert response.get_json()["error"]
        slip = client.get(f"/api/v1/dossiers/{code}/control-slip", headers=headers)
        assert slip.status_code == 404
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.status == state and _events(db.session, dossier) == events
