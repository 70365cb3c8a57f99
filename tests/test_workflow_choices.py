"""Which actions screens put first (likely_actions): the step's way on, never one the
officer is not offered, at most two, and the rest kept in their offered order."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from motcua.core.workflow.choices import MAX_PRIMARY, likely_actions


def at(status: str, *, transferred: bool = False):  # noqa: ANN201
    return SimpleNamespace(status=status), SimpleNamespace(transferred=transferred)


@pytest.mark.parametrize(("status", "available", "primary"), [
    # Nobody holds it: claim it (a leader may also hand it to a colleague).
    ("received", ["claim", "transfer", "request_supplement", "apologize", "refuse"],
     ["claim"]),
    ("received", ["claim", "assign", "forward", "transfer", "refuse"], ["claim", "assign"]),
    # Held: what the next step asks for.
    ("in_processing", ["forward", "transfer", "send_back", "request_supplement",
                       "pause_for_payment", "apologize", "refuse"], ["forward"]),
    ("in_processing", ["submit_for_approval", "transfer", "request_supplement", "refuse"],
     ["submit_for_approval"]),
    ("in_processing", ["transfer", "request_supplement", "issue_result", "refuse"],
     ["issue_result"]),
    # A leader over the step: the way on, then reassigning it.
    ("in_processing", ["assign", "submit_for_approval", "transfer", "refuse"],
     ["submit_for_approval", "assign"]),
    ("waiting_approval", ["approve", "send_back", "issue_result", "apologize", "refuse"],
     ["approve", "send_back"]),
    ("waiting_supplement", ["record_supplement", "apologize", "refuse", "withdraw"],
     ["record_supplement"]),
    ("waiting_payment", ["record_payment", "apologize", "refuse"], ["record_payment"]),
    # At the desk: record the result, then hand it over.
    ("result_ready", ["issue_result", "return_result"], ["issue_result", "return_result"]),
    ("result_ready", ["return_result"], ["return_result"]),
    # Refusing or withdrawing is never the likely thing.
    ("in_processing", ["apologize", "refuse"], []),
    ("returned", [], []),
])
def test_the_step_decides_what_comes_first(status, available, primary):
    shown, others = likely_actions(available, *at(status))
    assert shown == primary
    assert others == [name for name in available if name not in primary]


def test_at_the_agency_it_was_transferred_to_sending_it_back_comes_first():
    available = ["transfer", "forward", "request_supplement", "refuse"]
    assert likely_actions(available, *at("waiting_other_agency", transferred=True))[0] \
        == ["transfer", "forward"]
    # Unclaimed there: claimed first all the same.
    assert likely_actions(["claim", *available],
                          *at("waiting_other_agency", transferred=True))[0] == ["claim"]
    # The same status at a step of the agency's own: the step's way on.
    assert likely_actions(available, *at("waiting_other_agency"))[0] == ["forward"]


def test_never_more_than_two_and_never_one_not_offered():
    every = ["claim", "assign", "forward", "submit_for_approval", "issue_result", "transfer",
             "approve", "send_back", "record_supplement", "record_payment", "return_result"]
    for status in ("received", "in_processing", "waiting_other_agency", "waiting_approval",
                   "waiting_supplement", "waiting_payment", "result_ready"):
        for transferred in (False, True):
            for cut in range(len(every)):
                available = every[cut:]
                shown, others = likely_actions(available, *at(status, transferred=transferred))
                assert len(shown) <= MAX_PRIMARY
                assert set(shown) <= set(available)
                assert sorted(shown + others) == sorted(available)


def test_without_a_workflow_the_status_decides():
    assert likely_actions(["return_result"], SimpleNamespace(status="result_ready"), None) \
        == (["return_result"], [])
