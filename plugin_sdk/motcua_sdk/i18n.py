"""Translating a plugin's messages into the page's language.

A plugin's templates use ``_()`` as the core's do; its Python code (a flash message, a
form error) uses :func:`gettext`. Both look the message up in the core's catalogue and in
the plugin's own (the folder the plugin names in ``MOTCUA_TRANSLATIONS``), in the language
of the current request; outside a request (a command, a test without one) the English
message is returned, with its ``%(name)s`` placeholders filled in.
"""

from __future__ import annotations

from flask import has_request_context


def gettext(message: str, **variables: object) -> str:
    """``message`` translated for the current request, with ``%(name)s`` filled in."""
    if has_request_context():
        try:
            from flask_babel import gettext as translate
        except ImportError:  # a host without translations: English
            pass
        else:
            return translate(message, **variables)
    return message % variables if variables else message


_ = gettext
