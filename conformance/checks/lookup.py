"""Lookup consistency: for every state the lifecycle reached, the website, the JSON API,
the kiosk and SMS tell the citizen the same thing, with the plugin's public fields (the
personal_data check looks for the applicant's data in them)."""

from __future__ import annotations

from motcua.conformance.channels import as_sms
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult

TITLE = "Lookup consistency: website, JSON API, kiosk and SMS agree"
CHANNEL_ENDPOINTS = ("lookup.show", "lookup.api", "kiosk.lookup_page", "sms.inbound")


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    endpoints = set(ctx.node.app.view_functions)
    missing = [name for name in CHANNEL_ENDPOINTS if name not in endpoints]
    if missing:
        result.not_applicable(f"channels not installed here: {', '.join(missing)}")
        return
    if not ctx.snapshots:
        result.abort("the lifecycle reached no state to look up" + ctx.intake_cause())
    generated = {id(ctx.samples[index]): label for index, label in ctx.generated.items()}
    for snapshot in ctx.snapshots:
        _compare(snapshot, result, generated.get(id(snapshot.sample)))
    states = sorted({snapshot.state for snapshot in ctx.snapshots})
    if not result.failures:
        result.ok(f"{len(ctx.snapshots)} lookups in states {', '.join(states)}: the four "
                  "channels agree on status, appointment and lateness; public fields as the "
                  "plugin gives them")


def _compare(snapshot, result: CheckResult, generated: str | None = None) -> None:  # noqa: ANN001
    where = f"{snapshot.code} ({snapshot.state}" + (
        f", generated: {generated})" if generated else ")")
    channels = snapshot.channels
    broken = {name: facts["http_status"] for name, facts in channels.items()
              if "http_status" in facts}
    if broken:
        result.fail(f"{where}: channels answered {broken}")
        return
    website = channels["website"]
    if website["status"] is None or website["due"] is None:
        result.fail(f"{where}: the website shows no status or appointment")
        return
    for name in ("api", "kiosk"):
        if channels[name] != website:
            result.fail(f"{where}: {name} says {channels[name]}, the website {website}")
    if channels["sms"] != as_sms(website):
        result.fail(f"{where}: SMS says {channels['sms']}, the website {as_sms(website)}")
    if website["public"] != snapshot.hook_fields:
        result.fail(f"{where}: the website shows public fields {website['public']}, the "
                    f"plugin gives {snapshot.hook_fields}")
    for key in snapshot.sample.expect_public:
        if key not in snapshot.hook_fields:
            result.fail(f"{where}: public field {key!r} promised by the sample is missing")
