"""Filling a plugin route's URL arguments so every page and form can be requested.

Arguments the run knows real values for (``code``: the dossiers the lifecycle made;
``number``: the results it issued; ``procedure_code``: the samples' procedures) get
those; any other argument gets a value of its converter's type (``int`` → 1, ``float``
→ 1.0, ``uuid`` → a fixed UUID, ``any(a, b)`` → each choice, a string → ``x``). A route
whose arguments cannot be filled is an error the check reports, never a silent pass.
"""

from __future__ import annotations

import re
import uuid

from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    UnicodeConverter,
    UUIDConverter,
)

from motcua.conformance.context import RunContext

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DUMMY_TEXT = "x"
# Tried in turn for a converter of an unknown kind: the first its pattern accepts.
FALLBACK_VALUES = ("x", "1", "x1", "2026-01-01")


class Unfillable(Exception):  # noqa: N818 - a finding the checks report
    """The route has an argument no value could be found for."""


def plugin_rules(ctx: RunContext, method: str | None = None) -> list[Rule]:
    """The node's routes of the plugin's blueprints (answering ``method`` if given),
    sorted by path."""
    names = ctx.blueprint_names()
    rules = [rule for rule in ctx.node.app.url_map.iter_rules()
             if rule.endpoint.split(".")[0] in names
             and (method is None or method in (rule.methods or ()))]
    return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))


def known_values(ctx: RunContext) -> dict[str, list[str]]:
    """Real values of the run by argument name (an in-processing dossier first: a page
    about a dossier at work is the common case)."""
    codes = ctx.in_processing[:1] + list(ctx.finished.values())[:1]
    return {"code": codes, "dossier_code": codes, "number": ctx.result_numbers[:1],
            "procedure_code": sorted({sample.procedure_code for sample in ctx.samples})[:1]}


def _dummies(converter: object) -> list[object]:
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    if isinstance(converter, IntegerConverter):
        value = max(1, converter.min or 1)
        return [value if converter.max is None else min(value, converter.max)]
    if isinstance(converter, FloatConverter):
        return [1.0]
    if isinstance(converter, UUIDConverter):
        return [uuid.UUID(int=1)]
    if isinstance(converter, UnicodeConverter):  # also PathConverter's base
        length = re.search(r"\{(\d+)", converter.regex)
        return [DUMMY_TEXT * max(1, int(length.group(1)) if length else 1)]
    pattern = getattr(converter, "regex", "[^/]+")
    return [value for value in FALLBACK_VALUES if re.fullmatch(pattern, value)][:1]


def argument_sets(ctx: RunContext, rule: Rule) -> list[dict[str, object]]:
    """Values for ``rule``'s arguments: one set per real value known (at most two), or
    one set of dummies; ``Unfillable`` naming the argument if none fits."""
    known = known_values(ctx)
    choices: dict[str, list[object]] = {}
    for name in sorted(rule.arguments):
        converter = rule._converters.get(name)  # noqa: SLF001 - werkzeug keeps them there
        pattern = getattr(converter, "regex", "[^/]+")
        real = [value for value in known.get(name, ())
                if re.fullmatch(pattern, str(value))]
        choices[name] = real or _dummies(converter)
        if not choices[name]:
            raise Unfillable(f"no value fits its argument <{name}> "
                             f"({type(converter).__name__})")
    if not choices:
        return [{}]
    width = max(len(values) for values in choices.values())
    return [{name: values[min(i, len(values) - 1)] for name, values in choices.items()}
            for i in range(width)]


def paths(ctx: RunContext, rule: Rule) -> list[str]:
    """The URLs ``rule`` is requested at (see :func:`argument_sets`)."""
    built = []
    for values in argument_sets(ctx, rule):
        # Built from the rule itself: an endpoint with several rules is tried at each.
        answer = rule.build(values, append_unknown=False)
        if answer is None:
            raise Unfillable(f"its URL cannot be built from {values}")
        built.append(answer[1])
    return built
