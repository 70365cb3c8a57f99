"""Two officers acting on one dossier at the same moment, in threads, on SQLite and
PostgreSQL: exactly one wins, the other gets Conflict, no event is lost or doubled."""

from __future__ import annotations

import threading

import pytest

from motcua.core.errors import Conflict
from motcua.core.models import Account, Dossier
from motcua.core.workflow import actions
from tests.test_workflow_support import add_routing, assert_history_consistent, receive

ROUNDS = 4
# (first officer, action, kwargs), (second officer, action, kwargs), both legal alone.
RACES = [
    (("specialist", "claim", {}), ("specialist2", "claim", {})),
    (("specialist", "claim", {}), ("finance_leader", "transfer", {"to_unit": "H72.T01"})),
    (("specialist", "request_supplement", {"missing": ["CCCD"]}),
     ("finance_leader", "refuse", {"reason": "Không đủ điều kiện"})),
    (("reception", "withdraw", {"reason": "Rút"}),
     ("specialist", "submit_for_approval", {})),
]


def _race(db, dossier_id: int, contenders, account_ids: dict[str, int],  # noqa: ANN001
          use_expected: bool) -> list[str]:
    barrier = threading.Barrier(len(contenders))
    outcomes: list[str] = [""] * len(contenders)

    def run(index: int, who: str, name: str, kwargs: dict) -> None:
        session = db.session_factory()
        try:
            dossier = session.get(Dossier, dossier_id)
            actor = session.get(Account, account_ids[who])
            version = dossier.version
            barrier.wait(timeout=10)
            try:
                actions.ACTIONS[name](session, dossier, actor,
                                      expected_version=version if use_expected else None,
                                      **kwargs)
                session.commit()
                outcomes[index] = "ok"
            except Conflict:
                session.rollback()
                outcomes[index] = "conflict"
            except Exception as error:  # noqa: BLE001 - reported in the assertion
                session.rollback()
                outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i, *contender))
               for i, contender in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("use_expected", [True, False], ids=["expected", "loaded"])
def test_concurrent_actions_one_wins_the_other_conflicts(app, db, world, use_expected):
    with app.app_context():
        routing = add_routing(db.session, world)
        account_ids = {name: a.id for name, a in routing.accounts.items()}
        db.remove()
    for first, second in RACES:
        for _round in range(ROUNDS):
            with app.app_context():
                dossier = receive(db.session, app, routing)
                dossier_id = dossier.id
                db.remove()
            outcomes = _race(db, dossier_id, [first, second], account_ids, use_expected)
            assert sorted(outcomes) == ["conflict", "ok"], (first, second, outcomes)
            with app.app_context():
                session = db.session
                dossier = session.get(Dossier, dossier_id)
                assert len(dossier.events) == 2  # received + the winner's
                winner = [first, second][outcomes.index("ok")][1]
                kind = {"claim": "claimed", "transfer": "transferred",
                        "request_supplement": "supplement_requested", "refuse": "refused",
                        "withdraw": "withdrawn",
                        "submit_for_approval": "submitted_for_approval"}[winner]
                assert dossier.events[-1].kind == kind
                assert_history_consistent(session, dossier)
                db.remove()


def test_many_officers_claiming_at_once(app, db, world):
    with app.app_context():
        routing = add_routing(db.session, world)
        account_ids = {name: a.id for name, a in routing.accounts.items()}
        dossier_id = receive(db.session, app, routing).id
        db.remove()
    contenders = [("specialist", "claim", {}), ("specialist2", "claim", {}),
                  ("finance_leader", "transfer", {"to_unit": "H72.01.03"}),
                  ("reception", "request_supplement", {"missing": ["x"]})]
    outcomes = _race(db, dossier_id, contenders, account_ids, True)
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 3, outcomes
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert len(dossier.events) == 2
        assert_history_consistent(db.session, dossier)
