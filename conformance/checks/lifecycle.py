"""Lifecycle: every sample dossier goes from the desk through the department screens and
the plugin's own pages to its issued result and back to the applicant, over HTTP, each
step by the officer whose role it is; the lifecycle signals fire. A plugin with pages
must show each dossier on at least one of them on its way (a page taking its code, or a
queue listing it), before or after its result is issued; none may break on it."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from flask import url_for
from marshmallow import Schema
from sqlalchemy import select

from motcua.conformance import driver, generated, urls
from motcua.conformance.channels import ask_every_channel
from motcua.conformance.context import RunContext, Snapshot
from motcua.conformance.results import CheckResult
from motcua.core.models import Dossier
from motcua.core.plugin_manager.dossiers import public_fields
from motcua.core.plugin_manager.views import dossier_view
from motcua_sdk import ProcedureSpec, signals

TITLE = "Lifecycle: desk, screens, result issued, returned (HTTP, proper roles)"
EXPECTED_EVENTS = ("received", "result_issued", "returned")
HEARD_SIGNALS = ("received", "result_issued", "returned")


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    if not ctx.samples:
        result.abort("the plugin provides no sample dossier")
    vendor_samples = list(ctx.samples)
    _add_generated(ctx, result)
    with _listening() as heard:
        for index, sample in enumerate(ctx.samples):
            label = ctx.generated.get(index)
            where = (f"sample {index + 1} ({sample.procedure_code}"
                     + (f", generated: {label}" if label else "") + ")")
            started = datetime.now(UTC)
            try:
                code = _one(ctx, sample, result, where if label else "")
            except driver.DriveError as error:
                crashes = _hook_crashes(ctx, started) if label else ""
                if label and 400 <= error.status < 500 and not crashes:
                    # The schema accepted it, a rule of the plugin's beyond it did not
                    # (a name already registered, a business already closed): a
                    # refusal with a message, not a fault.
                    result.ok(f"{where}: refused by the plugin's rules: {error}")
                    continue
                if not label and isinstance(error, driver.IntakeError):
                    ctx.intake_failures.append(f"{sample.procedure_code}: {error}")
                result.fail(f"{where}: {error}{crashes}")
                continue
            if label and (crashes := _hook_crashes(ctx, started)):
                result.fail(f"{where}: {code}{crashes}")
            ctx.finished[index] = code
            if label and label.endswith(generated.CANARY_LABEL):
                ctx.canary_codes.append(code)
    for name in HEARD_SIGNALS:
        missing = [code for code in ctx.finished.values() if code not in heard[name]]
        if missing:
            result.fail(f"signal {name} was not sent for {', '.join(missing)}")
    # One more dossier per procedure left in processing, for the other checks' pages
    # (the vendor's first sample), and one of each HTML-canary sample, for its queues.
    for sample in {s.procedure_code: s for s in reversed(vendor_samples)}.values():
        try:
            ctx.in_processing.append(_claimed(ctx, sample))
        except (driver.DriveError, TypeError) as error:
            result.fail(f"{sample.procedure_code}: a second dossier could not be claimed: "
                        f"{error}")
    for index, label in ctx.generated.items():
        if label.endswith(generated.CANARY_LABEL) and index in ctx.finished:
            try:
                ctx.canary_codes.append(_claimed(ctx, ctx.samples[index]))
            except (driver.DriveError, TypeError) as error:
                result.fail(f"{label}: a second dossier could not be claimed: {error}")
    if not result.failures:
        result.ok(f"{len(ctx.finished)} sample dossier(s) ({len(ctx.generated)} of them "
                  "generated from the schemas) received, processed, issued and returned; "
                  "the received, result_issued and returned signals fired")


def _hook_crashes(ctx: RunContext, since: datetime) -> str:
    """``""``, or a sentence naming the plugin's hooks that raised since ``since`` (the
    core contains them: a result refused, public fields left out, which a generated
    dossier's lifecycle would otherwise take for the plugin's rules)."""
    crashes = [f"{failure.hook} ({failure.message})" for failure in ctx.node.manager.failures
               if failure.plugin == ctx.target.name and failure.at >= since]
    if not crashes:
        return ""
    return f" (the plugin's hooks raised on it: {'; '.join(dict.fromkeys(crashes))})"


def _claimed(ctx: RunContext, sample) -> str:  # noqa: ANN001
    """A new dossier of ``sample``, claimed by the officer offered it; its code."""
    code = driver.take_in(ctx.node, sample)
    driver.act(ctx.node, code, *driver.offered(ctx.node, code, ("claim",)))
    return code


def _add_generated(ctx: RunContext, result: CheckResult) -> None:
    """Append to ``ctx.samples`` the dossiers generated from each sampled procedure's
    schema (:mod:`motcua.conformance.generated`), noted in ``ctx.generated``."""
    # Only real schema classes: the catalogue check reports any other.
    schemas = {spec.code: spec.schema for _plugin, spec
               in ctx.node.manager.collect("motcua_procedures")
               if isinstance(spec, ProcedureSpec) and isinstance(spec.schema, type)
               and issubclass(spec.schema, Schema)}
    made = generated.generate(schemas, ctx.samples)
    for label, sample in made:
        ctx.generated[len(ctx.samples)] = label
        ctx.samples.append(sample)
    result.data["generated_samples"] = [label for label, _sample in made]


@contextmanager
def _listening():
    heard: dict[str, set[str]] = {name: set() for name in HEARD_SIGNALS}
    receivers = {}
    for name in HEARD_SIGNALS:
        def receiver(sender, _name=name, **_kwargs):  # noqa: ANN001, ANN003, ANN202
            heard[_name].add(sender.code)
        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    try:
        yield heard
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)


def _snapshot(ctx: RunContext, code: str, state: str, sample) -> None:  # noqa: ANN001
    app = ctx.node.app
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            dossier = database.session.scalar(select(Dossier).where(Dossier.code == code))
            fields = public_fields(dossier)
        finally:
            database.remove()
    channels = ask_every_channel(ctx.node.client("anonymous"), code)
    ctx.snapshots.append(Snapshot(code=code, state=state, channels=channels,
                                  hook_fields=fields, sample=sample))


def _plugin_pages(ctx: RunContext, code: str, role: str, result: CheckResult) -> int:
    """GET the plugin's pages about dossier ``code`` as ``role`` (those taking its code,
    and those without arguments, its queues); how many rendered it: a page taking the
    code answering 200, a queue answering 200 and listing the code."""
    rendered = 0
    for rule in urls.plugin_rules(ctx, "GET"):
        if rule.arguments - {"code"}:
            continue  # about something else: the screens check requests those
        path = rule.build({"code": code} if rule.arguments else {}, append_unknown=False)[1]
        answer = driver.call(ctx.node, role, "GET", path)
        if answer.status >= 500:
            result.fail(f"{answer} (the plugin's page broke on dossier {code})")
        elif answer.status == 200 and (rule.arguments or code in answer.text):
            rendered += 1
    return rendered


def _one(ctx: RunContext, sample, result: CheckResult, where: str = "") -> str:  # noqa: ANN001
    """Take ``sample`` through its whole lifecycle; its code. ``where`` names a generated
    sample in the findings about its pages (which dossier broke them is not enough: the
    reader must know what it held)."""
    instance = ctx.node
    if where:
        result = _Prefixed(result, where)
    code = driver.take_in(instance, sample)
    _snapshot(ctx, code, "received", sample)
    pages = 0

    def moved(_action: str, role: str) -> None:
        nonlocal pages
        if not any(s.code == code and s.state == "in processing" for s in ctx.snapshots):
            _snapshot(ctx, code, "in processing", sample)
        pages += _plugin_pages(ctx, code, role, result)

    issuer = driver.route_to_result(instance, code, moved)
    pages += _plugin_pages(ctx, code, issuer, result)
    _, version = driver.work_page(instance, code, issuer)
    driver.act(instance, code, "issue_result", issuer, version)
    view = _view(ctx, code)
    if view.status != "result_ready":
        raise driver.DriveError(f"after issue_result the dossier is {view.status}")
    pages += _plugin_pages(ctx, code, issuer, result)
    number = (view.result or {}).get("number")
    if not number:
        result.fail(f"{code}: the issued result carries no number")
    else:
        ctx.result_numbers.append(str(number))
    endpoint = (view.result or {}).get("document_endpoint")
    if endpoint:
        with instance.app.test_request_context():
            path = url_for(endpoint, code=code)
        answer = driver.call(instance, issuer, "GET", path)
        text, note = answer.text, ""
        if answer.status == 200 and answer.mimetype == "application/pdf":
            text = driver.pdf_text(answer.content) if answer.content.startswith(b"%PDF-") else ""
            if text is None:  # no poppler here: a well-formed PDF is all that is checked
                text, note = str(number), " (a PDF; its text not read: no pdftotext)"
        if answer.status != 200 or (number and str(number) not in text):
            result.fail(f"{code}: the printable result {answer} does not show number {number}")
        else:
            result.ok(f"{code}: result {number}, printable at {path}{note}")
    _snapshot(ctx, code, "result ready", sample)
    _, version = driver.work_page(instance, code, "reception")
    driver.act(instance, code, "return_result", "reception", version,
               collected_by=sample.applicant_name, method="in_person")
    if _view(ctx, code).status != "returned":
        raise driver.DriveError("return_result did not return the dossier")
    _snapshot(ctx, code, "returned", sample)
    kinds = driver.event_kinds(instance, code)
    missing = [kind for kind in EXPECTED_EVENTS if kind not in kinds]
    if missing:
        result.fail(f"{code}: events {', '.join(missing)} were not recorded ({kinds})")
    if pages == 0 and urls.plugin_rules(ctx, "GET"):
        result.fail(f"{code}: none of the plugin's pages rendered this dossier on its way "
                    "(no page taking its code answered 200, no queue listed it)")
    result.ok(f"{code} ({sample.procedure_code}): {' → '.join(kinds)}; "
              f"{pages} plugin page(s) rendered it on the way")
    return code


class _Prefixed:
    """A CheckResult whose failures start with ``where``."""

    def __init__(self, result: CheckResult, where: str) -> None:
        self.result, self.where = result, where

    def fail(self, line: str) -> None:
        self.result.fail(f"{self.where}: {line}")

    def ok(self, line: str) -> None:
        self.result.ok(line)


def _view(ctx: RunContext, code: str):  # noqa: ANN202
    app = ctx.node.app
    with app.app_context():
        database = app.extensions["motcua.db"]
        try:
            dossier = database.session.scalar(select(Dossier).where(Dossier.code == code))
            return dossier_view(dossier)
        finally:
            database.remove()
