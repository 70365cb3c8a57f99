"""Schemathesis runs every operation of both OpenAPI documents (REST API and sync) against
the app, with all its checks and a bounded, derandomized number of examples, on every
backend."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance
from schemathesis.core.failures import FailureGroup

from tests.factories import intake_data
from tests.test_api import attachment, make_token

EXAMPLES = 20
load_all_checks()
ALL_CHECKS = CHECKS.get_all()
# Operations whose body holds a free-form JSON object (a dossier's specialist data, an
# action's plugin result, a workflow's steps): OpenAPI 3.0 cannot say "no NUL in any
# nested string or key" of such an object, so a "valid" one may carry a NUL the server
# rightly refuses (400, as the document's rules state). A dossier's names and addresses
# also take letters, digits, spaces and punctuation only, Unicode categories that an
# OpenAPI 3.0 (ECMA-262) pattern cannot name. Only the positive-acceptance check is left
# out for them; every other check runs.
FREE_FORM = {"POST /api/v1/dossiers", "POST /api/v1/dossiers/{code}/actions/{action}",
             "PUT /api/v1/procedures/{code}/workflow"}


def refer_to_records(case, references: dict) -> None:
    """Point the generated unit and procedure codes and document ids at records that
    exist: a schema-valid code of no record is rightly refused (tests/test_api.py covers
    that), and schemathesis cannot know which codes exist. Schemathesis re-reads the
    changed case, so a negative case made valid here is then checked as a positive one."""
    containers = [case.query] + ([case.body] if isinstance(case.body, dict) else [])
    for container in containers:
        for name, value in references.items():
            if name in container:
                container[name] = value
        if "procedure_code" in container:
            # A dossier without its procedure's required documents is refused by rule.
            container["submitted_documents"] = references["submitted_documents"]
        if container.get("attachments"):
            # A file must start with its type's signature (%PDF for a PDF), which no
            # schema can say; tests/test_api.py and test_attachments.py cover refusals.
            container["attachments"] = references["attachments"]


def failures_of(app, path: str, headers: dict, references: dict,
                excluded: set[str] | None = FREE_FORM) -> list[str]:
    """Run every operation of the document at ``path``, leaving the positive-acceptance
    check out for the operations ``excluded`` (None: for all); the failures as readable
    lines."""
    schema = schemathesis.openapi.from_wsgi(path, app)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        skipped = ([positive_data_acceptance]
                   if excluded is None or operation.label in excluded else [])

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            refer_to_records(case, references)
            case.call_and_validate(headers=headers, checks=ALL_CHECKS,
                                   excluded_checks=skipped)  # noqa: B023 - run() runs here

        try:
            run()
        except FailureGroup as error:
            found.append(f"{operation.label}: {error}")
    return found


def test_rest_api_passes_every_check(app, world):
    token = make_token(app, world.accounts["reception"].id)
    intake = intake_data(world)
    references = {"unit": world.district.code, "procedure": intake["procedure_code"],
                  **{name: intake[name] for name in
                     ("unit_code", "procedure_code", "submitted_documents")},
                  "attachments": [attachment()]}
    failures = failures_of(app, "/api/v1/openapi.json", {"Authorization": f"Bearer {token}"},
                           references)
    assert not failures, "\n\n".join(failures)


def test_sync_api_refuses_unsigned_requests_as_documented(app, world):
    # Sync requests are signed with a unit's key over the exact body (docs/sync.md) and
    # schemathesis cannot make such a signature, so every operation is called with the
    # generated (wrong) one and must answer with a documented refusal. Positive
    # acceptance cannot apply: no generated request is a signed one.
    failures = failures_of(app, "/sync/v1/openapi.json", {}, {}, excluded=None)
    assert not failures, "\n\n".join(failures)
