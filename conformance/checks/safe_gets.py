"""Safe GETs: answering a GET changes no stored data (RFC 9110, section 9.2.1), so a
crawler, a prefetching browser or a link preview cannot change dossiers.

The screens check requests every route of the plugin with GET, anonymously and as each
role, taking a fingerprint of every table of the node's database before and after each
request (:mod:`motcua.conformance.fingerprint`, which names the only tables left out:
what the core itself writes on any read). This check reports what it saw. Flask answers
HEAD with the GET view, so HEAD is covered by the same requests.
"""

from __future__ import annotations

from motcua.conformance.context import RunContext
from motcua.conformance.fingerprint import READ_BOOKKEEPING
from motcua.conformance.results import CheckResult

TITLE = "Safe GETs: no page of the plugin changes stored data"


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    if not ctx.gets_watched:
        result.not_applicable("the plugin has no page answering GET")
        return
    for finding in ctx.get_writes:
        result.fail(f"{finding}: a GET must not change stored data")
    if not result.failures:
        result.ok(f"{ctx.gets_watched} GET request(s) of the plugin's routes wrote no row in "
                  f"any table (left out, written by the core itself: "
                  f"{', '.join(sorted(READ_BOOKKEEPING))})")
