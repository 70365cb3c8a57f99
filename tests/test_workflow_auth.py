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
    "record_supplement": {}, "pause_for_payment": {"note": "x", "amount": 1000},
    "record_payment": {}, "refuse": {"reason": "x"}, "withdraw": {"reason": "x"},
    "issue_result": {"result": {"number": "1"}},
    "return_result": {"collected_by": "An", "method": "in_person"},
    "apologize": {"new_due_at": vn(2027, 6, 1, 9, 0), "reason": "x"},
}
# Another district, a sibling department of the same district (justice, on a dossier
# of the finance office or the district leader), another agency (the tax office), a
# provincial department. (An ICT administrator holds every role in their subtree.)
OUTSIDERS = ("other_specialist", "other_leader", "other_reception", "justice_specialist",
             "tax_specialist", "planning_specialist")
STATES = ("received", "in_processing", "waiting_approval", "waiting_supplement",
          "waiting_payment",
          "result_ready", "waiting_other_agency")
# Who held the dossier before it went to the tax office: no longer theirs to act on.
FORMER_HOLDERS = ("specialist", "specialist2", "finance_leader", "leader")


def outsiders(state: str) -> tuple[str, ...]:
    """Officers with no say over a dossier in ``state`` (at the tax office, the finance
    office's officers too; the tax office's own specialist works it there)."""
    if state == "waiting_other_agency":
        return (*[o for o in OUTSIDERS if o != "tax_specialist"], *FORMER_HOLDERS)
    return OUTSIDERS


def _call(session, name: str, dossier: Dossier, actor: Account,  # noqa: ANN001, ANN202
          **extra):
    kwargs = {**ARGS[name], **extra}
    if name == "assign":
        return actions.assign(session, dossier, actor, kwargs.pop("to_account"), **extra)
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
    if state == "waiting_payment":
        actions.claim(session, dossier, specialist)
        actions.pause_for_payment(session, dossier, specialist, note="x")
    if state == "waiting_other_agency":
        actions.claim(session, dossier, specialist)
        actions.transfer(session, dossier, specialist, to_unit="H72.T01")
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
        for outsider in outsiders(state):
            actor = routing.account(session, outsider)
            for name in actions.ACTIONS:
                with pytest.raises(Forbidden):
                    _call(session, name, dossier, actor)
                session.rollback()
                # A stale version does not turn the refusal into a conflict.
                with pytest.raises(Forbidden):
                    _call(session, name, dossier, actor, expected_version=version - 1)
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


def _api_attempts(name: str, version: int) -> list[dict]:
    """The same action with its right body, a stale version, a body the schema refuses
    and one that is not JSON at all: an outsider gets 403 for each, never 409/422/400
    (which would tell the dossier's version or what its state allows)."""
    good = _api_body(name)
    return [{"json": good}, {"json": {**good, "expected_version": version - 1}},
            {"json": {"expected_version": "x", "nonsense": 1}},
            {"data": "not json", "content_type": "text/plain"}]


@pytest.mark.parametrize("state", ("received", "waiting_approval", "result_ready",
                                   "waiting_other_agency"))
def test_api_answers_403_for_every_action_outside_the_scope(app, db, routing, state):
    with app.app_context():
        dossier = receive(db.session, app, routing)
        _bring_to(db.session, routing, dossier, state)
        code, events, version = dossier.code, _events(db.session, dossier), dossier.version
        db.remove()
    client = app.test_client()
    for outsider in outsiders(state):
        headers = _token(app, db, routing, outsider)
        for name in actions.ACTIONS:
            for attempt in _api_attempts(name, version):
                response = client.post(f"/api/v1/dossiers/{code}/actions/{name}",
                                       headers=headers, **attempt)
                assert response.status_code == 403, (outsider, name, attempt,
                                                     response.get_json())
                assert response.get_json()["error"]
        if outsider != "leader":  # the district leader still reads its desk's dossiers
            slip = client.get(f"/api/v1/dossiers/{code}/control-slip", headers=headers)
            assert slip.status_code == 404, outsider
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.status == state and _events(db.session, dossier) == events
