"""Errors a plugin raises (or catches from :mod:`motcua_sdk.services`).

The core turns them into the same answers as its own errors: JSON ``{"error": ...}``
under ``/api/``, an error page elsewhere, an ``Error: ...`` line on the command line.
"""

from __future__ import annotations


class PluginError(Exception):
    """Base class: ``message`` is shown to the user, ``status_code`` is the HTTP status."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(PluginError):
    """Bad input (HTTP 422); ``field`` names the offending field when there is one."""

    status_code = 422


class Forbidden(PluginError):
    """The account may not do this (HTTP 403)."""

    status_code = 403


class NotFound(PluginError):
    """No such dossier or record (HTTP 404)."""

    status_code = 404


class Conflict(PluginError):
    """Someone else changed the record first, or it is in the wrong state (HTTP 409)."""

    status_code = 409


BY_STATUS = {422: ValidationError, 403: Forbidden, 404: NotFound, 409: Conflict}
