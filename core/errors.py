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


class InvalidFields(ValidationError):
    """Several inputs break their rules at once: ``errors`` lists every
    ``(field path, message)``, so a form or an API client can show them all; the
    message and field are the first one's."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        field, message = errors[0]
        super().__init__(f"{field}: {message}", field=field)
        self.errors = list(errors)
