"""Personal data and secrets: what the public sees of a dossier shows nothing of its
applicant, and no secret of the server leaves it.

Public: for every dossier the run made, the plugin's public fields (what
``motcua_public_fields`` and the schema's public fields give) and every page the public
channels answered (the lookup website, its JSON API, the kiosk, the SMS reply; the
node's, and the hub's for the synced dossiers) must not
show the applicant's name, address, e-mail, organisation, citizen ID or phone, however
spelled (:mod:`motcua.conformance.personal` says what counts as a match). Besides the
vendor's samples, a copy of each with one optional specialist field left out is taken
in and looked up: a fallback that shows the applicant when a field is empty is a leak.

Secrets: the canary planted in the environment and the configuration, the session
secret key, the database URL (and its password or file) and the node's sync key must not
appear in any HTTP answer of the node or the hub, any log record, or any sync batch
(:mod:`motcua.conformance.leaks` watches the run).
"""

from __future__ import annotations

from sqlalchemy import select

from motcua.conformance import driver, personal
from motcua.conformance.channels import ask_every_channel
from motcua.conformance.context import RunContext
from motcua.conformance.results import CheckResult
from motcua.core.models import Dossier, SyncBatch
from motcua.core.plugin_manager.dossiers import public_fields
from motcua_sdk.types import SampleDossier

TITLE = "Personal data and secrets: nothing personal in public, no secret anywhere"
MAX_FINDINGS = 20  # per kind: one fault usually repeats on every dossier


def run(ctx: RunContext, result: CheckResult) -> None:
    if ctx.node is None:
        result.abort(f"no instance could be built: {ctx.instance_error}")
    emptied = _optional_fields_emptied(ctx, result)
    _ask_the_hub(ctx)
    applicants = _applicants(ctx)
    _public_fields(ctx, applicants, result)
    _public_pages(ctx, applicants, result)
    _secrets(ctx, result)
    if not result.failures:
        result.ok(f"{len(applicants)} dossier(s) ({emptied} with an optional field left "
                  f"out): no applicant's data in their public fields nor in "
                  f"{len(ctx.leaks.public_pages)} public page(s)")


def _optional_fields_emptied(ctx: RunContext, result: CheckResult) -> int:
    """Take in and look up, per procedure, its first sample with each optional field
    that it fills left out; how many were taken in."""
    taken = 0
    client = ctx.node.client("anonymous")
    for sample in {s.procedure_code: s for s in ctx.samples}.values():
        fields = _schema_fields(ctx, sample.procedure_code)
        for key, schema_field in fields.items():
            name = schema_field.data_key or key
            if schema_field.required or sample.specialist_data.get(name) in (None, "", [], {}):
                continue
            data = {k: v for k, v in sample.specialist_data.items() if k != name}
            variant = SampleDossier(procedure_code=sample.procedure_code,
                                    applicant_name=sample.applicant_name,
                                    specialist_data=data,
                                    applicant_citizen_id=sample.applicant_citizen_id,
                                    applicant_address=sample.applicant_address)
            try:
                code = driver.take_in(ctx.node, variant)
            except driver.DriveError as error:  # the schema may tie fields together
                result.ok(f"{sample.procedure_code} without {name!r}: not taken in ({error})"[:300])
                continue
            taken += 1
            ask_every_channel(client, code)
    return taken


def _ask_the_hub(ctx: RunContext) -> None:
    """Look the synced dossiers up on the hub too: the province's portal answers the
    public from what the nodes sent it."""
    if ctx.hub is None or "lookup.show" not in ctx.hub.app.view_functions:
        return
    client = ctx.hub.client("anonymous")
    for code in ctx.finished.values():
        ask_every_channel(client, code)


def _schema_fields(ctx: RunContext, procedure_code: str) -> dict:
    """The fields of the procedure's marshmallow schema ({} without a usable one: the
    catalogue check's finding)."""
    spec = ctx.node.manager.procedure_spec(procedure_code)
    try:
        fields = spec.schema().fields if spec is not None and spec.schema else {}
    except Exception:  # noqa: BLE001 - not a schema class
        return {}
    return fields if isinstance(fields, dict) else {}


def _applicants(ctx: RunContext) -> dict[str, list[personal.Needle]]:
    """Every dossier of the node: its code -> its applicant's data, as needles."""
    with ctx.node.app.app_context():
        database = ctx.node.database
        try:
            return {dossier.code: personal.needles(
                name=dossier.applicant_name, phone=dossier.applicant_phone,
                citizen_id=dossier.applicant_citizen_id, email=dossier.applicant_email,
                address=dossier.applicant_address, organization=dossier.applicant_organization)
                for dossier in database.session.scalars(select(Dossier))}
        finally:
            database.remove()


def _public_fields(ctx: RunContext, applicants: dict, result: CheckResult) -> None:
    found = 0
    with ctx.node.app.test_request_context():
        database = ctx.node.database
        try:
            for dossier in database.session.scalars(select(Dossier).order_by(Dossier.id)):
                for label, value in public_fields(dossier).items():
                    shown = personal.leaked(f"{label} {value}", applicants[dossier.code])
                    if shown and found < MAX_FINDINGS:
                        found += 1
                        result.fail(f"{dossier.code}: public field {label!r} shows the "
                                    f"applicant's {', '.join(shown)}: {value!r}")
        finally:
            database.remove()


def _public_pages(ctx: RunContext, applicants: dict, result: CheckResult) -> None:
    """Every public page against every applicant (a page about one dossier showing
    another's applicant leaks as much)."""
    wanted = list({needle: None for needles in applicants.values() for needle in needles})
    reported: set[str] = set()  # a page asked in several states is named once
    for page in ctx.leaks.public_pages:
        if page.where in reported:
            continue
        shown = personal.leaked(page.text, wanted)
        if shown and len(reported) < MAX_FINDINGS:
            reported.add(page.where)
            result.fail(f"{page.where} shows an applicant's {', '.join(shown)}")


def _secrets(ctx: RunContext, result: CheckResult) -> None:
    watch = ctx.leaks
    with ctx.node.database.session_factory() as session:
        batches = list(session.scalars(select(SyncBatch)))
    for batch in batches:
        watch.search(batch.body, f"sync batch {batch.sequence} (sent to the hub)")
    for finding in watch.findings[:MAX_FINDINGS]:
        result.fail(f"{finding}: a secret must never leave the server")
    if not watch.findings:
        result.ok(f"{len(watch.secrets)} secrets (the planted canaries, the secret keys, "
                  f"database URLs and sync key) in none of {watch.answers_seen} HTTP "
                  f"answers, {watch.logs_seen} log records, {len(batches)} sync batches")
