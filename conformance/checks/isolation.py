"""Isolation: the plugin changes core tables only through the SDK (its own tables keep
their own names; none of its classes is mapped on a core table; no statement or flush of
its own writes one), and an exception raised in
any of its hooks is contained: the desk, the lookup, the menus and sync keep working and
nothing half-done is recorded."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import mapperlib

from motcua.conformance import driver
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.conformance.watch import foreign_core_mapping
from motcua.core.models import Base, Dossier
from motcua.core.sync.node import drain, node_from_settings

TITLE = "Isolation: core tables only through the SDK; hook exceptions contained"
FAULTY_HOOKS = ("motcua_public_fields", "motcua_sync_payload", "motcua_menu_items",
                "motcua_issue_result")


class InjectedFault(RuntimeError):
    """The exception the suite makes a plugin hook raise."""


def run(ctx: RunContext, result: CheckResult) -> None:
    core_tables = set(Base.metadata.tables)
    if ctx.manager is not None:
        for _plugin, metadata in ctx.manager.models():
            clashes = sorted(set(metadata.tables) & core_tables)
            if clashes:
                result.fail(f"its models declare core tables {', '.join(clashes)}")
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    shadows = _shadow_mappings(ctx, core_tables)
    if shadows:
        result.fail(f"its code maps its own classes on core tables: {'; '.join(shadows)} "
                    "(read dossiers through motcua_sdk's views, change them through its "
                    "services)")
    if ctx.core_writes:
        shown = "; ".join(dict.fromkeys(ctx.core_writes))
        result.fail(f"{len(ctx.core_writes)} write(s) to core tables by the plugin's own "
                    f"code, not through motcua_sdk.services: {shown[:600]}")
    else:
        result.ok("every write to a core table during the run came from the core or the "
                  "SDK's services")
    _faults(ctx, result)


def _shadow_mappings(ctx: RunContext, core_tables: set[str]) -> list[str]:
    """ORM classes of the plugin's package (imported by now: the lifecycle ran) mapped
    on a core table, whatever metadata they were declared with."""
    package = ctx.target.module_name.split(".")[0]
    found = []
    for registry in mapperlib._all_registries():  # noqa: SLF001 - every mapper of the process
        for mapper in registry.mappers:
            module = mapper.class_.__module__
            if module != package and not module.startswith(package + "."):
                continue
            shadow = foreign_core_mapping(mapper, core_tables)
            if shadow:
                found.append(shadow)
    return sorted(found)


@contextmanager
def _failing(ctx: RunContext):
    manager = ctx.node.manager
    saved = []

    def fail(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise InjectedFault("fault injected by the conformance suite")

    for name in FAULTY_HOOKS:
        for impl in getattr(manager._pm.hook, name).get_hookimpls():  # noqa: SLF001
            if impl.plugin_name == ctx.target.name:
                saved.append((impl, impl.function, name))
                impl.function = fail
    try:
        yield [hook for _impl, _function, hook in saved]
    finally:
        for impl, function, _hook in saved:
            impl.function = function


def _faults(ctx: RunContext, result: CheckResult) -> None:
    instance, name = ctx.node, ctx.target.name
    if not ctx.samples:
        return
    sample = ctx.samples[0]
    before = len(instance.manager.failures)
    with _failing(ctx) as broken:
        if not broken:
            result.ok("no per-dossier hook to break")
            return
        try:
            code = driver.take_in(instance, sample)
        except driver.DriveError as error:
            result.fail(f"with its hooks failing, the desk could not take a dossier in: {error}")
            return
        for role, path in (("anonymous", f"/tra-cuu/{code}"), ("specialist", "/department/"),
                           ("reception", "/")):
            answer = driver.call(instance, role, "GET", path)
            if answer.status != 200:
                result.fail(f"with its hooks failing: {answer}")
        try:
            issuer = driver.route_to_result(instance, code)
            _, version = driver.work_page(instance, code, issuer)
            answer = driver.call(instance, issuer, "POST",
                                 f"/department/dossiers/{code}/actions/issue_result",
                                 data={"expected_version": version or ""})
        except driver.DriveError as error:
            result.fail(f"with its hooks failing, routing failed: {error}")
            return
        status = _status(ctx, code)
        if answer.status >= 500:
            result.fail(f"a failing motcua_issue_result gave HTTP {answer.status}")
        elif status == "result_ready" and "motcua_issue_result" in broken:
            result.fail("a result was issued although the plugin's motcua_issue_result failed")
        node = node_from_settings(instance.app.config["MOTCUA"], instance.database)
        try:
            with instance.app.app_context():
                outcome = drain(node)
        finally:
            node.transport.close()
        if outcome.error:
            result.fail(f"with its hooks failing, sync stopped: {outcome.error}")
    reported = [f for f in list(instance.manager.failures)[before:] if f.plugin == name]
    hooks = sorted({failure.hook for failure in reported})
    result.ok(f"with {', '.join(broken)} raising: intake, lookup, menus, routing and sync "
              f"went on; the officer was refused the result ({status}, HTTP "
              f"{answer.status}); {len(reported)} failure(s) reported for "
              f"{', '.join(hooks) or 'no hook'}")


def _status(ctx: RunContext, code: str) -> str:
    with ctx.node.database.session_factory() as session:
        return session.scalar(select(Dossier.status).where(Dossier.code == code))
