"""Orders and their lifecycle.

pending -> processing (payment verified) -> confirmed -> shipped -> delivered;
cancelled from pending, processing or confirmed; refunded from processing onwards.

``Order.Placed`` keeps the stored shape it always had (lines and amounts as JSON in cents,
addresses in the API's words, sealed as personal data); the aggregate holds ``OrderLine``
values, priced in ``Money`` of the order's currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, TypedDict

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import pricing
from domain.accounts import Address
from domain.errors import InvalidInput, InvalidStateTransition
from domain.money import DEFAULT_CURRENCY, Money, Quantity
from domain.payments import StoredCard

if TYPE_CHECKING:
    from domain.cart import Cart
    from domain.catalog import Product

CARRIER_TRACKING_URLS = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?qtc_tLabels1={n}",
    "ups": "https://www.ups.com/track?tracknum={n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={n}",
}


class OrderStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class OrderPaymentStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


S = OrderStatus
_ALLOWED = {
    S.PROCESSING: (S.PENDING,),
    S.CONFIRMED: (S.PROCESSING,),
    S.SHIPPED: (S.CONFIRMED,),
    S.DELIVERED: (S.SHIPPED,),
    S.CANCELLED: (S.PENDING, S.PROCESSING, S.CONFIRMED),
    S.REFUNDED: (S.PROCESSING, S.CONFIRMED, S.SHIPPED, S.DELIVERED),
}

# How ``Order.Placed`` stores an address: its parts as the customer gave them through the API
# (firstName, zipCode...), sealed as personal data and shown back unchanged.
StoredAddress = dict[str, str]
_STORED_NAMES = {"first_name": "firstName", "last_name": "lastName", "zip_code": "zipCode"}


def stored_address(address: Address) -> StoredAddress:
    return {_STORED_NAMES.get(name, name): value for name, value in address.parts().items()}


@dataclass(frozen=True)
class Addresses:
    shipping: Address
    billing: Address

    @classmethod
    def choose(cls, shipping: Address | None, billing: Address | None,
               default: Address | None) -> Addresses:
        """Ship to the address given, else to the customer's default; bill to the billing
        address given, else to the shipping address (without its phone)."""
        shipping = shipping if shipping is not None else default
        if shipping is None:
            raise InvalidInput("shippingAddress",
                               "Give a shipping address or save a default one", "REQUIRED")
        if billing is None:
            billing = replace(shipping, phone=None)
        return cls(shipping, billing)


class StoredLineProduct(TypedDict):
    id: str
    name: str
    price_cents: int
    image: str | None
    brand: str | None


class StoredLine(TypedDict):
    """How ``Order.Placed`` stores a line."""

    id: str
    product: StoredLineProduct
    variantId: str
    size: str | None
    color: str | None
    quantity: int


class StoredAmounts(TypedDict):
    subtotal: int
    tax: int
    shipping: int
    discount: int
    total: int


@dataclass(frozen=True)
class OrderLine:
    item_id: str
    product_id: str  # public id, prod_...
    name: str
    unit_price: Money
    image: str | None
    brand: str | None
    variant_id: str
    size: str | None
    color: str | None
    quantity: Quantity

    @classmethod
    def from_stored(cls, stored: StoredLine, currency: str) -> OrderLine:
        p = stored["product"]
        return cls(item_id=stored["id"], product_id=p["id"], name=p["name"],
                   unit_price=Money(int(p["price_cents"]), currency), image=p.get("image"),
                   brand=p.get("brand"), variant_id=stored["variantId"],
                   size=stored.get("size"), color=stored.get("color"),
                   quantity=Quantity(int(stored["quantity"])))

    def stored(self) -> StoredLine:
        return {"id": self.item_id,
                "product": {"id": self.product_id, "name": self.name,
                            "price_cents": self.unit_price.minor_units, "image": self.image,
                            "brand": self.brand},
                "variantId": self.variant_id, "size": self.size, "color": self.color,
                "quantity": self.quantity.units}


def currency_of(cart: Cart, products: Mapping[str, Product]) -> str:
    """An order is charged in one currency: its last line's product's."""
    if not cart.items:
        return DEFAULT_CURRENCY
    return products[next(reversed(cart.items.values())).product.product_id].currency


def lines_of(cart: Cart, products: Mapping[str, Product], currency: str) -> list[OrderLine]:
    """The cart's lines at the catalog's current prices (``products`` by public id), at face
    value in the order's ``currency``."""
    lines = []
    for item_id, line in cart.items.items():
        product = products[line.product.product_id]
        variant = product.check_variant(line.variant_id)
        lines.append(OrderLine(
            item_id=item_id, product_id=line.product.product_id, name=product.name,
            unit_price=product.variant_price(line.variant_id).at_face_value_in(currency),
            image=line.product.image, brand=product.brand, variant_id=line.variant_id,
            size=variant.size, color=variant.color, quantity=line.quantity))
    return lines


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

    @classmethod
    def place(cls, order_id: uuid.UUID, cart: Cart, products: Mapping[str, Product],
              shipping_method: str, addresses: Addresses, notes: str | None,
              now: datetime) -> Order:
        """The order of the cart's lines at the catalog's prices now (``products`` by public
        id). Its currency is its last line's product's; standard shipping is free from the
        highest free-shipping threshold among its products; the cart's coupon is re-checked,
        since it may have expired or prices changed since it was applied."""
        currency = currency_of(cart, products)
        lines = lines_of(cart, products, currency)
        free_shipping = max(
            (products[line.product_id].free_shipping_threshold.at_face_value_in(currency)
             for line in lines), default=Money.zero(currency))
        priced = [(line.unit_price, line.quantity) for line in lines]
        coupon = cart.usable_coupon(pricing.subtotal(priced, currency), now.date())
        totals = pricing.price(priced, cart.coupon_basis_points if coupon else 0,
                               shipping_method, free_shipping, currency)
        return cls(
            id=order_id, user_id=cart.user_id, items=[line.stored() for line in lines],
            amounts={"subtotal": totals.subtotal.minor_units, "tax": totals.tax.minor_units,
                     "shipping": totals.shipping.minor_units,
                     "discount": totals.discount.minor_units,
                     "total": totals.total.minor_units},
            currency=currency, shipping_method=shipping_method,
            shipping_address=stored_address(addresses.shipping),
            billing_address=stored_address(addresses.billing),
            notes=notes,
            estimated_delivery=pricing.estimated_delivery(now, shipping_method),
            coupon=coupon.code if coupon else None,
        )

    @event("Placed")
    def __init__(
        self,
        id: uuid.UUID,
        user_id: uuid.UUID,
        items: list[StoredLine],
        amounts: StoredAmounts,
        currency: str,
        shipping_method: str,
        shipping_address: StoredAddress,
        billing_address: StoredAddress,
        notes: str | None,
        estimated_delivery: str,
        coupon: str | None,
    ) -> None:
        self.user_id = user_id
        self.lines = tuple(OrderLine.from_stored(line, currency) for line in items)
        self.total = Money(int(amounts["total"]), currency)
        self.currency = currency
        self.status = OrderStatus.PENDING
        self.payment_status = OrderPaymentStatus.PENDING
        self.shipping_method = shipping_method

    def check_awaits_payment(self) -> None:
        if self.status != OrderStatus.PENDING:
            raise InvalidStateTransition(f"An order that is {self.status} needs no payment")

    def check_transition(self, target: OrderStatus) -> None:
        if self.status not in _ALLOWED[target]:
            raise InvalidStateTransition(
                f"An order that is {self.status} cannot become {target}",
                currentStatus=self.status, requestedStatus=target,
            )

    def record_payment(
        self, payment_order_id: uuid.UUID, transaction_id: str, method: StoredCard,
        paid_at: datetime,
    ) -> None:
        self.check_transition(OrderStatus.PROCESSING)
        self._paid(payment_order_id=payment_order_id, transaction_id=transaction_id,
                   method=method, paid_at=paid_at)

    @event("Paid")
    def _paid(
        self, payment_order_id: uuid.UUID, transaction_id: str, method: StoredCard,
        paid_at: datetime,
    ) -> None:
        self.status = OrderStatus.PROCESSING
        self.payment_status = OrderPaymentStatus.COMPLETED

    def confirm(self) -> None:
        self.check_transition(OrderStatus.CONFIRMED)
        self._confirmed()

    @event("Confirmed")
    def _confirmed(self) -> None:
        self.status = OrderStatus.CONFIRMED

    def ship(self, tracking_number: str, carrier: str) -> None:
        self.check_transition(OrderStatus.SHIPPED)
        template = CARRIER_TRACKING_URLS.get(carrier.lower())
        url = template.format(n=tracking_number) if template else None
        self._shipped(tracking_number=tracking_number, carrier=carrier, tracking_url=url)

    @event("Shipped")
    def _shipped(self, tracking_number: str, carrier: str, tracking_url: str | None) -> None:
        self.status = OrderStatus.SHIPPED

    def deliver(self) -> None:
        self.check_transition(OrderStatus.DELIVERED)
        self._delivered()

    @event("Delivered")
    def _delivered(self) -> None:
        self.status = OrderStatus.DELIVERED

    @property
    def holds_stock(self) -> bool:
        """Reserved units not yet handed to a carrier: released on cancel or refund."""
        return self.status in (S.PENDING, S.PROCESSING, S.CONFIRMED)

    def cancel(self, reason: str | None) -> None:
        self.check_transition(OrderStatus.CANCELLED)
        self._cancelled(reason=reason, refund=self.payment_status == OrderPaymentStatus.COMPLETED)

    @event("Cancelled")
    def _cancelled(self, reason: str | None, refund: bool) -> None:
        self.status = OrderStatus.CANCELLED
        self.payment_status = (OrderPaymentStatus.REFUNDED if refund
                               else OrderPaymentStatus.CANCELLED)

    def refund(self, reason: str) -> None:
        self.check_transition(OrderStatus.REFUNDED)
        self._refunded(reason=reason, amount=self.total.minor_units)

    @event("Refunded")
    def _refunded(self, reason: str, amount: int) -> None:
        self.status = OrderStatus.REFUNDED
        self.payment_status = OrderPaymentStatus.REFUNDED

    # -- unpaid orders give their stock back after a while -------------------------------------
    def is_due_to_expire(self, now: datetime, unpaid_for: timedelta) -> bool:
        return self.status == OrderStatus.PENDING and now - self.created_on >= unpaid_for

    def expire(self, now: datetime, unpaid_for: timedelta) -> None:
        if not self.is_due_to_expire(now, unpaid_for):
            raise InvalidStateTransition(
                f"An order that is {self.status} and placed at {self.created_on.isoformat()} "
                "does not expire yet", currentStatus=self.status,
                requestedStatus=OrderStatus.CANCELLED.value)
        self._expired(unpaid_minutes=round(unpaid_for.total_seconds() / 60, 2))

    @event("Expired")
    def _expired(self, unpaid_minutes: float) -> None:
        self.status = OrderStatus.CANCELLED
        self.payment_status = OrderPaymentStatus.CANCELLED
