"""The one domain error family. Views turn it into a message, the API into 409."""


class DomainError(Exception):
    """A request that is well-formed but not allowed in the current state."""

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidTransition(DomainError):
    code = "invalid_transition"


class PermissionDeniedError(DomainError):
    code = "not_permitted"
