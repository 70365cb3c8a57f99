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
