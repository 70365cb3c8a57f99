"""Citizen-facing labels for statuses and event kinds (msgids in English, shown in Vietnamese).

The event kinds' wording lives with every other channel's in
:mod:`motcua.core.event_labels` (one function names an event everywhere); the citizen
channels ask it for the public vocabulary.
"""

from __future__ import annotations

from flask_babel import get_locale

from motcua.core.event_labels import event_label as _event_label
from motcua.core.web.helpers import STATUS_LABELS

# One status vocabulary for the desk and every citizen channel, so they cannot drift.

# Translated labels per (language, key): every lookup on every channel needs a few, and a
# gettext call costs more than the rest of building the answer (bench/lookup_http.py).
_translated: dict[tuple[str, str], str] = {}


def status_label(status: str) -> str:
    """The localized label of ``status`` (the code itself if unknown)."""
    label = STATUS_LABELS.get(status)
    if label is None:
        return status
    cache_key = (str(get_locale()), status)
    text = _translated.get(cache_key)
    if text is None:
        text = _translated[cache_key] = str(label)
    return text


def event_label(kind: str, to_status: str | None) -> str:
    """The localized citizen-facing label of an event kind, else of the status it led to."""
    return _event_label(kind, to_status, public=True)
