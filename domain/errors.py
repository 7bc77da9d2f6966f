"""What can go wrong in the domain, in the domain's words.

The HTTP adapter (``adapters/http/errors.py``) decides what each of these looks like on the
wire: its status code, and the request field an ``InvalidInput`` points at.
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
    """A value the domain rejects. ``field`` names it in the domain's words (``is_default``,
    ``current_password``, ``images.0.url``); the adapter spells it as its request does."""

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


class Unauthenticated(DomainError):
    """Who is asking cannot be established: no or an expired sign-in, or a refused one."""

    code = "UNAUTHORIZED"


class CredentialsRejected(Unauthenticated):
    """Wrong email or password: the same refusal whether the account exists or not."""


class SessionEnded(Unauthenticated):
    """A refresh token of a revoked, reused, unknown or erased sign-in session."""


class Forbidden(DomainError):
    code = "FORBIDDEN"
