"""Exception types of the core, each carrying a message a person can act on."""


class MotcuaError(Exception):
    """Base of every error the core raises on purpose."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(MotcuaError):
    """Input that breaks a rule; nothing was written."""


class NotFound(MotcuaError):
    status_code = 404


class Forbidden(MotcuaError):
    status_code = 403


class Conflict(MotcuaError):
    """Someone else changed the record first (optimistic lock) or a unique rule was hit."""

    status_code = 409


class ConfigurationError(MotcuaError):
    """The deployment is configured in a way the core refuses to run with."""
