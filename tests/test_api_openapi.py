"""The OpenAPI document is valid OpenAPI 3 and lists every API v1 route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


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


def test_every_write_documents_its_idempotency_key(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    writes = {(path, method): operation for path, ops in document["paths"].items()
              for method, operation in ops.items() if method in ("post", "put", "patch",
                                                                 "delete")}
    assert writes
    for operation in writes.values():
        (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and "24 hours" in header["description"]
