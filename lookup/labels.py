"""Citizen-facing labels for statuses and event kinds (msgids in English, shown in Vietnamese)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from motcua.core.web.helpers import STATUS_LABELS

# One status vocabulary for the desk and every citizen channel, so they cannot drift.

# Event kinds are open (plugins add their own); unknown kinds fall back to the status label.
EVENT_LABELS = {
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
}


# Translated labels per (language, table, key): every lookup on every channel needs a few,
# and a gettext call costs more than the rest of building the answer (bench/lookup_http.py).
_translated: dict[tuple[str, str, str], str] = {}


def _label(table: dict, name: str, key: str) -> str | None:
    label = table.get(key)
    if label is None:
        return None
    cache_key = (str(get_locale()), name, key)
    text = _translated.get(cache_key)
    if text is None:
        text = _translated[cache_key] = str(label)
    return text


def status_label(status: str) -> str:
    """The localized label of ``status`` (the code itself if unknown)."""
    return _label(STATUS_LABELS, "status", status) or status


def event_label(kind: str, to_status: str | None) -> str:
    """The localized label of an event kind, else of the status it led to."""
    label = _label(EVENT_LABELS, "event", kind)
    if label is not None:
        return label
    return status_label(to_status) if to_status else kind.replace("_", " ")
