"""Orders and their lifecycle.

pending -> processing (payment verified) -> confirmed -> shipped -> delivered;
cancelled from pending, processing or confirmed; refunded from processing onwards.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidStateTransition

CARRIER_TRACKING_URLS = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?qtc_tLabels1={n}",
    "ups": "https://www.ups.com/track?tracknum={n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={n}",
}

_ALLOWED = {
    "processing": ("pending",),
    "confirmed": ("processing",),
    "shipped": ("confirmed",),
    "delivered": ("shipped",),
    "cancelled": ("pending", "processing", "confirmed"),
    "refunded": ("processing", "confirmed", "shipped", "delivered"),
}


class Order(Aggregate):
    class_version = 1
    Placed: ClassVar[type[DomainEvent]]
    Paid: ClassVar[type[DomainEvent]]
    Confirmed: ClassVar[type[DomainEvent]]
    Shipped: ClassVar[type[DomainEvent]]
    Delivered: ClassVar[type[DomainEvent]]
    Cancelled: ClassVar[type[DomainEvent]]
    Refunded: ClassVar[type[DomainEvent]]
    Expired: ClassVar[type[DomainEvent]]

    @event("Placed")
    def __init__(
        self,
        id: uuid.UUID,
        user_id: uuid.UUID,
        items: list[dict[str, Any]],
        amounts: dict[str, int],
        currency: str,
        shipping_method: str,
        shipping_address: dict[str, Any],
        billing_address: dict[str, Any],
        notes: str | None,
        estimated_delivery: str,
        coupon: str | None,
    ) -> None:
        self.user_id = user_id
        self.items = items
        self.amounts = amounts
        self.currency = currency
        self.status = "pending"
        self.payment_status = "pending"
        self.shipping_method = shipping_method

    @property
    def total_cents(self) -> int:
        return int(self.amounts["total"])

    def check_transition(self, target: str) -> None:
        if self.status not in _ALLOWED[target]:
            raise InvalidStateTransition(
                f"An order that is {self.status} cannot become {target}",
                currentStatus=self.status, requestedStatus=target,
            )

    def record_payment(
        self, payment_order_id: uuid.UUID, transaction_id: str, method: dict[str, Any],
        paid_at: datetime,
    ) -> None:
        self.check_transition("processing")
        self._paid(payment_order_id=payment_order_id, transaction_id=transaction_id,
                   method=method, paid_at=paid_at)

    @event("Paid")
    def _paid(
        self, payment_order_id: uuid.UUID, transaction_id: str, method: dict[str, Any],
        paid_at: datetime,
    ) -> None:
        self.status = "processing"
        self.payment_status = "completed"

    def confirm(self) -> None:
        self.check_transition("confirmed")
        self._confirmed()

    @event("Confirmed")
    def _confirmed(self) -> None:
        self.status = "confirmed"

    def ship(self, tracking_number: str, carrier: str) -> None:
        self.check_transition("shipped")
        template = CARRIER_TRACKING_URLS.get(carrier.lower())
        url = template.format(n=tracking_number) if template else None
        self._shipped(tracking_number=tracking_number, carrier=carrier, tracking_url=url)

    @event("Shipped")
    def _shipped(self, tracking_number: str, carrier: str, tracking_url: str | None) -> None:
        self.status = "shipped"

    def deliver(self) -> None:
        self.check_transition("delivered")
        self._delivered()

    @event("Delivered")
    def _delivered(self) -> None:
        self.status = "delivered"

    @property
    def holds_stock(self) -> bool:
        """Reserved units not yet handed to a carrier: released on cancel or refund."""
        return self.status in ("pending", "processing", "confirmed")

    def cancel(self, reason: str | None) -> None:
        self.check_transition("cancelled")
        self._cancelled(reason=reason, refund=self.payment_status == "completed")

    @event("Cancelled")
    def _cancelled(self, reason: str | None, refund: bool) -> None:
        self.status = "cancelled"
        self.payment_status = "refunded" if refund else "cancelled"

    def refund(self, reason: str) -> None:
        self.check_transition("refunded")
        self._refunded(reason=reason, amount=self.total_cents)

    @event("Refunded")
    def _refunded(self, reason: str, amount: int) -> None:
        self.status = "refunded"
        self.payment_status = "refunded"

    # -- unpaid orders give their stock back after a while -------------------------------------
    def is_due_to_expire(self, now: datetime, unpaid_for: timedelta) -> bool:
        return self.status == "pending" and now - self.created_on >= unpaid_for

    def expire(self, now: datetime, unpaid_for: timedelta) -> None:
        if not self.is_due_to_expire(now, unpaid_for):
            raise InvalidStateTransition(
                f"An order that is {self.status} and placed at {self.created_on.isoformat()} "
                "does not expire yet", currentStatus=self.status, requestedStatus="cancelled")
        self._expired(unpaid_minutes=round(unpaid_for.total_seconds() / 60, 2))

    @event("Expired")
    def _expired(self, unpaid_minutes: float) -> None:
        self.status = "cancelled"
        self.payment_status = "cancelled"
