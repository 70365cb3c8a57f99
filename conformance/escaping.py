"""Watching every HTML answer of the node for the generated dossiers' canaries shown
unescaped (:mod:`motcua.conformance.generated`).

A canary is text a dossier carries: markup (``<i data-canary="c0nf">subject3</i>'"``)
in the specialist data's strings, quotes and an ampersand in the applicant's name and
address (the core refuses markup there). Escaped, as Jinja does, none of it survives
verbatim. Found verbatim in an HTML answer, the text was written into the page as
markup: a stored cross-site scripting hole for whoever opens it.

Only HTML answers are read: a JSON answer or an SMS carries the text as data (a page
writing that data with ``|safe`` is itself an HTML answer and is caught there), and a
PDF has no script to run.
"""

from __future__ import annotations

import re

from flask import request, request_finished

from motcua.conformance.context import RunContext
from motcua.conformance.generated import (
    APPLICANT_CANARY_ADDRESS,
    APPLICANT_CANARY_NAME,
    CANARY_MARK,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
MARKUP_CANARY = re.compile(re.escape(CANARY_MARK) + r'">([^<]*)</i>')
QUOTED_CANARY = CANARY_MARK.removeprefix("<i ")  # data-canary="c0nf
APPLICANT_CANARIES = {"the applicant's name": APPLICANT_CANARY_NAME,
                      "the applicant's address": APPLICANT_CANARY_ADDRESS}
MAX_FINDINGS = 40


def unescaped_canaries(page: str) -> list[str]:
    """What of the canaries ``page`` (HTML) shows verbatim: the fields by name."""
    found = [f"specialist field {tag}" for tag in MARKUP_CANARY.findall(page)]
    if not found and QUOTED_CANARY in page:
        # Brackets escaped by hand but not the quotes: enough to leave an attribute.
        found.append("a specialist field's quotes")
    return found + [what for what, text in APPLICANT_CANARIES.items() if text in page]


def watch_escaping(ctx: RunContext) -> None:
    """Record in ``ctx.unescaped`` every HTML answer of the node showing a canary
    verbatim, whichever check made the request (the lifecycle's work pages, plugin
    pages and printable results, the lookup channels, the injection check's pages)."""
    app = ctx.node.app
    seen: set[str] = set()

    def _finished(_sender, response, **_extra) -> None:  # noqa: ANN001
        if response.mimetype not in HTML_TYPES or response.direct_passthrough \
                or response.is_streamed or len(ctx.unescaped) >= MAX_FINDINGS:
            return
        fields = unescaped_canaries(response.get_data(as_text=True))
        where = f"{request.method} {request.path} (HTTP {response.status_code})"
        for what in fields:
            finding = f"{where} shows {what} unescaped"
            if finding not in seen:
                seen.add(finding)
                ctx.unescaped.append(finding)

    request_finished.connect(_finished, app)
    ctx.stack.callback(request_finished.disconnect, _finished, app)
