"""Run time: what the plugin's own code did while the suite ran it, from its import
to the last check (network, files, code run, platform internals, database
connections), as Python's audit hooks saw it (:mod:`motcua.conformance.audit`)."""

from __future__ import annotations

from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult

TITLE = "Run time: no network, no files outside its instance folder, no code of its own making"
SHOWN = 20  # findings listed in the report; the count says how many there were


def run(ctx: RunContext, result: CheckResult) -> None:
    watch = ctx.runtime
    if watch is None:
        result.abort("the plugin's source folder is unknown, so its frames cannot be told "
                     "apart from the platform's")
    if watch.imported_before:
        result.ok("its package was imported before the run began, in the same process: "
                  "what its modules do at import time was not watched")
    findings = list(watch.findings)
    for finding in findings[:SHOWN]:
        result.fail(finding)
    if len(findings) > SHOWN:
        result.fail(f"... and {len(findings) - SHOWN} more of the same kinds")
    result.data["events"] = watch.events_seen
    result.data["findings"] = len(findings)
    if ctx.node is None:
        result.ok(f"watched only its import and the checks before the instances, which "
                  f"could not be built: {ctx.instance_error}")
    if not findings:
        result.ok(f"{watch.events_seen} audit event(s) watched from its import on: no "
                  "network but the suite's hub and database, no file written outside "
                  "its instance folder, no code compiled or run by it, no look-up of "
                  "the platform's modules, no database connection of its own")
