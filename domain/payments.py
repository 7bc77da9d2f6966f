"""Payment orders: what the customer is asked to pay for an order, and its outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidInput, InvalidStateTransition


class PaymentOrder(Aggregate):
    """pending -> authorized (provider charged the card) -> verified (we checked the
    provider's signature and the order is paid); or pending -> declined."""

    class_version = 1
    Issued: ClassVar[type[DomainEvent]]
    Authorized: ClassVar[type[DomainEvent]]
    Declined: ClassVar[type[DomainEvent]]
    Verified: ClassVar[type[DomainEvent]]

    @event("Issued")
    def __init__(
        self, id: uuid.UUID, order_id: uuid.UUID, user_id: uuid.UUID, amount: int, currency: str
    ) -> None:
        self.order_id = order_id
        self.user_id = user_id
        self.amount = amount
        self.currency = currency
        self.status = "pending"
        self.transaction_id: str | None = None
        self.method: dict[str, Any] = {}

    def authorize(self, transaction_id: str, method: dict[str, Any]) -> None:
        if self.status != "pending":
            raise InvalidStateTransition(f"Payment is already {self.status}")
        self._authorized(transaction_id=transaction_id, method=method)

    @event("Authorized")
    def _authorized(self, transaction_id: str, method: dict[str, Any]) -> None:
        self.status = "authorized"
        self.transaction_id = transaction_id
        self.method = method

    def decline(self, reason: str, method: dict[str, Any]) -> None:
        if self.status != "pending":
            raise InvalidStateTransition(f"Payment is already {self.status}")
        self._declined(reason=reason, method=method)

    @event("Declined")
    def _declined(self, reason: str, method: dict[str, Any]) -> None:
        self.status = "declined"
        self.method = method

    def verify(self, transaction_id: str, verified_at: datetime) -> None:
        if self.status == "verified" and self.transaction_id == transaction_id:
            return  # a retried verification changes nothing
        if self.status != "authorized":
            raise InvalidStateTransition(f"Payment is {self.status}, not authorized")
        if transaction_id != self.transaction_id:
            raise InvalidInput("transactionId", "Transaction does not belong to this payment")
        self._verified(verified_at=verified_at)

    @event("Verified")
    def _verified(self, verified_at: datetime) -> None:
        self.status = "verified"
