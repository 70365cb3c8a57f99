"""Which request parameters a view reads: the query string's, the form's and the JSON
body's keys it asks for, seen by swapping the application's request class for one whose
parameter containers note every key looked up (``get``, ``[]``, ``getlist``, ``in``).

Used by the injection check to fuzz exactly what a view reads, not only the names a
page's form happens to show.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask


@contextmanager
def reads_recorded(app: Flask) -> Iterator[set[str]]:
    """While open, every parameter name any view of ``app`` looks up goes into the set
    yielded (cleared by the caller between requests)."""
    names: set[str] = set()
    original = app.request_class
    storage = original.parameter_storage_class

    class RecordingParameters(storage):
        def __getitem__(self, key):  # noqa: ANN001, ANN204
            names.add(str(key))
            return super().__getitem__(key)

        def get(self, key, default=None, type=None):  # noqa: ANN001, ANN201, A002
            names.add(str(key))
            return super().get(key, default, type)

        def getlist(self, key, type=None):  # noqa: ANN001, ANN201, A002
            names.add(str(key))
            return super().getlist(key, type)

        def __contains__(self, key) -> bool:  # noqa: ANN001
            names.add(str(key))
            return super().__contains__(key)

    class RecordingBody(dict):
        def __getitem__(self, key):  # noqa: ANN001, ANN204
            names.add(str(key))
            return super().__getitem__(key)

        def get(self, key, default=None):  # noqa: ANN001, ANN201
            names.add(str(key))
            return super().get(key, default)

        def __contains__(self, key) -> bool:  # noqa: ANN001
            names.add(str(key))
            return super().__contains__(key)

    class RecordingRequest(original):
        parameter_storage_class = RecordingParameters

        def get_json(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
            body = super().get_json(*args, **kwargs)
            return RecordingBody(body) if isinstance(body, dict) else body

    app.request_class = RecordingRequest
    try:
        yield names
    finally:
        app.request_class = original
