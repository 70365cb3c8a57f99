"""Contract: an installed entry point, a declared and compatible API range, hooks the SDK
defines answering what they must, and no import of the core."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Blueprint
from sqlalchemy import MetaData

from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core.plugin_manager import PluginManager, discovery, purity
from motcua_sdk.hookspecs import HOOK_NAMES
from motcua_sdk.types import AccountView, MenuItem, ProcedureSpec, Report, SampleDossier
from motcua_sdk.versioning import MOTCUA_API_VERSION

TITLE = "Contract: entry point, API range, hooks, SDK-only imports"
# What each collecting hook's items must be.
ITEM_TYPES = {"motcua_procedures": ProcedureSpec, "motcua_blueprints": Blueprint,
              "motcua_reports": Report, "motcua_cli_commands": click.Command,
              "motcua_sample_dossiers": SampleDossier, "motcua_menu_items": MenuItem}
PROBE_ACCOUNT = AccountView(username="conformance", full_name="Conformance", unit_code="H99",
                            roles=(("specialist", "H99"), ("leader", "H99")))


def run(ctx: RunContext, result: CheckResult) -> None:
    target = ctx.target
    result.ok(f"entry point {target.name} = {target.entry_point} in group "
              f"{discovery.ENTRY_POINT_GROUP}")
    if target.distribution and target.version:
        result.ok(f"distribution {target.distribution} {target.version}")
    else:
        result.fail("the entry point belongs to no installed distribution with a version")
    problem = discovery.name_problem(target.name)
    if problem:
        result.fail(problem)
    if target.root is None:
        result.abort(f"the source of module {target.module_name} cannot be found")
    imports = purity.core_imports(target.root)
    if imports:
        result.fail(f"imports core internals instead of motcua_sdk: {'; '.join(imports[:5])}")
    else:
        files = len(purity.python_files(target.root))
        result.ok(f"{files} Python files import motcua_sdk, never motcua.core")
    manager = PluginManager((target.name,))
    manager.load_installed()
    record = manager.records.get(target.name)
    if record is None or not record.enabled:
        result.abort(f"the platform refuses it: {record.reason if record else 'not found'}")
    result.ok(f"declares MOTCUA_API {record.api_range!r}, which admits the platform's "
              f"API {MOTCUA_API_VERSION}")
    _check_declarations(ctx, record.plugin, result)
    _check_answers(manager, target.name, result, ctx.timings, ctx.works_with)
    if result.status != "fail":
        ctx.manager = manager


def _check_declarations(ctx: RunContext, plugin, result: CheckResult) -> None:  # noqa: ANN001
    """MOTCUA_WORKS_WITH (installed plugins it cooperates with through SDK signals) and
    MOTCUA_CONFORMANCE_SETTINGS (how to configure it in the suite's test province)."""
    works_with = getattr(plugin, "MOTCUA_WORKS_WITH", ())
    settings = getattr(plugin, "MOTCUA_CONFORMANCE_SETTINGS", {})
    if not isinstance(works_with, tuple | list) or not all(
            isinstance(name, str) for name in works_with):
        result.fail(f"MOTCUA_WORKS_WITH must be a tuple of plugin names, not {works_with!r}")
        works_with = ()
    if not isinstance(settings, dict):
        result.fail(f"MOTCUA_CONFORMANCE_SETTINGS must be a dict, not {settings!r}")
        settings = {}
    installed = {ep.name for ep in discovery.installed_entry_points()}
    for other in works_with:
        if other not in installed:
            result.fail(f"works with plugin {other!r}, which is not installed")
    ctx.works_with, ctx.settings = tuple(works_with), dict(settings)
    if works_with:
        result.ok(f"works with {', '.join(works_with)} (enabled beside it in the instances)")


def _check_answers(manager: PluginManager, name: str, result: CheckResult,
                   timings: dict[str, list[float]], works_with: tuple[str, ...]) -> None:
    implemented = [hook for hook in HOOK_NAMES if manager.implements(name, hook)]
    result.ok(f"implements {len(implemented)} SDK hooks: {', '.join(implemented)}")
    # A plugin that handles no procedure of its own must say which plugins' dossiers
    # it works on, and bring samples of those.
    required = ("motcua_sample_dossiers",) if works_with else (
        "motcua_procedures", "motcua_sample_dossiers")
    for hook in required:
        if hook not in implemented:
            result.fail(f"does not implement {hook}: the suite has nothing to exercise")
    before = len(manager.failures)
    for hook, kind in ITEM_TYPES.items():
        if hook not in implemented:
            continue
        arguments = {"account": PROBE_ACCOUNT} if hook == "motcua_menu_items" else {}
        started = time.perf_counter()
        answers = manager.call_each(hook, only=name, **arguments)
        timings[hook].append(time.perf_counter() - started)
        for _name, answer in answers:
            if not isinstance(answer, list | tuple):
                result.fail(f"{hook} returned {type(answer).__name__}, not a list")
                continue
            wrong = [type(item).__name__ for item in answer if not isinstance(item, kind)]
            if wrong:
                result.fail(f"{hook} returned {', '.join(wrong)} where {kind.__name__} "
                            "items are expected")
    if "motcua_models" in implemented:
        for _name, answer in manager.call_each("motcua_models", only=name):
            if not isinstance(answer, MetaData):
                result.fail(f"motcua_models returned {type(answer).__name__}, not MetaData")
    if "motcua_migrations" in implemented:
        for _name, answer in manager.call_each("motcua_migrations", only=name):
            if not isinstance(answer, str | Path) or not Path(answer).is_dir():
                result.fail(f"motcua_migrations returned {answer!r}, not a folder")
    for failure in list(manager.failures)[before:]:
        result.fail(f"{failure.hook} raised {failure.message}")
