"""Payment orders: what the customer is asked to pay for an order, and its outcome."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, NamedTuple, TypedDict

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidInput, InvalidStateTransition
from domain.money import Money, to_cents


class PaymentStatus(StrEnum):
    PENDING = "pending"        # awaiting a card; also after a declined attempt
    AUTHORIZED = "authorized"  # the provider charged the card; not yet verified by us
    VERIFIED = "verified"      # signature checked, the order is paid
    REFUNDED = "refunded"      # the provider gave the money back
    VOIDED = "voided"          # the order expired (or was cancelled) before it was paid


class StoredCard(TypedDict, total=False):
    """How payment events store the card an attempt used (never its number): the provider's
    description, in the API's words."""

    type: str
    last4: str
    brand: str
    expiryMonth: int
    expiryYear: int


class ProviderRefund(NamedTuple):
    refund_id: str
    amount: int  # cents of the payment's currency
    reason: str


@dataclass(frozen=True)
class ProviderEvent:
    """What the payment provider reports happened to a payment (its webhook): paid at the
    provider, declined there, or refunded there."""

    type: Literal["payment.succeeded", "payment.failed", "payment.refunded"]
    data: Mapping[str, Any]

    @property
    def payment_order_id(self) -> str:
        return str(self.data.get("paymentOrderId", ""))

    @property
    def transaction_id(self) -> str:
        return str(self.data.get("transactionId", ""))

    @property
    def decline_reason(self) -> str:
        return str(self.data.get("reason", "declined"))

    def refund(self) -> ProviderRefund:
        """The refund a "payment.refunded" event reports: it must name the refund and an
        exact amount."""
        refund_id = str(self.data.get("refundId") or "")
        if not refund_id:
            raise InvalidInput("data.refundId", "A refund event names its refund", "REQUIRED")
        try:
            amount = to_cents(str(self.data.get("amount")))
        except ValueError:
            raise InvalidInput("data.amount", "Not an amount", "INVALID_FORMAT") from None
        return ProviderRefund(refund_id, amount, str(self.data.get("reason") or "refund"))


def card_has_expired(expiry_year: int, expiry_month: int, today: date) -> bool:
    """A card is good through the last day of its expiry month."""
    return (expiry_year, expiry_month) < (today.year, today.month)


def decline_reason(card_expired: bool, approved: bool, provider_reason: str | None) -> str | None:
    """Why a card attempt fails, or None when it pays: an expired card is declined whatever
    the provider answered."""
    if card_expired:
        return "expired_card"
    return None if approved else provider_reason or "declined"


class PaymentOrder(Aggregate):
    """pending -> authorized (provider charged the card) -> verified (we checked the
    provider's signature and the order is paid) -> refunded. A declined card is an attempt:
    the payment stays pending and can be paid with another card. pending -> voided when the
    order expires unpaid.

    Logs written before attempts existed hold ``Declined`` events that ended the payment;
    they now read as a declined attempt, so those orders became payable again."""

    class_version = 1
    Issued: ClassVar[type[DomainEvent]]
    Authorized: ClassVar[type[DomainEvent]]
    Declined: ClassVar[type[DomainEvent]]
    Verified: ClassVar[type[DomainEvent]]
    Voided: ClassVar[type[DomainEvent]]
    Refunded: ClassVar[type[DomainEvent]]

    @event("Issued")
    def __init__(
        self, id: uuid.UUID, order_id: uuid.UUID, user_id: uuid.UUID, amount: int, currency: str
    ) -> None:
        self.order_id = order_id
        self.user_id = user_id
        self.amount = Money(amount, currency)
        self.status = PaymentStatus.PENDING
        self.transaction_id: str | None = None
        self.method: StoredCard = {}
        self.declined_attempts = 0
        self.refund_id: str | None = None

    def _check_pending(self) -> None:
        if self.status != PaymentStatus.PENDING:
            raise InvalidStateTransition(f"Payment is already {self.status}")

    def authorize(self, transaction_id: str, method: StoredCard) -> None:
        self._check_pending()
        self._authorized(transaction_id=transaction_id, method=method)

    @event("Authorized")
    def _authorized(self, transaction_id: str, method: StoredCard) -> None:
        self.status = PaymentStatus.AUTHORIZED
        self.transaction_id = transaction_id
        self.method = method

    def decline(self, reason: str, method: StoredCard) -> None:
        self._check_pending()
        self._declined(reason=reason, method=method)

    @event("Declined")
    def _declined(self, reason: str, method: StoredCard) -> None:
        # An attempt, not an outcome: the payment stays payable.
        self.status = PaymentStatus.PENDING
        self.declined_attempts += 1

    def verify(self, transaction_id: str, verified_at: datetime) -> None:
        if self.status == PaymentStatus.VERIFIED and self.transaction_id == transaction_id:
            return  # a retried verification changes nothing
        if self.status != PaymentStatus.AUTHORIZED:
            raise InvalidStateTransition(f"Payment is {self.status}, not authorized")
        if transaction_id != self.transaction_id:
            raise InvalidInput("transactionId", "Transaction does not belong to this payment")
        self._verified(verified_at=verified_at)

    @event("Verified")
    def _verified(self, verified_at: datetime) -> None:
        self.status = PaymentStatus.VERIFIED

    def void(self, reason: str) -> None:
        self._check_pending()
        self._voided(reason=reason)

    @event("Voided")
    def _voided(self, reason: str) -> None:
        self.status = PaymentStatus.VOIDED

    @property
    def refundable(self) -> bool:
        return self.status == PaymentStatus.VERIFIED

    def refund(self, refund_id: str, amount: Money, reason: str) -> None:
        """Records the provider's refund of ``amount`` (the whole payment)."""
        if self.status == PaymentStatus.REFUNDED and self.refund_id == refund_id:
            return  # the provider's webhook for a refund we already recorded
        if not self.refundable:
            raise InvalidStateTransition(f"Payment is {self.status}, not verified")
        if amount != self.amount:
            raise InvalidInput("amount", "Only the whole payment can be refunded")
        self._refunded(refund_id=refund_id, amount=amount.minor_units, reason=reason)

    @event("Refunded")
    def _refunded(self, refund_id: str, amount: int, reason: str) -> None:
        self.status = PaymentStatus.REFUNDED
        self.refund_id = refund_id
