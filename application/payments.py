"""Payment commands: a payment order per order, the card attempts on it, and its outcome."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol, cast

from eventsourcing.persistence import IntegrityError

from application.base import Position, TryonApplication, retry_on_conflict
from application.ports import PaymentProvider
from domain import ids
from domain.errors import InvalidStateTransition, NotFound
from domain.ordering import Order
from domain.payments import (
    PaymentOrder,
    PaymentStatus,
    ProviderEvent,
    StoredCard,
    card_has_expired,
    decline_reason,
)


def payment_id_for(order_id: uuid.UUID) -> uuid.UUID:
    return ids.derived("payment", str(order_id))


class Charge(Protocol):
    @property
    def approved(self) -> bool: ...

    @property
    def transaction_id(self) -> str | None: ...

    @property
    def method(self) -> Mapping[str, object]: ...

    @property
    def reason(self) -> str | None: ...


class CardProvider(PaymentProvider, Protocol):
    """Charges cards (the built-in sandbox: ``adapters.payments_sandbox``) and refunds them."""

    def charge(self, number: str, expiry_month: int, expiry_year: int) -> Charge: ...


class ProviderRefunds(Protocol):
    """Records a refund made at the provider on the payment and its order (the ordering
    context, which also gives the order's stock back)."""

    def record_provider_refund(self, payment_id: uuid.UUID, refund_id: str, amount: int,
                               reason: str) -> Position: ...


@dataclass(frozen=True)
class CardAttempt:
    """What a card attempt came to: paid (a transaction) or declined (a reason)."""

    position: Position
    transaction_id: str | None
    declined_because: str | None


class Payments:
    def __init__(self, store: TryonApplication, provider: CardProvider | None = None) -> None:
        self.store = store
        self.provider = provider

    def payment(self, payment_id: uuid.UUID | None) -> PaymentOrder:
        return self.store.load(PaymentOrder, payment_id, "Payment order")

    def payment_of(self, order: Order) -> PaymentOrder | None:
        return self.store.find(PaymentOrder, payment_id_for(order.id), "Payment")

    def _order(self, order_id: uuid.UUID | None) -> Order:
        return self.store.load(Order, order_id, "Order")

    def create(self, user_id: uuid.UUID, order_id: uuid.UUID) -> tuple[uuid.UUID, Position]:
        """One payment order per order (its id derived from the order's), created once."""
        order = self._order(order_id)
        if order.user_id != user_id:
            raise NotFound("Order not found")
        order.check_awaits_payment()
        payment_id = payment_id_for(order_id)
        if self.store.exists(payment_id):
            return payment_id, 0  # also after a declined attempt: it is still payable
        payment = PaymentOrder(id=payment_id, order_id=order_id, user_id=user_id,
                               amount=order.total.minor_units, currency=order.currency)
        try:
            return payment_id, self.store.record(payment)
        except IntegrityError:
            return payment_id, 0  # created concurrently by a retry of the same request

    def payable(self, payment_id: uuid.UUID | None) -> PaymentOrder:
        """The payment order, if its order still awaits payment: a cancelled order's card is
        never charged."""
        payment = self.payment(payment_id)
        self._order(payment.order_id).check_awaits_payment()
        return payment

    def pay_by_card(self, payment_id: uuid.UUID, number: str, expiry_month: int,
                    expiry_year: int, today: date) -> CardAttempt:
        """Charges the card, if its order still awaits payment, and records the attempt: an
        authorization, or a declined attempt that leaves the payment payable."""
        self.payable(payment_id)  # before any card is charged
        if self.provider is None:
            raise InvalidStateTransition("No payment provider is configured to charge with")
        charge = self.provider.charge(number, expiry_month, expiry_year)
        method = cast(StoredCard, dict(charge.method))
        reason = decline_reason(card_has_expired(expiry_year, expiry_month, today),
                                charge.approved, charge.reason)
        if reason is not None:
            return CardAttempt(self.decline(payment_id, reason, method), None, reason)
        assert charge.transaction_id is not None
        return CardAttempt(self.authorize(payment_id, charge.transaction_id, method),
                           charge.transaction_id, None)

    def record_provider_event(self, event: ProviderEvent, refunds: ProviderRefunds) -> Position:
        """Records what the provider says happened to a payment: paid, refunded, or
        declined."""
        payment_id = ids.decode("pay", event.payment_order_id)
        if payment_id is None:
            raise NotFound("Payment order not found")
        if event.type == "payment.succeeded":
            return self.verify(None, payment_id, event.transaction_id)
        if event.type == "payment.refunded":
            return refunds.record_provider_refund(payment_id, *event.refund())
        return self.decline(payment_id, event.decline_reason, {})

    @retry_on_conflict()
    def authorize(self, payment_id: uuid.UUID, transaction_id: str, method: StoredCard
                  ) -> Position:
        payment = self.payable(payment_id)
        payment.authorize(transaction_id, method)
        return self.store.record(payment)

    @retry_on_conflict()
    def decline(self, payment_id: uuid.UUID, reason: str, method: StoredCard) -> Position:
        payment = self.payment(payment_id)
        payment.decline(reason, method)
        return self.store.record(payment)

    @retry_on_conflict()
    def verify(
        self, user_id: uuid.UUID | None, payment_id: uuid.UUID, transaction_id: str
    ) -> Position:
        """Marks the payment verified and the order paid, together."""
        payment = self.payment(payment_id)
        if user_id is not None and payment.user_id != user_id:
            raise NotFound("Payment order not found")
        order = self._order(payment.order_id)
        already = payment.status == PaymentStatus.VERIFIED
        now = datetime.now(UTC)
        payment.verify(transaction_id, now)
        if already:
            return 0
        order.record_payment(payment_order_id=payment.id, transaction_id=transaction_id,
                             method=payment.method, paid_at=now)
        return self.store.record(payment, order)

