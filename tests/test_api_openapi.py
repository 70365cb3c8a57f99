"""The OpenAPI documents are valid OpenAPI 3, list every API v1 route and state the rules
the code enforces."""

from __future__ import annotations

import base64
import re

import pytest
from openapi_spec_validator import validate

from motcua.core.db import INT_MAX
from motcua.core.json_limits import MAX_DEPTH
from tests.factories import applicant, intake_data


def test_document_validates_as_openapi_3(sqlite_app):
    response = sqlite_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "Error" in document["components"]["schemas"]


def test_document_lists_every_route(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    routes = set()
    for rule in sqlite_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes and routes == documented


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/sync/v1/openapi.json"])
def test_both_documents_state_the_rules_every_request_is_held_to(sqlite_app, path):
    document = sqlite_app.test_client().get(path).get_json()
    validate(document)
    rules = document["info"]["description"]
    for rule in ("NUL character", f"deeper than {MAX_DEPTH} levels", str(INT_MAX), "405",
                 "Allow", "500"):
        assert rule in rules, rule
    for operations in document["paths"].values():
        for operation in operations.values():
            assert "default" in operation["responses"]


CITIZEN_IDS = ["072090001234", "07209000123", "0720900012345", "07209000123a", "0720900O1234",
               "000090001234", "096090001234", "097090001234"]


def test_the_documented_patterns_agree_with_what_the_api_refuses(app, world, desk_client):
    schemas = desk_client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    citizen_id = schemas["Applicant"]["properties"]["citizen_id"]["pattern"]
    for value in CITIZEN_IDS:
        answer = desk_client.post("/api/v1/dossiers", json=intake_data(
            world, applicant=applicant(citizen_id=value)))
        assert (answer.status_code == 201) == bool(re.search(citizen_id, value)), value
    filename = schemas["AttachmentIn"]["properties"]["filename"]["pattern"]
    for name in ("don.pdf", "don\r\n.pdf", "don\t.pdf"):
        answer = desk_client.post("/api/v1/dossiers", json=intake_data(world, attachments=[
            {"filename": name, "content_type": "application/pdf",
             "data_base64": base64.b64encode(b"%PDF-1.4\n").decode()}]))
        assert (answer.status_code == 201) == bool(re.search(filename, name)), name


def test_every_write_documents_its_idempotency_key(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    writes = {(path, method): operation for path, ops in document["paths"].items()
              for method, operation in ops.items() if method in ("post", "put", "patch",
                                                                 "delete")}
    assert writes
    for operation in writes.values():
        (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and "24 hours" in header["description"]


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/sync/v1/openapi.json"])
def test_every_schema_states_the_rules_the_code_enforces(sqlite_app, path):
    document = sqlite_app.test_client().get(path).get_json()
    parameters = [p["schema"] for ops in document["paths"].values() for op in ops.values()
                  for p in op.get("parameters", [])]
    for schema in parameters:
        if schema.get("type") == "string" and "enum" not in schema:
            assert not re.search(schema["pattern"], "a\x00b"), schema
        if schema.get("type") == "integer":
            assert schema["maximum"] <= INT_MAX


def test_documented_date_and_base64_rules_agree_with_the_api(app, world, desk_client):
    document = desk_client.get("/api/v1/openapi.json").get_json()
    (received_to,) = [p["schema"] for p in document["paths"]["/api/v1/dossiers"]["get"][
        "parameters"] if p["name"] == "received_to"]
    for day in ("2025-01-05", "0095-01-05"):
        answer = desk_client.get(f"/api/v1/dossiers?received_to={day}")
        assert (answer.status_code == 200) == bool(re.search(received_to["pattern"], day))
    data = document["components"]["schemas"]["AttachmentIn"]["properties"]["data_base64"]
    assert data["format"] == "byte"
