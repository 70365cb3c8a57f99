"""Translating the messages the core's services raise.

A service such as the intake runs inside a web request (the desk, the API) and also from
the command line (``motcua demo``, ``motcua user create``). In a request its messages are
translated into the request's language, as every page is; on the command line, where there
is no request and so no chosen language, they stay in English, the language of the ICT
department's terminal and logs.
"""

from __future__ import annotations

from flask import has_app_context, has_request_context
from flask_babel import gettext
from markupsafe import Markup, escape


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


class Message:
    """A message kept as its English id and parameters, translated each time it is shown.

    For texts made before any request exists (a plugin's refusal reason at start-up): a
    page shows it in the page's language, a command in the deployment's, the log in
    English. In a page its parameters (file names, versions, exception texts) are data,
    marked ``translate="no"``; a parameter that is itself a :class:`Message` is text.
    """

    def __init__(self, message: str, **variables: object) -> None:
        self.message = message
        self.variables = variables

    def __str__(self) -> str:
        if has_app_context():
            return gettext(self.message, **self.variables)
        return self.message % self.variables if self.variables else self.message

    def __html__(self) -> Markup:
        if not has_app_context():
            return escape(str(self))
        text = Markup(escape(gettext(self.message)))
        if not self.variables:
            return text
        return text % {name: value if hasattr(value, "__html__") else Markup(
            '<span translate="no">%s</span>') % str(value)
            for name, value in self.variables.items()}

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.message, self.variables) == (other.message, other.variables)
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.message)

    def __repr__(self) -> str:
        return f"Message({self.message!r}, **{self.variables!r})"
