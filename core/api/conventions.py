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
