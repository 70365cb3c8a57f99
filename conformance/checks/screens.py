"""Screens: every route of the plugin is guarded by the SDK's ``staff_required``; its
pages render for the roles it names and refuse everyone else (anonymous visitors, and
officers of another role: the guard's, or the menu's when the plugin's menu offers the
page to one role only); its forms refuse the same people; nothing loads from outside.
Every route is requested, its URL arguments filled by :mod:`motcua.conformance.urls`;
what each GET wrote in the database is recorded for the ``safe_gets`` check."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint

from motcua.conformance import driver, urls
from motcua.conformance.context import RunContext
from motcua.conformance.fingerprint import fingerprint, written
from motcua.conformance.results import CheckResult
from motcua.core.testing import ROLES

TITLE = "Screens: render for their roles, refuse others, no external assets"
# Assets the page loads (scripts, images, frames, stylesheets); plain links may point out.
EXTERNAL = re.compile(r"""(?:\bsrc|<link\b[^>]*?\bhref)\s*=\s*["']\s*((?:https?:)?//[^"']+)""",
                      re.I)
EXTERNAL_CSS = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"')]+)""", re.I)
REFUSED = (302, 401, 403, 404)
# The officers a plugin's menu may single out (the ICT administrator holds every role).
WORKING_ROLES = ("reception", "specialist", "leader", "unit_admin")
SCANNED_SUFFIXES = (".html", ".htm", ".jinja", ".j2", ".css", ".js")


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    _scan_files(ctx, result)
    rules = urls.plugin_rules(ctx)
    if not rules:
        result.not_applicable("the plugin has no pages")
        return
    audiences = menu_audiences(ctx)
    for rule in rules:
        view = ctx.node.app.view_functions[rule.endpoint]
        if getattr(view, "__func__", None) is Blueprint.send_static_file:
            # Flask's own handler of the blueprint's static folder (not merely a view
            # named "static"): public like the core's CSS; its files are scanned above.
            result.ok(f"{rule.rule}: the blueprint's static files, public by design")
            continue
        try:
            paths = urls.paths(ctx, rule)
        except urls.Unfillable as error:
            result.fail(f"{rule.rule}: cannot be requested, so its guard cannot be "
                        f"checked: {error}")
            continue
        _check_page(ctx, rule, paths, audiences.get(rule.endpoint, set()), result)
    result.ok(f"{len(rules)} route(s) requested anonymously and as each role")


def menu_audiences(ctx: RunContext) -> dict[str, set[str]]:
    """``{endpoint: roles}``: which officers the plugin's menu offers each page to."""
    offered: dict[str, set[str]] = {}
    for role, account in driver.account_views(ctx.node, WORKING_ROLES).items():
        with ctx.node.app.app_context():
            for name, item in ctx.node.manager.collect("motcua_menu_items", account=account):
                if name == ctx.target.name:
                    offered.setdefault(getattr(item, "endpoint", ""), set()).add(role)
    return offered


def _allowed(guard: str, audience: set[str]) -> list[str]:
    """The roles that may open a page with ``guard`` (its ``staff_required`` role) whose
    menu entry is offered to ``audience``. Each test account holds exactly the role it is
    named after (motcua.core.testing); an ICT administrator holds every role."""
    allowed = [who for who in ROLES if guard in ("staff", who) or who == "ict_admin"]
    if guard == "staff" and len(audience) == 1:
        # Guarded for any officer, but the menu offers it to one role only: that role's
        # page (a leader's approval list), which the others must not open by typing its
        # address.
        allowed = [who for who in allowed if who in audience or who == "ict_admin"]
    return allowed


def _check_page(ctx: RunContext, rule, paths: list[str], audience: set[str],  # noqa: ANN001
                result: CheckResult) -> None:
    endpoint = rule.endpoint
    view = ctx.node.app.view_functions[endpoint]
    guard = getattr(view, "motcua_role", None)
    reads = "GET" in rule.methods
    method = "GET" if reads else next(
        (m for m in urls.WRITE_METHODS if m in rule.methods), "POST")
    shown = paths[0] if len(paths) == 1 else f"{paths[0]} (and {len(paths) - 1} more)"
    if guard is None:
        result.fail(f"{method} {shown}: the view {endpoint} is not guarded by "
                    "motcua_sdk.services.staff_required")
    allowed = _allowed(guard or "staff", audience)
    # A form is only posted (empty) by those it must refuse: an allowed officer's empty
    # post could act. Pages are requested by everyone.
    asked = ("anonymous", *ROLES) if reads else ("anonymous", *(w for w in ROLES
                                                               if w not in allowed))
    answers = {path: {who: _request(ctx, who, method, path) for who in asked}
               for path in paths}
    for by_role in answers.values():
        for answer in by_role.values():
            if answer.status >= 500:
                result.fail(str(answer))
            elif answer.status == 200 and reads:
                for url in EXTERNAL.findall(answer.text):
                    result.fail(f"{answer.path}: loads an asset from outside the server: {url}")
    for path, by_role in answers.items():
        for who, answer in by_role.items():
            if who in allowed or answer.status in REFUSED or answer.status >= 500:
                continue
            if who == "anonymous":
                result.fail(f"{method} {path}: an anonymous visitor got HTTP {answer.status}")
            elif guard not in (None, "staff", who) and who != "ict_admin":
                result.fail(f"{method} {path}: for role {guard} only, but the {who} account "
                            f"got HTTP {answer.status}")
            else:
                result.fail(f"{method} {path}: the menu offers it to "
                            f"{', '.join(sorted(audience))} only, but the {who} account got "
                            f"HTTP {answer.status} (guard it with "
                            f"staff_required({next(iter(audience))!r}))")
    if not reads:
        result.ok(f"{method} {shown}: role {guard}; refused to "
                  f"{', '.join(w for w in asked)}")
        return
    rendered = sorted({who for by_role in answers.values() for who in allowed
                       if by_role[who].status == 200})
    refused = ", ".join(w for w in ("anonymous", *ROLES) if w not in allowed)
    if not rendered:
        statuses = {path: {who: by_role[who].status for who in allowed}
                    for path, by_role in answers.items()}
        if all(by_role[who].status == 404 for by_role in answers.values() for who in allowed):
            # e.g. a land page asked about a business dossier, or /export/1: nothing
            # there for these values, so only its guard was checked.
            result.ok(f"{shown}: role {guard}; not found for the values at hand (404 to "
                      f"everyone allowed); refused to {refused}")
            return
        result.fail(f"{shown}: no account holding {guard} could open it ({statuses})"
                    + ctx.intake_cause())
        return
    result.ok(f"{shown}: role {guard}; rendered for {', '.join(rendered)}; refused to "
              f"{refused}")


def _request(ctx: RunContext, who: str, method: str, path: str) -> driver.Answer:
    """``driver.call``; for a GET, what it wrote goes to ``ctx.get_writes``."""
    if method != "GET":
        return driver.call(ctx.node, who, method, path)
    ctx.node.client(who)  # logged in first: the login's bookkeeping is not the page's
    before = fingerprint(ctx.node)
    answer = driver.call(ctx.node, who, method, path)
    ctx.gets_watched += 1
    tables = written(before, fingerprint(ctx.node))
    if tables:
        ctx.get_writes.append(f"GET {path} as {who} (HTTP {answer.status}) wrote "
                              f"{', '.join(tables)}")
    return answer


def _scan_files(ctx: RunContext, result: CheckResult) -> None:
    root = ctx.target.root
    if root is None or not Path(root).is_dir():
        return
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or not path.name.endswith(SCANNED_SUFFIXES):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        pattern = EXTERNAL_CSS if path.suffix == ".css" else EXTERNAL
        for url in pattern.findall(text):
            result.fail(f"{path.relative_to(root)}: external asset {url} (vendor it)")
