"""Migrations: the plugin's Alembic branch upgrades an empty database to exactly its
models, leaves the core's tables as the core's migrations made them (columns, indexes,
constraints, triggers), downgrades to nothing of its own, and upgrades again, on each
database given."""

from __future__ import annotations

from contextlib import ExitStack

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect

from motcua.conformance.context import RunContext
from motcua.conformance.core_schema import core_schema, differences
from motcua.conformance.instance import database_url
from motcua.conformance.results import CheckResult
from motcua.core import migrate
from motcua.core.db import make_engine

TITLE = "Migrations: upgrade, downgrade, upgrade again"
ALEMBIC_VERSION_LENGTH = 32  # alembic_version.version_num is VARCHAR(32)


def run(ctx: RunContext, result: CheckResult) -> None:
    name = ctx.target.name
    locations = ctx.manager.version_locations()
    metadata = MetaData()
    for _plugin, answer in ctx.manager.models():
        metadata = answer
    tables = set(metadata.tables)
    if not locations:
        if tables:
            result.abort(f"declares tables {', '.join(sorted(tables))} but no migration branch")
        result.not_applicable("no tables and no migration branch")
        return
    revisions = _check_branch(name, locations, result)
    backends = [("SQLite", None)]
    if ctx.postgres_admin_url:
        backends.append(("PostgreSQL", ctx.postgres_admin_url))
    for label, admin_url in backends:
        with ExitStack() as stack:
            url = database_url(stack, ctx.workdir / f"migrations-{label.lower()}", admin_url)
            engine = make_engine(url)
            stack.callback(engine.dispose)
            _cycle(engine, label, f"{name}@-{revisions}", locations, metadata, result)


def _check_branch(name: str, locations: list[str], result: CheckResult) -> int:
    """Check the branch's label and root; the number of its revisions."""
    scripts = ScriptDirectory.from_config(migrate._scripts_config(locations))  # noqa: SLF001
    core_heads = migrate.script_heads([])
    ours = [rev for rev in scripts.walk_revisions()
            if any(str(rev.path).startswith(location) for location in locations)]
    for rev in ours:
        if len(rev.revision) > ALEMBIC_VERSION_LENGTH:
            result.fail(f"revision id {rev.revision!r} is longer than "
                        f"{ALEMBIC_VERSION_LENGTH} characters: alembic_version cannot hold "
                        "it (PostgreSQL refuses it)")
    labelled = [rev for rev in ours if name in (rev.branch_labels or ())]
    if not labelled:
        result.fail(f"no revision of its branch carries the branch label {name!r}")
    roots = [rev for rev in ours if not any(
        parent in {r.revision for r in ours} for parent in _parents(rev))]
    for root in roots:
        if not set(_parents(root)) & (core_heads | _core_revisions()):
            result.fail(f"revision {root.revision} does not start from a core revision "
                        f"(down_revision {root.down_revision!r})")
    result.ok(f"branch {name}: {len(ours)} revision(s) in {', '.join(locations)}")
    return len(ours)


def _parents(revision) -> tuple[str, ...]:  # noqa: ANN001
    down = revision.down_revision
    return tuple(down) if isinstance(down, tuple | list) else ((down,) if down else ())


def _core_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(migrate._scripts_config([]))  # noqa: SLF001
    return {rev.revision for rev in scripts.walk_revisions()}


def _tables(engine) -> set[str]:  # noqa: ANN001
    return set(inspect(engine).get_table_names())


def _cycle(engine, label: str, down_to: str, locations: list[str], metadata: MetaData,  # noqa: ANN001
           result: CheckResult) -> None:
    """Upgrade, downgrade the plugin's branch alone (``down_to``: ``<branch>@-<its
    revisions>``, which leaves the core where it is), upgrade again."""
    expected = set(metadata.tables)
    try:
        migrate.upgrade(engine, extra_version_locations=[])
        core, core_before = _tables(engine), core_schema(engine)
        migrate.upgrade(engine, extra_version_locations=locations)
    except Exception as error:  # noqa: BLE001 - a failing migration is the finding
        result.fail(f"{label}: upgrade failed: {type(error).__name__}: {error}")
        return
    _compare_core(engine, core_before, label, "its branch", result)
    created = _tables(engine) - core
    if created != expected:
        result.fail(f"{label}: upgrade created {sorted(created)}, the models declare "
                    f"{sorted(expected)}")
    differences = _differences(engine, metadata)
    if differences:
        result.fail(f"{label}: the database differs from the models after upgrade: "
                    f"{differences[:5]}")
    else:
        result.ok(f"{label}: upgrade created {len(created)} tables matching the models")
    try:
        migrate.downgrade(engine, down_to, extra_version_locations=locations)
    except Exception as error:  # noqa: BLE001
        result.fail(f"{label}: downgrade ({down_to}) failed: "
                    f"{type(error).__name__}: {error}")
        return
    _compare_core(engine, core_before, label, "its downgrade", result)
    left = _tables(engine) - core
    if left:
        result.fail(f"{label}: downgrade left tables {sorted(left)} behind")
    elif _tables(engine) != core:
        result.fail(f"{label}: downgrade removed core tables "
                    f"{sorted(core - _tables(engine))}")
    else:
        result.ok(f"{label}: downgrade removed its tables and kept the core's")
    try:
        migrate.upgrade(engine, extra_version_locations=locations)
    except Exception as error:  # noqa: BLE001
        result.fail(f"{label}: upgrade after downgrade failed: {type(error).__name__}: {error}")
        return
    if _tables(engine) - core != expected:
        result.fail(f"{label}: upgrade after downgrade created {sorted(_tables(engine) - core)}")
    else:
        result.ok(f"{label}: upgrade again recreated them")


def _compare_core(engine, before: dict[str, str], label: str, stage: str,  # noqa: ANN001
                  result: CheckResult) -> None:
    """Fail naming the changes if the core's schema differs from ``before`` (what the
    core's migrations made) after ``stage``: DDL on the core's tables is not a plugin's
    to ship, whatever the core's models say."""
    changes = differences(before, core_schema(engine))
    if changes:
        more = f" (and {len(changes) - 8} more)" if len(changes) > 8 else ""
        result.fail(f"{label}: {stage} changes the core's tables: "
                    f"{'; '.join(changes[:8])}{more}")
    else:
        result.ok(f"{label}: after {stage}, the core's tables are as the core's migrations "
                  f"made them ({len(before)} columns, indexes, constraints and triggers)")


def _differences(engine, metadata: MetaData) -> list[str]:  # noqa: ANN001
    ours = set(metadata.tables)
    found = []
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        for diff in compare_metadata(context, metadata):
            parts = diff if isinstance(diff, list) else [diff]
            for part in parts:
                text = repr(part)
                if any(table in text for table in ours):
                    found.append(text[:200])
    return found
