"""Blinker signals for the dossier lifecycle.

The core sends each signal right after it records the matching event, inside the same
database transaction (the change is flushed, not yet committed). Every signal has the
same shape:

- ``sender``: a :class:`~motcua_sdk.types.DossierView` of the dossier *after* the change;
- ``event``: the :class:`~motcua_sdk.types.EventView` just recorded; its ``data`` is the
  kind-specific payload documented on each signal below.

Connect a receiver (keep a reference: blinker holds receivers weakly by default)::

    from motcua_sdk import signals

    @signals.result_issued.connect
    def remember(dossier, event):
        if dossier.procedure_code == "1.001612":
            queue_tax_notice(dossier.code, event.data["number"])

A receiver that raises is logged and skipped; it cannot undo the core's change and does
not stop the other receivers. Receivers that write should write through
:mod:`motcua_sdk.services` so their rows join the same transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

received = _signals.signal("received", doc="""
A dossier was taken in at the desk (event kind ``received``, ``data`` empty) or entered
after an outage (kind ``back_entered``, ``data``: ``{"entered_at": iso}``, the reason in
``event.note``). ``sender.status`` is ``"received"``.
""")

transferred = _signals.signal("transferred", doc="""
The dossier was transferred (liên thông) to another agency or unit.
``event.data``: ``{"to_unit": "<agency code>"}``. ``sender.status`` is
``"in_processing"``, or ``"waiting_other_agency"`` outside the receiving unit's tree.
""")

supplement_requested = _signals.signal("supplement_requested", doc="""
The applicant was asked to supplement the dossier; its clock pauses.
``event.data``: ``{"missing": [str, ...]}``. ``sender.status`` is
``"waiting_supplement"``.
""")

supplemented = _signals.signal("supplemented", doc="""
The applicant handed in the missing documents; the clock resumes.
``event.data``: ``{"paused_working_minutes": int, "old_due_at": iso, "new_due_at": iso}``.
""")

paused_for_payment = _signals.signal("paused_for_payment", doc="""
The clock stopped while the applicant pays a financial obligation (the tax notice of a
land transfer): Decree 61 leaves that time out of the deadline; it is not a request for
supplement. ``event.note`` says what to pay; ``event.data``: ``{"notice_number": str |
None, "amount": int | None}`` (đồng). ``sender.status`` is ``"waiting_payment"``.
""")

payment_recorded = _signals.signal("payment_recorded", doc="""
The applicant's payment was recorded; the clock resumes and every deadline moved back by
the time waited. ``event.data``: ``{"paused_working_minutes": int, "old_due_at": iso,
"new_due_at": iso}``. ``sender.status`` is ``"in_processing"`` or
``"waiting_other_agency"``.
""")

result_issued = _signals.signal("result_issued", doc="""
The result is ready at the desk. ``event.data``: ``{"number": str, ...}`` (the plugin's
:class:`~motcua_sdk.types.IssuedResult` ``number``, ``title`` and ``data``).
``sender.status`` is ``"result_ready"``; ``sender.result`` holds the same data.
""")

returned = _signals.signal("returned", doc="""
The result was handed to the applicant. ``event.data``:
``{"collected_by": str, "method": "in_person"|"post"|"online"}``.
""")

refused = _signals.signal("refused", doc="""
The dossier was refused during processing; ``event.note`` holds the reason.
""")

withdrawn = _signals.signal("withdrawn", doc="""
The applicant withdrew the dossier; ``event.note`` holds the reason.
""")

overdue = _signals.signal("overdue", doc="""
The dossier passed its deadline (recorded once, by the periodic check);
``event.actor`` is ``None``.
""")

annotated = _signals.signal("annotated", doc="""
A plugin attached information to the dossier (:func:`motcua_sdk.services.annotate`),
for example the tax code the tax office gave a household business. ``event.data``:
``{"source": plugin name, "key": str, "value": JSON value, "label": str}``; the status
does not change. This is how plugins cooperate without importing each other.
""")

claimed = _signals.signal("claimed", doc="""
An officer of the current step took the dossier into their own queue (event kind
``claimed``, ``data`` empty). ``sender.holder_username`` is that officer; ``sender.status``
is ``"in_processing"`` or ``"waiting_other_agency"``.
""")

assigned = _signals.signal("assigned", doc="""
A leader of the holding unit gave the dossier to one of its officers.
``event.data``: ``{"to_account": username}``; ``event.actor`` is the leader,
``sender.holder_username`` the officer.
""")

forwarded = _signals.signal("forwarded", doc="""
The dossier went on to the next (specialist) step of its workflow.
``event.data``: ``{"from_step": int, "to_step": int}`` (step indexes from 0);
``event.note`` the officer's optional note. ``sender.holder_unit_code`` is the unit of
the new step.
""")

sent_back = _signals.signal("sent_back", doc="""
The dossier was returned to an earlier specialist step; ``event.note`` holds the
reason. ``event.data``: ``{"from_step": int, "to_step": int}``.
""")

submitted_for_approval = _signals.signal("submitted_for_approval", doc="""
The dossier was handed to the next step, a leader's approval. ``event.data``:
``{"from_step": int, "to_step": int}``; ``sender.status`` is ``"waiting_approval"``.
""")

approved = _signals.signal("approved", doc="""
A leader approved the dossier's step. ``event.data``: ``{"from_step": int,
"to_step": int | None}``: ``to_step`` is ``None`` after the last step, when the dossier
goes back to the desk (``sender.status`` ``"result_ready"``; :data:`result_issued`
follows when the result is recorded), otherwise the next step's index.
""")

apologized = _signals.signal("apologized", doc="""
An officer apologised for a delay and set a new appointment (event kind ``apology``;
the reason in ``event.note``). ``event.data``: ``{"new_due_at": iso, "old_due_at": iso}``
plus ``"original_due_at": iso`` on the first apology. ``sender.due_at`` is the new
appointment; the dossier still counts as late against the original deadline.
""")

# Event kind -> signal the core sends after recording it.
BY_EVENT_KIND = {
    "received": received,
    "back_entered": received,
    "transferred": transferred,
    "supplement_requested": supplement_requested,
    "supplemented": supplemented,
    "paused_for_payment": paused_for_payment,
    "payment_recorded": payment_recorded,
    "result_issued": result_issued,
    "returned": returned,
    "refused": refused,
    "withdrawn": withdrawn,
    "overdue": overdue,
    "annotated": annotated,
    "claimed": claimed,
    "assigned": assigned,
    "forwarded": forwarded,
    "sent_back": sent_back,
    "submitted_for_approval": submitted_for_approval,
    "approved": approved,
    "apology": apologized,
}

# The steps between the desk and the result: who holds the dossier, at which step.
ROUTING = (claimed, assigned, forwarded, sent_back, submitted_for_approval, approved,
           apologized)
LIFECYCLE = (received, transferred, supplement_requested, supplemented, paused_for_payment,
             payment_recorded, result_issued, returned, refused, withdrawn, overdue,
             *ROUTING)
# Signals about a dossier that are not steps of its life: cooperation between plugins.
COOPERATION = (annotated,)


def signal_for(kind: str):
    """The signal sent for event ``kind``, or ``None`` if that kind sends none."""
    return BY_EVENT_KIND.get(kind)
