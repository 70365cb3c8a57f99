"""External resources: every page of the plugin, and the printable result of each
finished dossier, rendered in a headless Chromium as each role that can open it, with
every resource it tries to load recorded (:mod:`motcua.conformance.browser`); nothing
may come from outside the server. The ``screens`` check reads the plugin's files; this
one sees what the rendered pages really reach for (a URL a script builds at run time, a
``srcset`` candidate, a font in an inline style).

The pages are those of ``screens``: every GET route of the plugin's blueprints but its
static files, its URL filled the same way (:mod:`motcua.conformance.urls`). Each is
first asked through the test client as each role; a role that gets an HTML page (200)
has it rendered. Other answers (a PDF, a CSV, a refusal) are not rendered: a refusal is
the screens check's subject, and the core's PDF engine fetches nothing from outside.

Without Chromium (or playwright) the check fails, saying so: a certification run must
have looked at the rendered pages (``MOTCUA_CONFORMANCE_CHROMIUM`` names another
Chromium binary).
"""

from __future__ import annotations

import time
from urllib.parse import unquote

from flask import Blueprint, url_for
from sqlalchemy import select

from motcua.conformance import browser, driver, urls
from motcua.conformance.context import RunContext
from motcua.conformance.instance import serve
from motcua.conformance.results import CheckResult
from motcua.core.models import Dossier
from motcua.core.plugin_manager.views import dossier_view
from motcua.core.testing import ROLES

TITLE = "External resources: rendered pages load nothing from outside the server"


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    paths = _pages(ctx) + _printables(ctx)
    if not paths:
        result.not_applicable("the plugin has no page answering GET and issued no "
                              "printable result")
        return
    started = time.perf_counter()
    shown = {path: [role for role in ("anonymous", *ROLES) if _is_page(ctx, role, path)]
             for path in dict.fromkeys(paths)}
    shown = {path: roles for path, roles in shown.items() if roles}
    if not shown:
        result.ok(f"none of the {len(paths)} page(s) answered an HTML page to any role: "
                  "nothing to render")
        return
    asked = time.perf_counter()
    base = serve(ctx.stack, ctx.node.app)
    # (path, outside URL) -> {role: how it was seen}: one finding per page and URL.
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    try:
        with browser.recorder() as recorder:
            rendered = requests = 0
            for path, roles in shown.items():
                for role in roles:
                    visit = recorder.open(base + path, _cookies(ctx, role, base))
                    rendered, requests = rendered + 1, requests + visit.requests
                    if visit.status != 200 or unquote(visit.final_url) != unquote(base + path):
                        # The browser was not shown what the test client was (a lost
                        # session): its page was not looked at.
                        result.fail(f"{path} as {role}: the browser got HTTP {visit.status} "
                                    f"at {visit.final_url}, not the page")
                    for url, how in visit.outside.items():
                        found.setdefault((path, url), {})[role] = how
    except browser.BrowserMissing as error:
        result.fail(f"the rendered pages could not be checked: {error}")
        return
    for (path, url), by_role in found.items():
        hows = list(dict.fromkeys(how for seen in by_role.values() for how in seen))
        result.fail(f"{path}: tries to load {url} from outside the server "
                    f"({'; '.join(hows)}), as {', '.join(by_role)}")
    result.data.update(rendered=rendered, requests=requests,
                       seconds_asking=round(asked - started, 2),
                       seconds_rendering=round(time.perf_counter() - asked, 2))
    if not result.failures:
        result.ok(f"{rendered} rendering(s) of {len(shown)} page(s) in headless Chromium "
                  f"(each as every role it opens for): {requests} request(s), all to the "
                  "server itself; no resource declared or refused from outside")


def _pages(ctx: RunContext) -> list[str]:
    """The paths of the plugin's GET routes, filled as for ``screens`` (unfillable
    routes are the screens check's finding)."""
    found = []
    for rule in urls.plugin_rules(ctx, "GET"):
        view = ctx.node.app.view_functions[rule.endpoint]
        if getattr(view, "__func__", None) is Blueprint.send_static_file:
            continue
        try:
            found += urls.paths(ctx, rule)
        except urls.Unfillable:
            continue
    return found


def _printables(ctx: RunContext) -> list[str]:
    """The printable result of every finished dossier (the core's or the plugin's page)."""
    app, found = ctx.node.app, []
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            for dossier in database.session.scalars(select(Dossier).where(
                    Dossier.code.in_(list(ctx.finished.values())))):
                endpoint = (dossier_view(dossier).result or {}).get("document_endpoint")
                if endpoint:
                    with app.test_request_context():
                        found.append(url_for(endpoint, code=dossier.code))
        finally:
            database.remove()
    return found


def _is_page(ctx: RunContext, role: str, path: str) -> bool:
    answer = driver.call(ctx.node, role, "GET", path)
    return answer.status == 200 and answer.mimetype == "text/html"


def _cookies(ctx: RunContext, role: str, base: str) -> list[dict]:
    """The role's session, as its test client holds it, for the browser."""
    if role == "anonymous":
        return []
    client = ctx.node.client(role)
    name = ctx.node.app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = client.get_cookie(name)
    return [{"name": name, "value": cookie.value, "url": base}] if cookie else []
