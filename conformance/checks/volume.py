"""Volume: the plugin's hooks and signal receivers stay within the per-dossier budget
when the node holds a province's worth of dossiers and of the plugin's rows.

A hook that loads its whole table, counts every dossier or scans without an index is
fast with the run's ten dossiers and takes seconds with fifty thousand: the budget check,
timed on the run's own data, cannot see it. This check copies the run's dossiers and the
plugin's rows in the database (:mod:`motcua.conformance.volume`) to each size of
:data:`SIZES`, times the per-dossier hooks and the signal receivers again (as the budget
check does, 20 calls each) and reports how the cost grows.
It runs after the checks that count or compare rows: the copies would confuse them.
"""

from __future__ import annotations

from collections import defaultdict

from motcua.conformance.checks import budget
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.conformance.volume import Seeder, copies_needed

TITLE = "Volume: hooks and receivers within the budget with 50,000 dossiers"
SIZES = (5_000, 50_000)  # dossiers in the node: the last is a province's year


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    if not ctx.finished and not ctx.in_processing:
        # Nothing to copy: the lifecycle's finding says why (as results and sync_complete).
        result.not_applicable("no dossier of the plugin went through the lifecycle"
                              + ctx.intake_cause())
        return
    tables = [table for name, metadata in ctx.node.manager.models()
              if name == ctx.target.name for table in metadata.sorted_tables]
    engine = ctx.node.database.engine
    with engine.begin() as connection:
        seeder = Seeder(connection, tables)
        counts = seeder.grow(connection, 0)
    growth: dict[str, dict[int, float]] = defaultdict(dict)
    sizes = [counts["dossiers"]]
    _measure(ctx, sizes[0], growth)
    for size in SIZES:
        with engine.begin() as connection:
            counts = seeder.grow(connection, copies_needed(sizes[0], size))
        sizes.append(counts["dossiers"])
        _measure(ctx, sizes[-1], growth)
    result.data["rows"] = counts
    result.data["growth_ms"] = {hook: {str(size): ms for size, ms in by_size.items()}
                                for hook, by_size in growth.items()}
    result.ok("seeded: " + ", ".join(f"{name} {rows:,}" for name, rows in counts.items()))
    largest = sizes[-1]
    for hook, by_size in sorted(growth.items()):
        line = f"{hook}: p95 " + ", ".join(f"{ms:.2f} ms with {size:,} dossiers"
                                           for size, ms in by_size.items())
        line += f" (limit {budget.PER_DOSSIER_MS:g} ms)"
        if by_size.get(largest, 0.0) > budget.PER_DOSSIER_MS:
            result.fail(line)
        else:
            result.ok(line)
    if not growth:
        result.not_applicable("the plugin has no per-dossier hook nor signal receiver")


def _measure(ctx: RunContext, size: int, growth: dict[str, dict[int, float]]) -> None:
    """Time the per-dossier hooks and receivers (20 calls each, as the budget check
    does) with ``size`` dossiers in the node, into ``growth``."""
    # The timed hooks keep appending to the run's lists: what is new is this volume's.
    before = {hook: len(samples) for hook, samples in ctx.timings.items()
              if budget.per_dossier(hook)}
    budget.repeat(ctx, start_up=False, afresh=True)
    for hook, count in before.items():
        samples = ctx.timings[hook][count:]
        if samples:
            growth[hook][size] = round(budget.p95(samples) * 1000, 2)
