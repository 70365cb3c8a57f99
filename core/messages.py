"""Translating the messages the core's services raise.

A service such as the intake runs inside a web request (the desk, the API) and also from
the command line (``motcua demo``, ``motcua user create``). In a request its messages are
translated into the request's language, as every page is; on the command line, where there
is no request and so no chosen language, they stay in English, the language of the ICT
department's terminal and logs.
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **variables: object) -> str:
    """``message`` translated for the current request, with ``%(name)s`` filled in."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


def N_(message: str) -> str:  # noqa: N802
    """Mark ``message`` for the catalogue; it is translated later, where it is shown."""
    return message


# What a page calls the fields the services name in their messages, so a message says
# "Lý do là bắt buộc." and not "reason là bắt buộc."; the error's ``field`` keeps the
# identifier for API clients and for placing the message next to its input.
FIELD_LABELS = {
    "reason": N_("Reason"),
    "note": N_("Note"),
    "collected_by": N_("Collected by (name)"),
    "notice_number": N_("Tax notice number"),
    "missing": N_("Missing or to be completed"),
}


def field_label(field: str) -> str:
    """The translated label of a field identifier; ``missing.3`` is labelled as
    ``missing``. An identifier without a label stays as it is."""
    label = FIELD_LABELS.get(field.split(".")[0])
    return _(label) if label is not None else field
