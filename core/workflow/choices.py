"""Which actions a screen puts first: the one or two an officer most likely wants at the
dossier's current step; the rest go behind a menu.

Screens (the department's work page, the desk) ask :func:`likely_actions` with what
:func:`motcua.core.workflow.actions.available_actions` offers, so every screen puts the
same actions first and none offers what the officer may not do.
"""

from __future__ import annotations

from typing import Protocol

MAX_PRIMARY = 2

# What moves the dossier on from each status, most likely first. At a step only one of
# issue_result / submit_for_approval / forward is ever offered (it depends on the next
# step); a leader who may also assign the dossier gets that second.
_MOVES_ON = ("issue_result", "submit_for_approval", "forward", "assign")
_BY_STATUS = {
    "received": _MOVES_ON,
    "in_processing": _MOVES_ON,
    "waiting_other_agency": _MOVES_ON,
    "waiting_approval": ("approve", "send_back"),
    "waiting_supplement": ("record_supplement",),
    "waiting_payment": ("record_payment",),
    "result_ready": ("issue_result", "return_result"),
}
# At an agency the dossier was transferred to (liên thông), what is most likely wanted
# is to send it back once its part is done.
_TRANSFERRED = ("transfer", *_MOVES_ON)


class _Dossier(Protocol):
    status: str


class _Instance(Protocol):
    transferred: bool


def likely_actions(available: list[str], dossier: _Dossier, instance: _Instance | None
                   ) -> tuple[list[str], list[str]]:
    """``(primary, others)``: at most two of ``available`` to show as the main buttons,
    and the rest in their offered order. A dossier nobody holds is claimed first."""
    if "claim" in available:
        preferred: tuple[str, ...] = ("claim", "assign")
    elif instance is not None and instance.transferred:
        preferred = _TRANSFERRED
    else:
        preferred = _BY_STATUS.get(dossier.status, ())
    primary = [name for name in preferred if name in available][:MAX_PRIMARY]
    return primary, [name for name in available if name not in primary]
