"""Reading untrusted JSON with a bound on its nesting.

Python's parser gives up around 1,000 levels with a RecursionError (not a ValueError, so
every ``except ValueError`` around a parse missed it and answered 500), and anything that
walks a deep value later (validation, storage, the audit trail) can fail the same way.
No request of the one-stop shop needs more than a few levels.
"""

from __future__ import annotations

import json

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64


class TooDeep(ValueError):
    """The JSON is nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels")


def depth_exceeds(value: object, limit: int = MAX_DEPTH) -> bool:
    """True if ``value`` has objects or arrays nested more than ``limit`` levels."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None
        if children is None:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


def loads(text: str | bytes) -> object:
    """``json.loads`` that raises a ValueError (:class:`TooDeep`) for deep nesting."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep from None
    if depth_exceeds(value):
        raise TooDeep
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing request bodies with :func:`loads` (``request.get_json``)."""

    def loads(self, s: str | bytes, **kwargs) -> object:  # noqa: ANN003
        return loads(s)
