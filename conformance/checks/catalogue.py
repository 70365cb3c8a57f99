"""Catalogue: valid procedures with unique national codes, specialist-data schemas that
load (and load the plugin's samples), default workflows the routing engine accepts."""

from __future__ import annotations

import re
from collections import Counter

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core.errors import ValidationError
from motcua.core.plugin_manager import PluginManager
from motcua.core.testing import WORLD_FUNCTIONS
from motcua.core.workflow.definitions import validate_steps
from motcua_sdk.types import ProcedureSpec, SampleDossier

TITLE = "Catalogue: procedures, codes, schemas, default workflows, samples"
# The national procedure code (mã thủ tục hành chính), e.g. 1.001612 or 2.002154.
NATIONAL_CODE = re.compile(r"^[1-3]\.\d{6}$")


def run(ctx: RunContext, result: CheckResult) -> None:
    name = ctx.target.name
    specs = [spec for plugin, spec in ctx.manager.collect("motcua_procedures")
             if plugin == name and isinstance(spec, ProcedureSpec)]
    if not specs and ctx.works_with:
        _cooperating(ctx, result)
        return
    if not specs:
        result.abort("declares no procedure")
    for code, count in Counter(spec.code for spec in specs).items():
        if count > 1:
            result.fail(f"procedure code {code} is declared {count} times")
    samples = [sample for plugin, sample in ctx.manager.sample_dossiers() if plugin == name]
    ctx.samples = samples
    record = ctx.manager.records.get(name)
    declared = set(record.unit_functions) if record is not None else set()
    for spec in specs:
        _check_procedure(spec, result)
        _check_functions(spec, declared, result)
        own = [sample for sample in samples if sample.procedure_code == spec.code]
        if not own:
            result.fail(f"{spec.code}: no sample dossier, so the suite cannot take it "
                        "through its lifecycle")
        for sample in own:
            _check_sample(spec, sample, result)
    codes = {spec.code for spec in specs}
    for sample in samples:
        if sample.procedure_code not in codes:
            result.fail(f"sample of {sample.applicant_name} names procedure "
                        f"{sample.procedure_code}, which the plugin does not declare")
    result.data["procedures"] = sorted(codes)
    result.ok(f"{len(specs)} procedures ({', '.join(sorted(codes))}), {len(samples)} samples")


def _check_procedure(spec: ProcedureSpec, result: CheckResult) -> None:
    where = spec.code
    if not NATIONAL_CODE.match(spec.code):
        result.fail(f"{where}: not a national procedure code (d.dddddd, e.g. 1.001612)")
    for attribute in ("name", "field", "result_type"):
        if not str(getattr(spec, attribute) or "").strip():
            result.fail(f"{where}: {attribute} is empty")
    if not spec.documents:
        result.fail(f"{where}: lists no document for the applicant to hand in")
    if spec.schema is not None:
        if not (isinstance(spec.schema, type) and issubclass(spec.schema, Schema)):
            result.fail(f"{where}: its schema {spec.schema!r} is not a marshmallow Schema "
                        "class")
        else:
            try:
                spec.schema()
                result.ok(f"{where}: schema {spec.schema.__name__} loads")
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                result.fail(f"{where}: schema {spec.schema.__name__} cannot be "
                            f"instantiated: {type(error).__name__}: {error}")
    if spec.workflow:
        try:
            steps = validate_steps([dict(step) for step in spec.workflow])
        except ValidationError as error:
            result.fail(f"{where}: default workflow refused by the routing engine: "
                        f"{error.message}")
        else:
            total = sum(step["days"] for step in steps)
            if total > spec.processing_days:
                result.fail(f"{where}: workflow steps take {total:g} working days, more "
                            f"than the procedure's {spec.processing_days}")
            else:
                result.ok(f"{where}: default workflow of {len(steps)} steps, {total:g} of "
                          f"{spec.processing_days} working days")


def _check_functions(spec: ProcedureSpec, declared: set[str], result: CheckResult) -> None:
    """Every unit function the default workflow names is one the test province has or
    one the plugin declares (``MOTCUA_UNIT_FUNCTIONS``), so the suite can build it."""
    named = sorted({str(step.get("unit", "")).removeprefix("function:")
                    for step in spec.workflow or ()
                    if str(step.get("unit", "")).startswith("function:")})
    for function in named:
        if function not in declared and function not in WORLD_FUNCTIONS:
            result.fail(f"{spec.code}: its workflow names function:{function}, which the "
                        f"plugin does not declare and the test province lacks: add "
                        f"MOTCUA_UNIT_FUNCTIONS = {{{function!r}: \"<name of the unit "
                        f"doing it>\"}} to the plugin module (the suite then builds such a "
                        "unit with its accounts)")


def _check_sample(spec: ProcedureSpec, sample: SampleDossier, result: CheckResult) -> None:
    if spec.schema is None or not (isinstance(spec.schema, type)
                                   and issubclass(spec.schema, Schema)):
        return
    try:
        spec.schema().load(dict(sample.specialist_data))
    except SchemaError as error:
        result.fail(f"{spec.code}: sample of {sample.applicant_name} does not load through "
                    f"the schema: {error.normalized_messages()}")
    except Exception as error:  # noqa: BLE001 - a crash in a schema is the finding
        result.fail(f"{spec.code}: the schema crashed on the sample: "
                    f"{type(error).__name__}: {error}")


def _cooperating(ctx: RunContext, result: CheckResult) -> None:
    """A plugin working on other plugins' dossiers: its samples must be of their
    procedures and load through their schemas."""
    name = ctx.target.name
    others = PluginManager(ctx.works_with)
    others.load_installed()
    procedures = others.procedures()
    ctx.samples = [sample for plugin, sample in ctx.manager.sample_dossiers() if plugin == name]
    if not ctx.samples:
        result.fail("declares no procedure and no sample dossier of the plugins it works with")
    for sample in ctx.samples:
        entry = procedures.get(sample.procedure_code)
        if entry is None:
            result.fail(f"sample of {sample.applicant_name} names procedure "
                        f"{sample.procedure_code}, which none of {', '.join(ctx.works_with)} "
                        "declares")
            continue
        _check_sample(entry[1], sample, result)
    if not result.failures:
        result.not_applicable(f"declares no procedure of its own; its {len(ctx.samples)} "
                              f"sample(s) are dossiers of {', '.join(ctx.works_with)} and load "
                              "through their schemas")
