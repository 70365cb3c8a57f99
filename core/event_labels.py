"""What people read for a dossier event's kind, on every page, slip, report and export.

One function, :func:`event_label`, names an event kind in the page's language: the staff
pages (the desk's dossier page, the department's work page) in the officers' words, the
citizen channels (the public lookup, the hub's read model) in the applicant's. Event kinds
are open: a plugin names the kinds it records in ``MOTCUA_EVENT_LABELS`` (``{kind:
English label}``, translated through its catalogue), so a kind is never shown as its
identifier. A kind nobody labelled is named by the status it led to, else as words.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from motcua.core.web.helpers import STATUS_LABELS

# The officers' vocabulary: every kind the core records.
STAFF_LABELS = {
    "received": _l("Received at the desk"),
    "back_entered": _l("Back-entered (received on paper)"),
    "refused_at_desk": _l("Refused at the desk"),
    "claimed": _l("Claimed"),
    "assigned": _l("Assigned"),
    "forwarded": _l("Forwarded"),
    "sent_back": _l("Sent back"),
    "transferred": _l("Transferred"),
    "submitted_for_approval": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "supplement_requested": _l("Supplement requested"),
    "supplemented": _l("Supplemented"),
    "apology": _l("Apology and new appointment"),
    "paused_for_payment": _l("Waiting for payment of financial obligations"),
    "payment_recorded": _l("Payment of financial obligations recorded"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
    "result_issued": _l("Result issued"),
    "returned": _l("Returned to applicant"),
    "overdue": _l("Overdue"),
    "annotated": _l("Information from another agency"),
    "specialist_data_updated": _l("Specialist data updated"),
    "file_attached": _l("File attached"),
    "fee_paid": _l("Fee paid"),
}

# The citizen's vocabulary (lookup, kiosk, hub): internal steps (claims, forwards) are
# named by the status they leave the dossier in.
PUBLIC_LABELS = {
    "received": _l("Dossier received"),
    "back_entered": _l("Dossier received (entered after an outage)"),
    "refused_at_desk": _l("Refused at the desk"),
    "transferred": _l("Transferred"),
    "supplement_requested": _l("Supplement requested"),
    "supplemented": _l("Supplement received"),
    "paused_for_payment": _l("Waiting for payment of financial obligations"),
    "payment_recorded": _l("Payment of financial obligations recorded"),
    "sent_to_other_agency": _l("Sent to another agency"),
    "submitted_for_approval": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "result_issued": _l("Result issued"),
    "returned": _l("Result returned to applicant"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
    "annotated": _l("Information from another agency"),
    "fee_paid": _l("Fee paid"),
}

# Translated labels per (language, audience, kind): the lookup names a few per answer on
# every channel, and a gettext call costs more than the rest of the answer
# (bench/lookup_http.py). Plugin labels are not cached: plugins differ between apps.
_translated: dict[tuple[str, bool, str], str] = {}


def plugin_event_labels() -> dict[str, Any]:
    """``{kind: label}`` the enabled plugins declare (``MOTCUA_EVENT_LABELS``); the first
    plugin to name a kind keeps it, and a plugin cannot rename a core kind."""
    manager = current_app.extensions.get("motcua.plugins") if has_app_context() else None
    if manager is None:
        return {}
    labels: dict[str, Any] = {}
    for record in manager.enabled():
        declared = getattr(record.plugin, "MOTCUA_EVENT_LABELS", None)
        if not isinstance(declared, dict):
            continue
        for kind, label in declared.items():
            if isinstance(kind, str) and label and kind not in STAFF_LABELS:
                labels.setdefault(kind, label)
    return labels


def _translate(label: Any) -> str:
    """A plugin's label in the page's language: plain English text goes through the
    catalogues (the plugins' join the core's); a lazy string translates itself."""
    if isinstance(label, str):
        from motcua.core.messages import _

        return _(label)
    return str(label)


def event_label(kind: str, to_status: str | None = None, *, public: bool = False) -> str:
    """The label of event ``kind`` in the current language, for staff pages, or for the
    citizen channels with ``public=True``. A kind nobody labelled is named by the status
    ``to_status`` it led to, else by its words (``"some_kind"`` -> ``"some kind"``)."""
    table = PUBLIC_LABELS if public else STAFF_LABELS
    label = table.get(kind)
    if label is not None:
        cache_key = (str(get_locale()) if has_app_context() else "", public, kind)
        text = _translated.get(cache_key)
        if text is None:
            text = _translated[cache_key] = str(label)
        return text
    declared = plugin_event_labels().get(kind)
    if declared is not None:
        return _translate(declared)
    if to_status and to_status in STATUS_LABELS:
        return str(STATUS_LABELS[to_status])
    return kind.replace("_", " ")
