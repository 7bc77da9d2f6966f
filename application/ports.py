"""What the applications need from the outside world; adapters/ provides the real ones."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class BlobStore(Protocol):
    """Where files live: uploads, avatar models and previews, render results."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def signed_url(self, key: str, ttl_s: int = 3600) -> str: ...


class CommandBus(Protocol):
    """Carries render and scan commands to workers (in-process or NATS JetStream)."""

    def publish(self, command: dict[str, object]) -> None: ...


class PaymentProvider(Protocol):
    """Gives money back. Refunding the same transaction again returns the same refund id
    (a retried command never refunds twice)."""

    def refund(self, transaction_id: str, amount: int, currency: str) -> str: ...
