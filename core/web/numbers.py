"""Numbers in URLs that the database can hold.

An id or a page number beyond a database integer matches nothing, yet reached the query
it made the driver fail (a 500). Path ids (``<int:...>``) beyond it now match no route
(404), and a query-string number read with ``request.args.get(name, type=int)`` beyond
it is a 400 with a message.
"""

from __future__ import annotations

from flask import Flask, Request, abort
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from motcua.core.db import INT_MAX


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` up to :data:`~motcua.core.db.INT_MAX` unless a rule says otherwise."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002, ANN001
                 max: int | None = INT_MAX, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedArgs(ImmutableMultiDict):
    """Request parameters whose ``type=int`` reads refuse numbers beyond a database
    integer (other unreadable values still give the default, as before)."""

    def get(self, key, default=None, type=None):  # noqa: ANN001, ANN201, A002
        value = super().get(key, default, type)
        if type is int and value is not default and not -INT_MAX - 1 <= value <= INT_MAX:
            abort(400, description=_("%(name)s must be a number up to %(limit)s.",
                                     name=key, limit=INT_MAX))
        return value


class BoundedRequest(Request):
    parameter_storage_class = BoundedArgs


def init_app(app: Flask) -> None:
    """Install both; before any blueprint adds its rules (converters bind then)."""
    app.request_class = BoundedRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
