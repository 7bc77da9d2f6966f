"""What can go wrong in the domain, in the domain's words.

The HTTP adapter maps each of these onto the spec's status codes and ``error.code`` values.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "NOT_FOUND"


class InvalidInput(DomainError):
    """A value the domain rejects; ``field`` names it in the request."""

    code = "VALIDATION_ERROR"

    def __init__(self, field: str, message: str, code: str = "INVALID_FORMAT") -> None:
        super().__init__(message, field=field, field_code=code)
        self.field = field
        self.field_code = code


class EmailTaken(DomainError):
    code = "EMAIL_TAKEN"


class InsufficientStock(DomainError):
    code = "INSUFFICIENT_STOCK"


class InvalidStateTransition(DomainError):
    code = "INVALID_STATE_TRANSITION"


class ConcurrencyConflict(DomainError):
    code = "CONCURRENCY_CONFLICT"


class PaymentDeclined(DomainError):
    code = "PAYMENT_DECLINED"


class NotAuthenticated(DomainError):
    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    code = "FORBIDDEN"
