"""The one domain error family. Views turn it into a message, the API into 409."""


class DomainError(Exception):
    """A request that is well-formed but not allowed in the current state.

    ``field`` optionally names the input the refusal is about, so a form can
    show the message next to that field rather than above the whole form.
    """

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidTransition(DomainError):
    code = "invalid_transition"


class PermissionDeniedError(DomainError):
    code = "not_permitted"
