"""What every request to the JSON APIs (``/api/v1``, ``/sync/v1``) is held to, stated once
for both OpenAPI documents from the constants the code enforces."""

from __future__ import annotations

from motcua.core.db import INT_MAX
from motcua.core.json_limits import MAX_DEPTH
from motcua.core.timeutil import EARLIEST_DATE, LATEST_DATE

RULES = (
    "Rules every request is held to, whatever the operation: "
    "a NUL character (\\u0000) anywhere in the path, query, form or JSON body is a 400; "
    f"JSON nested deeper than {MAX_DEPTH} levels is a 400; "
    f"a whole number (id, page) above {INT_MAX} is a 400 in the query and a 404 in the path; "
    f"a date is YYYY-MM-DD from {EARLIEST_DATE} to {LATEST_DATE}; "
    "a body above the server's limit (5 times the attachment limit) is a 413. "
    "Every error, a 500 included, is JSON {\"error\": message, \"field\": path}; "
    "a 405 carries the Allow header."
)
DEFAULT_ERROR = ("Any other error (405 with Allow, 413 body too large, 429 too many "
                 "requests, 500): the same JSON error body.")


def add_default_errors(paths: dict, error: dict) -> None:
    """Give every operation of ``paths`` the ``default`` response ``error``."""
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("default", error)


# Years 1900 to 2999, the range :data:`RULES` states; the day's range is format "date"'s.
DATE_PATTERN = "^(19[0-9]{2}|2[0-9]{3})-"
NO_NUL_PATTERN = "^[^\\x00]*$"


def state_rules(document: dict) -> None:
    """Write :data:`RULES` into every schema of ``document`` that can carry them: strings
    without NUL, dates in range, whole numbers up to INT_MAX, so that a client (or a
    fuzzer) reading one schema alone knows what the server refuses."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _state_in(parameter.get("schema", {}))
    for schema in document.get("components", {}).get("schemas", {}).values():
        _state_in(schema)


def _state_in(schema: dict) -> None:
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema:
        if schema.get("format") == "date":
            schema.setdefault("pattern", DATE_PATTERN)
        elif schema.get("format") is None:
            schema.setdefault("pattern", NO_NUL_PATTERN)
    elif kind == "integer":
        schema.setdefault("maximum", INT_MAX)
    for key in ("properties", "patternProperties"):
        for child in schema.get(key, {}).values():
            _state_in(child)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _state_in(schema[key])
