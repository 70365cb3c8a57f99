"""Robustness: generated bad inputs to the plugin's schemas (through the intake API) and
to its forms (every write method of every route, URL arguments filled as the screens
check does) get a 4xx answer, never a crash, and write nothing."""

from __future__ import annotations

import random
import re

from marshmallow import Schema, fields
from sqlalchemy import func, inspect, select, table, text

from motcua.conformance import driver, urls
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua_sdk.types import thaw

TITLE = "Robustness: bad input gets 4xx and writes nothing"
SEED = 20261123
ATTEMPTS = 12  # junk forms per method and route, besides a broken JSON body
JUNK_TEXTS = ("", " ", "x" * 5000, "'; DROP TABLE dossiers; --", "<script>alert(1)</script>",
              "-1", "1e309", "NaN", "31/02/2026", "\u202e\u0000", "😀" * 20, "[]", "{}")


def _wrong_values(field: fields.Field) -> list:
    """Values of the wrong type for ``field`` (what a careless client sends)."""
    if isinstance(field, fields.Nested | fields.Dict):
        return ["not an object", 12, ["a", "b"]]
    if isinstance(field, fields.List):
        return ["not a list", 12, {"a": 1}]
    if isinstance(field, fields.Boolean):
        return ["maybe", [True], {"a": 1}]
    if isinstance(field, fields.Number):
        return ["abc", "1e309", [1], {"a": 1}]
    if isinstance(field, fields.Date | fields.DateTime | fields.Time):
        return ["31/02/2026", "not a date", 20260101, [1]]
    if isinstance(field, fields.Email):
        return ["no-at-sign", 12]
    return [12345, ["a list"], {"an": "object"}]


def bad_specialist_data(schema: Schema, sample: dict, rng: random.Random
                        ) -> list[tuple[str, object]]:
    """``(what, data)`` pairs the schema must refuse: each field of the wrong type, each
    required field left out, not an object at all."""
    cases: list[tuple[str, object]] = [("a list instead of an object", [sample]),
                                       ("a string instead of an object", "junk")]
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        for value in _wrong_values(field):
            cases.append((f"{key} = {value!r:.40}", {**sample, key: value}))
        if field.required:
            cases.append((f"{key} missing", {k: v for k, v in sample.items() if k != key}))
    rng.shuffle(cases)
    return cases


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    rng = random.Random(SEED)
    before = _fingerprint(ctx)
    tried = _schemas(ctx, rng, result) + _forms(ctx, rng, result)
    after = _fingerprint(ctx)
    changed = {name: (before[name], after.get(name)) for name in before
               if before[name] != after.get(name)}
    if changed:
        result.fail(f"bad input changed data: {changed} (rows before, after)")
    if not result.failures:
        result.ok(f"{tried} bad inputs: every one refused with 4xx, nothing written")


def _fingerprint(ctx: RunContext) -> dict[str, int]:
    """Rows per table, and the dossiers' versions summed (an update without an insert)."""
    engine = ctx.node.database.engine
    names = inspect(engine).get_table_names()
    found = {}
    with engine.connect() as connection:
        for name in names:
            if name == "audit_log" or name.startswith("audit_"):
                continue  # views of personal data are audited, legitimately
            found[name] = connection.scalar(select(func.count()).select_from(table(name)))
        found["sum of dossiers.version"] = connection.scalar(
            text("SELECT coalesce(sum(version), 0) FROM dossiers"))
    return found


def _schemas(ctx: RunContext, rng: random.Random, result: CheckResult) -> int:
    tried = 0
    for sample in ctx.samples:
        spec = ctx.node.manager.procedure_spec(sample.procedure_code)
        if spec is None or not (isinstance(spec.schema, type)
                                and issubclass(spec.schema, Schema)):
            continue  # no schema, or not one (the catalogue check reports that)
        schema = spec.schema()
        for what, data in bad_specialist_data(schema, thaw(sample.specialist_data), rng):
            body = driver.intake_body(ctx.node, sample, specialist_data=data)
            answer = driver.call(ctx.node, "reception", "POST", "/api/v1/dossiers", json=body)
            tried += 1
            if not 400 <= answer.status < 500:
                result.fail(f"intake with specialist data {what}: HTTP {answer.status} "
                            f"{answer.text[:200]}")
    return tried


def _forms(ctx: RunContext, rng: random.Random, result: CheckResult) -> int:
    """Junk to every write method (POST, PUT, PATCH, DELETE) of every plugin route, its
    URL filled with the in-processing dossier or typed dummies (:mod:`..urls`)."""
    app = ctx.node.app
    tried = 0
    for rule in urls.plugin_rules(ctx):
        methods = [method for method in urls.WRITE_METHODS if method in rule.methods]
        if not methods:
            continue
        try:
            path = urls.paths(ctx, rule)[0]
        except urls.Unfillable as error:
            result.fail(f"{'/'.join(methods)} {rule.rule}: cannot be requested: {error}")
            continue
        role = getattr(app.view_functions[rule.endpoint], "motcua_role", "specialist")
        role = "specialist" if role == "staff" else role
        page = driver.call(ctx.node, role, "GET", path) if "GET" in rule.methods else None
        field_names = set(_form_fields(page.text)) if page and page.status == 200 else set()
        field_names |= {"action", "version", "expected_version", "q"}
        for method in methods:
            tried += _fuzz(ctx, rng, result, method, path, role, sorted(field_names))
    return tried


def _fuzz(ctx: RunContext, rng: random.Random, result: CheckResult, method: str, path: str,
          role: str, field_names: list[str]) -> int:
    answered: set[int] = set()
    tried = 0
    for attempt in range(ATTEMPTS):
        form = {name: rng.choice(JUNK_TEXTS) for name in field_names
                if attempt and rng.random() < 0.8}
        if attempt == 1:
            form = {name: "x" * 5000 for name in field_names}
        answer = driver.call(ctx.node, role, method, path, data=form)
        tried += 1
        if answer.status >= 500:
            result.fail(f"{method} {path} as {role} with {sorted(form)[:6]}: "
                        f"HTTP {answer.status}")
            return tried
        # A 2xx/3xx answer (the form again, or a redirect with a message) is fine as
        # long as nothing was written: the fingerprint decides.
        answered.add(answer.status)
    answer = driver.call(ctx.node, role, method, path, data=b"\xff\xfe{junk",
                         content_type="application/json")
    tried += 1
    if answer.status >= 500:
        result.fail(f"{method} {path} with a broken JSON body: HTTP {answer.status}")
    result.ok(f"{method} {path} as {role}: junk forms answered {sorted(answered)}")
    return tried


def _form_fields(page: str) -> list[str]:
    return re.findall(r'name="([A-Za-z0-9_.\-\[\]]+)"', page)
