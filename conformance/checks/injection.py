"""Injection and escaping: no value a request carries is written into the text of an SQL
statement, and no text a dossier carries is written into a page as markup.

SQL: every route of the plugin is requested with every parameter its view reads (seen
by :mod:`motcua.conformance.parameters`), the fields of the forms its pages show and a
list of common names, each set to a token of its own; its string URL arguments get a
token too. A statement listener on the node's engine reads the text of every statement
sent meanwhile: a token inside it was spliced in (an f-string in ``text()``, ``%`` or
``+``); a bound parameter never shows there, whatever its value.

Escaping: the dossiers generated with HTML canaries (:mod:`motcua.conformance.generated`)
went through the lifecycle; :mod:`motcua.conformance.escaping` read every HTML answer the
node gave meanwhile (plugin pages, work pages, printable results, lookup website and
kiosk). This check adds the plugin's pages about them as the officers who may open them,
then reports every canary found verbatim.
"""

from __future__ import annotations

import itertools
import re

from flask import Blueprint
from sqlalchemy import event
from werkzeug.routing import Rule
from werkzeug.routing.converters import UnicodeConverter

from motcua.conformance import driver, urls
from motcua.conformance.context import RunContext
from motcua.conformance.parameters import reads_recorded
from motcua.conformance.results import CheckResult

TITLE = "Injection and escaping: request values never in SQL text, dossier text escaped"
TOKEN_FOUND = re.compile(r"cnfz\d{5}q")
# Names views commonly read without a form on their page showing them (a search box
# in the layout, links with filters, an API client's parameters).
COMMON_NAMES = ("q", "query", "search", "keyword", "name", "code", "number", "subject",
                "status", "sort", "order", "filter", "year", "month", "from", "to", "date",
                "id", "page", "limit", "unit", "procedure", "type", "kind")
FORM_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*?\bname="([^"]+)"', re.I)
MAX_SINGLES = 12  # parameters fuzzed one at a time per route and method
CANARY_ROLES = ("specialist", "leader", "ict_admin")


class _Fuzzer:
    """Hands out tokens, each remembering what it was put in, and collects the
    statements whose text holds one."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.origin: dict[str, str] = {}
        self.statements: list[str] = []
        self.requests = 0
        self.reported: set[str] = set()  # origins already found (one finding each)

    def token(self, origin: str) -> str:
        token = f"cnfz{next(self.counter):05d}q"
        self.origin[token] = origin
        return token

    def seen(self, _conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if TOKEN_FOUND.search(statement):
            self.statements.append(statement)

    def findings(self) -> list[str]:
        """One line per spliced statement, naming the request value it carries."""
        found = []
        for statement in dict.fromkeys(self.statements):
            for token in dict.fromkeys(TOKEN_FOUND.findall(statement)):
                origin = self.origin.get(token, "an earlier request's value")
                if origin in self.reported:
                    continue
                self.reported.add(origin)
                found.append(f"{origin} (sent as {token}) is written into the SQL text: "
                             f"{' '.join(statement.split())[:220]}")
        self.statements.clear()
        return found


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    app = ctx.node.app
    rules = [rule for rule in urls.plugin_rules(ctx)
             if getattr(app.view_functions[rule.endpoint], "__func__", None)
             is not Blueprint.send_static_file]
    fuzzer = _Fuzzer()
    engine = ctx.node.database.engine
    event.listen(engine, "before_cursor_execute", fuzzer.seen)
    try:
        with reads_recorded(app) as reads:
            for rule in rules:
                _fuzz_rule(ctx, rule, fuzzer, reads, result)
    finally:
        event.remove(engine, "before_cursor_execute", fuzzer.seen)
    if rules and not result.failures:
        result.ok(f"SQL: {fuzzer.requests} request(s) to {len(rules)} route(s) with "
                  f"{len(fuzzer.origin)} fuzzed value(s); no statement's text held one")
    pages = _canary_pages(ctx, rules)
    for finding in ctx.unescaped:
        result.fail(f"{finding}: text of a dossier must be escaped (no |safe, Markup() or "
                    "autoescape false on it)")
    if not ctx.canary_codes:
        result.ok("escaping: no dossier with HTML canaries went through the lifecycle "
                  "(see its findings), so nothing showed one")
    elif not ctx.unescaped:
        result.ok(f"escaping: {len(ctx.canary_codes)} dossier(s) with HTML canaries in every "
                  f"text field; every HTML answer of the run (and {pages} request(s) of the "
                  "plugin's pages about them) showed them escaped")
    result.data["fuzzed_values"] = len(fuzzer.origin)


def _role(ctx: RunContext, rule: Rule) -> str:
    """The test account that may use ``rule`` (its guard's role; a specialist for any
    officer)."""
    guard = getattr(ctx.node.app.view_functions[rule.endpoint], "motcua_role", None)
    return "specialist" if guard in (None, "staff") else guard


def _fuzz_rule(ctx: RunContext, rule: Rule, fuzzer: _Fuzzer, reads: set[str],
               result: CheckResult) -> None:
    try:
        path = urls.paths(ctx, rule)[0]
    except urls.Unfillable:
        return  # the screens check reports it
    role = _role(ctx, rule)
    methods = [m for m in ("GET", *urls.WRITE_METHODS) if m in (rule.methods or ())]

    def send(method: str, target: str, names: list[str], how: str) -> driver.Answer:
        values = {name: fuzzer.token(f"{method} {target} as {role}: {how} {name!r}")
                  for name in names}
        reads.clear()
        if method == "GET":
            answer = driver.call(ctx.node, role, method, target, query_string=values)
        elif how == "JSON key":
            answer = driver.call(ctx.node, role, method, target, json=values)
        else:
            answer = driver.call(ctx.node, role, method, target, data=values,
                                 query_string=values)
        fuzzer.requests += 1
        for finding in fuzzer.findings():
            result.fail(finding)
        return answer

    for method in methods:
        first = send(method, path, [], "")
        found = set(reads)
        if method == "GET" and first.status == 200:
            found |= set(FORM_FIELD.findall(first.text))
        how = "parameter" if method == "GET" else "form field"
        send(method, path, sorted(found | set(COMMON_NAMES)), how)
        found |= reads
        # One at a time too: a view stopping at one bad value (a 400 on a number)
        # never reaches the statement another one goes into.
        for name in sorted(found)[:MAX_SINGLES]:
            send(method, path, [name], how)
        if method != "GET":  # an API view reads a JSON body, not a form
            send(method, path, sorted(found | set(COMMON_NAMES)), "JSON key")
            for name in sorted(reads - found)[:MAX_SINGLES]:
                send(method, path, [name], "JSON key")
    _fuzz_arguments(ctx, rule, methods, fuzzer, result, role)


def _fuzz_arguments(ctx: RunContext, rule: Rule, methods: list[str], fuzzer: _Fuzzer,
                    result: CheckResult, role: str) -> None:
    """Each string URL argument set to a token (the others as usual)."""
    values = urls.argument_sets(ctx, rule)[0]
    textual = [name for name in sorted(rule.arguments)
               if isinstance(rule._converters.get(name), UnicodeConverter)]  # noqa: SLF001
    if not textual:
        return
    for name in textual:
        values = {**values, name: fuzzer.token(f"{rule.rule} as {role}: URL argument <{name}>")}
    built = rule.build(values, append_unknown=False)
    if built is None:
        return
    for method in methods:
        driver.call(ctx.node, role, method, built[1])
        fuzzer.requests += 1
        for finding in fuzzer.findings():
            result.fail(f"{method} {finding}")


def _canary_pages(ctx: RunContext, rules: list[Rule]) -> int:
    """GET the plugin's pages about each canary dossier (and its queues) as the officers
    who handle them; the escaping watcher reads the answers. How many requests."""
    requested = 0
    for rule in rules:
        if "GET" not in (rule.methods or ()):
            continue
        try:
            values = urls.argument_sets(ctx, rule)[0]
        except urls.Unfillable:
            continue
        about = [name for name in ("code", "dossier_code") if name in rule.arguments]
        codes = ctx.canary_codes if about else [None]
        for code in codes:
            filled = {**values, **{name: code for name in about}}
            built = rule.build(filled, append_unknown=False)
            if built is None:
                continue
            for role in CANARY_ROLES:
                driver.call(ctx.node, role, "GET", built[1])
                requested += 1
    return requested
