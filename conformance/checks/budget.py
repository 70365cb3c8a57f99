"""Budget: the plugin's hooks are fast enough for a desk at rush hour.

Per-dossier hooks run inside officers' requests and public lookups; start-up hooks run
once per process. The limits (p95, in milliseconds) are documented in
``docs/conformance.md``; the timings are those of the whole run, plus repeated calls of
the per-dossier hooks on the samples so each has enough calls to take a p95 of.
"""

from __future__ import annotations

import statistics

from sqlalchemy import select

from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core.models import Dossier
from motcua.core.plugin_manager.dossiers import public_fields, sync_payload

TITLE = "Budget: hook latency p95 under the documented limits"
PER_DOSSIER_MS = 50.0
START_UP_MS = 500.0
PER_DOSSIER_HOOKS = {"motcua_public_fields", "motcua_sync_payload", "motcua_menu_items",
                     "motcua_issue_result"}
REPEATS = 20


def p95(samples: list[float]) -> float:
    """The 95th percentile of ``samples`` (the largest value below 20 samples)."""
    if len(samples) < 20:
        return max(samples)
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    _repeat(ctx)
    if not ctx.timings:
        result.not_applicable("no hook of the plugin was called")
        return
    for hook, samples in sorted(ctx.timings.items()):
        if not samples:
            continue
        limit = PER_DOSSIER_MS if hook in PER_DOSSIER_HOOKS else START_UP_MS
        value = p95(samples) * 1000
        result.data[hook] = {"calls": len(samples), "p95_ms": round(value, 2),
                             "limit_ms": limit}
        line = f"{hook}: p95 {value:.2f} ms over {len(samples)} calls (limit {limit:g} ms)"
        if value > limit:
            result.fail(line)
        else:
            result.ok(line)


def _repeat(ctx: RunContext) -> None:
    codes = list(ctx.finished.values()) + ctx.in_processing
    app = ctx.node.app
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            dossiers = list(database.session.scalars(select(Dossier).where(
                Dossier.code.in_(codes))))
            for _round in range(REPEATS):
                for dossier in dossiers:
                    public_fields(dossier)
                    sync_payload(ctx.target.name, dossier)
        finally:
            database.remove()
