"""Platform: the plugin changes nothing of the platform outside its own pages.

Compared (:mod:`motcua.conformance.platform_diff`):

- the node application with the plugin, as built and again after every other check ran,
  with a bare application built from the same settings without it (only the plugins it
  works with enabled): URL map, view functions, request hooks, error handlers, context
  processors, template globals, filters and tests, configuration, extensions and the
  application's attributes. Only additions attributed to the plugin pass (see
  :func:`~motcua.conformance.platform_diff.unattributed`);
- the bindings of the platform's, the SDK's and the security libraries' modules taken
  before the plugin was first imported (the runner calls :func:`before_plugin_loads`
  before the contract check) with those after the instances were built and after the
  run: any rebinding fails, whoever's module it is (the plugin's own package excepted);
- negative probes (:mod:`motcua.conformance.security_probes`): wrong passwords and
  forms posted without their CSRF token are still refused with the plugin loaded.
"""

from __future__ import annotations

import dataclasses
import secrets
import sys

from motcua.conformance import platform_diff, security_probes
from motcua.conformance.context import RunContext
from motcua.conformance.csrf_client import TokenClient
from motcua.conformance.instance import RUN_CONFIG, SUITE_SETTINGS
from motcua.conformance.results import CheckResult
from motcua.core import create_app

TITLE = "Platform: nothing of the platform changed outside the plugin's own pages"
BEFORE = "before the plugin was loaded"
EARLY = "imported before the run"


def before_plugin_loads(ctx: RunContext) -> None:
    """Snapshot the module bindings before anything imports the plugin. A throwaway
    application is built first, so every module the platform loads is in the snapshot
    (a module first imported after it could not be compared)."""
    package = _own_packages(ctx)[0]
    if package in sys.modules:
        ctx.platform[EARLY] = (f"the plugin's package {package} was already imported when "
                               "the run began, so what it changed while being imported "
                               "cannot be compared: run the suite with `motcua conformance "
                               "run`, which imports no plugin before it starts")
    folder = ctx.workdir / "platform-baseline"
    app = create_app(instance_path=folder / "instance",
                     database_url=f"sqlite:///{folder / 'unused.sqlite3'}",
                     secret_key=secrets.token_hex(16), plugins=(), require_certified=False,
                     **SUITE_SETTINGS)
    app.extensions["motcua.db"].dispose()
    ctx.platform[BEFORE] = platform_diff.module_bindings(_own_packages(ctx))


def after_start_up(ctx: RunContext) -> None:
    """Snapshot the node application and the module bindings once the instances are
    built (before the suite's own watches are put on them)."""
    ctx.platform["surface at start-up"] = platform_diff.application_surface(ctx.node.app)
    ctx.platform["bindings at start-up"] = platform_diff.module_bindings(_own_packages(ctx))


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    if EARLY in ctx.platform:
        result.fail(ctx.platform[EARLY])
    _compare_applications(ctx, result)
    _compare_bindings(ctx, result)
    findings = (security_probes.wrong_passwords_refused(ctx.node)
                + security_probes.tokenless_posts_refused(ctx.node))
    for finding in findings:
        result.fail(f"{finding}: with the plugin loaded, the platform's own protection "
                    "no longer holds")
    if not findings:
        result.ok("with the plugin loaded, a wrong password is refused for every test "
                  "account, and the login and log-out forms posted without their CSRF "
                  "token are refused (HTTP 400)")


def _own_packages(ctx: RunContext) -> tuple[str, ...]:
    return (ctx.target.module_name.split(".")[0],)


def _bare_application(ctx: RunContext):  # noqa: ANN202 - a Flask application
    """The node's application as the platform builds it without the plugin."""
    settings = ctx.node.app.config["MOTCUA"]
    app = create_app(dataclasses.replace(settings, plugins=ctx.works_with))
    app.config.update(RUN_CONFIG)
    app.test_client_class = TokenClient
    return app


def _compare_applications(ctx: RunContext, result: CheckResult) -> None:
    bare = _bare_application(ctx)
    try:
        without = platform_diff.application_surface(bare)
    finally:
        bare.extensions["motcua.db"].dispose()
    owner = platform_diff.Attribution(frozenset(ctx.blueprint_names()),
                                      ctx.target.root)
    code_files = platform_diff.template_code_files(ctx.node.app)
    reasons: dict[str, list[str]] = {}
    for moment, surface in (("at start-up", ctx.platform.get("surface at start-up")),
                            ("after the run", platform_diff.application_surface(
                                ctx.node.app))):
        for change in platform_diff.surface_changes(without, surface or {}):
            reason = platform_diff.unattributed(change, owner, code_files)
            if reason is not None:
                reasons.setdefault(reason, []).append(moment)
            elif moment == "after the run":
                result.ok(f"its own: {change.item}")
    for reason, moments in reasons.items():
        result.fail(f"{reason} ({' and '.join(moments)})")
    if not reasons:
        result.ok(f"the application with the plugin differs from the one without it "
                  f"({len(without)} items compared) only by the plugin's own blueprints, "
                  "hooks scoped to them and template items bound to its own functions")


def _compare_bindings(ctx: RunContext, result: CheckResult) -> None:
    before = ctx.platform.get(BEFORE)
    if before is None:
        result.fail("the module bindings were not taken before the plugin was loaded")
        return
    changes: dict[str, list[str]] = {}
    for moment, after in (("at start-up", ctx.platform.get("bindings at start-up")),
                          ("after the run", platform_diff.module_bindings(
                              _own_packages(ctx)))):
        for change in platform_diff.rebound(before, after or {}):
            changes.setdefault(change, []).append(moment)
    for change, moments in changes.items():
        result.fail(f"{change} ({' and '.join(moments)}): a plugin may change the "
                    "attributes of its own package's modules only")
    if not changes:
        modules = len(platform_diff.watched_modules(_own_packages(ctx)))
        result.ok(f"{len(before)} bindings of {modules} modules of the platform, the SDK "
                  "and their libraries are the same as before the plugin was loaded")
