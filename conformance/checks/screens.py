"""Screens: every page of the plugin is guarded by the SDK's ``staff_required``, renders
for the roles it names, refuses everyone else, and loads nothing from outside."""

from __future__ import annotations

import re
from pathlib import Path

from flask import url_for

from motcua.conformance import driver
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core.testing import ROLES

TITLE = "Screens: render for their roles, refuse others, no external assets"
# Assets the page loads (scripts, images, frames, stylesheets); plain links may point out.
EXTERNAL = re.compile(r"""(?:\bsrc|<link\b[^>]*?\bhref)\s*=\s*["']\s*((?:https?:)?//[^"']+)""",
                      re.I)
EXTERNAL_CSS = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"')]+)""", re.I)
REFUSED = (302, 401, 403, 404)
SCANNED_SUFFIXES = (".html", ".htm", ".jinja", ".j2", ".css", ".js")


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    _scan_files(ctx, result)
    app, names = ctx.node.app, ctx.blueprint_names()
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.split(".")[0] in names and "GET" in rule.methods]
    if not rules:
        result.not_applicable("the plugin has no pages")
        return
    tried = 0
    for rule in sorted(rules, key=lambda r: r.rule):
        candidates = _arguments(ctx, rule.arguments)
        if not candidates:
            result.ok(f"{rule.rule}: not requested (no value known for "
                      f"{', '.join(sorted(rule.arguments))})")
            continue
        with app.test_request_context():
            paths = [url_for(rule.endpoint, **values) for values in candidates]
        _check_page(ctx, rule.endpoint, paths, result)
        tried += 1
    result.ok(f"{tried} page(s) requested as each role and anonymously")


def _arguments(ctx: RunContext, arguments: set[str]) -> list[dict[str, str]]:
    """Values to fill the page's URL with: a dossier finished and one in processing
    (``code``), an issued result (``number``); empty if an argument is unknown."""
    known = {"code": list(ctx.finished.values())[:1] + ctx.in_processing[:1],
             "number": ctx.result_numbers[:1]}
    if any(not known.get(name) for name in arguments):
        return []
    if not arguments:
        return [{}]
    width = max(len(known[name]) for name in arguments)
    return [{name: known[name][min(i, len(known[name]) - 1)] for name in arguments}
            for i in range(width)]


def _check_page(ctx: RunContext, endpoint: str, paths: list[str], result: CheckResult
                ) -> None:
    view = ctx.node.app.view_functions[endpoint]
    role = getattr(view, "motcua_role", None)
    shown = paths[0] if len(paths) == 1 else f"{paths[0]} (and {len(paths) - 1} more)"
    answers = {path: {who: driver.call(ctx.node, who, "GET", path)
                      for who in ("anonymous", *ROLES)} for path in paths}
    for by_role in answers.values():
        for answer in by_role.values():
            if answer.status >= 500:
                result.fail(str(answer))
            elif answer.status == 200:
                for url in EXTERNAL.findall(answer.text):
                    result.fail(f"{answer.path}: loads an asset from outside the server: {url}")
    if role is None:
        result.fail(f"{shown}: the view {endpoint} is not guarded by "
                    "motcua_sdk.services.staff_required")
    for path, by_role in answers.items():
        if by_role["anonymous"].status not in REFUSED:
            result.fail(f"{path}: an anonymous visitor got HTTP {by_role['anonymous'].status}")
    if role is None:
        return
    # Each test account holds exactly the role it is named after (motcua.core.testing);
    # an ICT administrator holds every role (motcua.core.accounts.has_role).
    allowed = [who for who in ROLES if role in ("staff", who) or who == "ict_admin"]
    for path, by_role in answers.items():
        for who in ROLES:
            if who not in allowed and by_role[who].status not in REFUSED:
                result.fail(f"{path}: for role {role} only, but the {who} account got HTTP "
                            f"{by_role[who].status}")
    rendered = sorted({who for by_role in answers.values() for who in allowed
                       if by_role[who].status == 200})
    if not rendered:
        statuses = {path: {who: by_role[who].status for who in allowed}
                    for path, by_role in answers.items()}
        if all(by_role[who].status == 404 for by_role in answers.values() for who in allowed):
            # e.g. a land page asked about a business dossier: not about these dossiers.
            result.ok(f"{shown}: role {role}; not found for the dossiers at hand (404 to "
                      "everyone), so only its guard was checked")
            return
        result.fail(f"{shown}: no account holding {role} could open it ({statuses})")
        return
    result.ok(f"{shown}: role {role}; rendered for {', '.join(rendered)}; refused to "
              f"{', '.join(w for w in ('anonymous', *ROLES) if w not in allowed)}")


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
