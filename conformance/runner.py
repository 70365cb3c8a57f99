"""Running the conformance suite on one installed plugin.

Order: the contract first (nothing else runs if the platform would refuse the plugin),
the catalogue and the migrations on their own databases, then a hub and a node instance
are built and the node is watched (writes to core tables, hook timings) while the
lifecycle, sync, lookup, screens, robustness and isolation checks drive it (the
safe_gets check reads what the screens check's GET requests wrote; sync_complete
follows sync and external_resources follows screens); the budget check reads the
timings; the results check issues more results with the clock moved; the personal_data
check reads what the whole run answered, logged and synced; the volume check then seeds
a province's worth of dossiers and times the hooks again. The platform check's baseline
(the modules' bindings) is taken before the contract check first imports the plugin; it
compares once every other check has run the plugin. The runtime check, last, reports
what the plugin's own code was seen doing (watched through audit hooks from before the
plugin is imported). The report lists the checks in the issue's order.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from motcua.conformance import audit
from motcua.conformance.checks import (
    budget,
    catalogue,
    contract,
    external_resources,
    injection,
    isolation,
    lifecycle,
    lookup,
    migrations,
    personal_data,
    platform,
    results,
    robustness,
    runtime,
    safe_gets,
    screens,
    sync,
    sync_complete,
    volume,
)
from motcua.conformance.context import RunContext
from motcua.conformance.escaping import watch_escaping
from motcua.conformance.instance import open_instance, serve
from motcua.conformance.leaks import plant, unplant, watch_run
from motcua.conformance.limits import limits
from motcua.conformance.raw_writes import watch_raw_writes
from motcua.conformance.results import (
    FAIL,
    NOT_APPLICABLE,
    NOT_RUN,
    PASS,
    CheckAborted,
    CheckResult,
)
from motcua.conformance.target import Target, find_target
from motcua.conformance.watch import time_hooks, watch_core_writes
from motcua.core.sync.hub import register_node
from motcua.core.testing import use_fast_password_hashing
from motcua_sdk.versioning import MOTCUA_API_VERSION

CHECKS = {"contract": contract, "catalogue": catalogue, "migrations": migrations,
          "lifecycle": lifecycle, "sync": sync, "sync_complete": sync_complete,
          "lookup": lookup, "isolation": isolation, "robustness": robustness,
          "screens": screens, "safe_gets": safe_gets, "external_resources": external_resources,
          "injection": injection, "platform": platform, "runtime": runtime, "budget": budget,
          "volume": volume, "results": results, "personal_data": personal_data}
RUN_ORDER = ("contract", "catalogue", "migrations", "lifecycle", "sync", "sync_complete",
             "lookup", "screens", "external_resources", "safe_gets", "robustness",
             "injection", "isolation", "budget", "results", "personal_data", "volume",
             "platform", "runtime")
NODE_ID = "conformance-node"
SYNC_BATCH_SIZE = 5


@dataclass
class Report:
    """The outcome of one run."""

    target: Target
    api_range: str | None
    databases: list[str]
    started_at: datetime
    seconds: float = 0.0
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True if no check failed or was left unrun."""
        return all(check.status in (PASS, NOT_APPLICABLE) for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": "motcua-conformance-report/1",
            "plugin": self.target.name, "distribution": self.target.distribution,
            "version": self.target.version, "entry_point": self.target.entry_point,
            "api_version": MOTCUA_API_VERSION, "api_range": self.api_range,
            "databases": self.databases, "started_at": self.started_at.isoformat(),
            "seconds": round(self.seconds, 2), "passed": self.passed,
            "checks": [check.as_json() for check in self.checks],
            # What a pass does not prove, in every report (and signed into a certificate).
            "limits": limits(),
        }


def run_conformance(plugin: str, *, postgres_admin_url: str | None = None,
                    workdir: Path | None = None) -> Report:
    """Run every check on the installed plugin ``plugin`` and return the report."""
    target = find_target(plugin)
    started, clock = datetime.now(UTC), time.perf_counter()
    databases = ["SQLite"] + (["PostgreSQL"] if postgres_admin_url else [])
    # The test accounts' passwords: real argon2id at its cheapest cost, as the platform's
    # own tests use. Production's cost is a quarter of a second per hash and per login,
    # a quarter of a run spent on the suite's own dozen accounts; the platform check still
    # sees a plugin rebinding the hasher (this binding is in its baseline).
    use_fast_password_hashing()
    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="motcua-conformance-")))
        ctx = RunContext(target=target, workdir=workdir, stack=stack,
                         postgres_admin_url=postgres_admin_url)
        if target.root is not None:
            # From before the plugin is imported: what its modules do at start-up counts.
            ctx.runtime = stack.enter_context(audit.watching(
                target.root, target.module_name.split(".")[0]))
            ctx.runtime.allow_url(postgres_admin_url)
        plant(ctx.leaks)
        stack.callback(unplant)
        results: dict[str, CheckResult] = {}
        # Before the contract check first imports the plugin.
        platform.before_plugin_loads(ctx)
        for name in RUN_ORDER:
            if name == "lifecycle" and ctx.manager is not None:
                _build_instances(ctx)
            results[name] = _run_check(name, ctx, results)
        api_range = None
        if ctx.manager is not None and plugin in ctx.manager.records:
            api_range = ctx.manager.records[plugin].api_range
    report = Report(target=target, api_range=api_range, databases=databases,
                    started_at=started, seconds=time.perf_counter() - clock,
                    checks=[results[name] for name in CHECKS])
    return report


def _run_check(name: str, ctx: RunContext, done: dict[str, CheckResult]) -> CheckResult:
    module = CHECKS[name]
    result = CheckResult(name=name, title=module.TITLE)
    if name != "contract" and done["contract"].status == FAIL:
        result.status = NOT_RUN
        result.failures.append("not run: the contract check failed, so the platform would "
                               "not load the plugin")
        return result
    started = time.perf_counter()
    try:
        module.run(ctx, result)
    except CheckAborted:
        pass
    except Exception as error:  # noqa: BLE001 - an unexpected crash is a failed check
        result.fail(f"the check crashed: {type(error).__name__}: {error}")
        result.data["traceback"] = traceback.format_exc(limit=12)
    result.seconds = time.perf_counter() - started
    return result


def _build_instances(ctx: RunContext) -> None:
    """A hub served over HTTP on loopback and a node pushing to it, both with the plugin."""
    name, stack, admin = ctx.target.name, ctx.stack, ctx.postgres_admin_url
    try:
        extra = {"also_enabled": ctx.works_with, **ctx.settings}
        if ctx.runtime is not None:
            for role in ("hub", "node"):
                ctx.runtime.allow_folder(ctx.workdir / role / "instance")
        hub = open_instance(stack, name, ctx.workdir / "hub", postgres_admin_url=admin,
                            role="hub", **extra)
        ctx.hub, ctx.hub_url = hub, serve(stack, hub.app)
        if ctx.runtime is not None:
            ctx.runtime.allow_url(ctx.hub_url)
        with hub.app.app_context():
            session = hub.database.session
            key = register_node(session, NODE_ID,
                                [unit.code for unit in hub.world.units.values()])
            session.commit()
            hub.database.remove()
        # Small batches: a run's dossiers go in several, so delivery across batches (the
        # plugins' data sealed ahead on the worker's second thread) is proven too.
        ctx.node = open_instance(stack, name, ctx.workdir / "node", postgres_admin_url=admin,
                                 role="node", sync_node_id=NODE_ID, sync_hub_url=ctx.hub_url,
                                 sync_key=key, sync_batch_size=SYNC_BATCH_SIZE, **extra)
    except Exception as error:  # noqa: BLE001 - every check that needs them says why
        ctx.node = None
        ctx.instance_error = f"{type(error).__name__}: {error}"
        return
    platform.after_start_up(ctx)
    watch_core_writes(ctx)
    watch_escaping(ctx)
    time_hooks(ctx)
    if ctx.runtime is not None:
        audit.watch_platform_modules()  # the ones the instances loaded too
        for instance in (ctx.hub, ctx.node):
            watch_raw_writes(ctx.runtime, instance.database.engine, ctx.stack)
    watch_run(ctx)
