"""A person's shopping cart: one per user, its id derived from the user's.

The cart's events keep the stored shape they always had (plain JSON: the product as a dict,
its prices in cents); the aggregate turns them into value objects (``CartLine``,
``ProductSnapshot``, ``Quantity``) as it applies them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar, NotRequired, TypedDict

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import pricing
from domain.errors import InvalidInput, NotFound
from domain.money import DEFAULT_CURRENCY, Money, Quantity
from domain.pricing import COUPONS, Coupon
from domain.stored import StoredState

MAX_QUANTITY = Quantity.MAX

# The customer's own notes on a line (a try-on id, a gift message): scalars only.
LineMetadata = dict[str, str | int | float | bool | None]


class StoredProduct(TypedDict):
    """How ``Cart.ItemAdded`` stores the product snapshot."""

    id: str
    name: str
    price_cents: int
    image: NotRequired[str | None]
    brand: NotRequired[str | None]
    free_shipping_cents: NotRequired[int]



@dataclass(frozen=True)
class ProductSnapshot:
    """The product as it was when it went into the cart: what the cart shows without loading
    the catalog. Its prices then are recorded in ``ItemAdded`` for the cart's read model; the
    aggregate keeps none, since the order charges the catalog's prices at placement."""

    product_id: str  # public id, prod_...
    name: str
    image: str | None = None
    brand: str | None = None

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> ProductSnapshot:
        return cls(product_id=str(stored["id"]), name=str(stored["name"]),
                   image=stored.get("image"), brand=stored.get("brand"))


@dataclass(frozen=True)
class PricedProduct:
    """A product at its price for one of its variants: what ``ItemAdded`` records of it."""

    product: ProductSnapshot
    unit_price: Money
    free_shipping_threshold: Money

    def stored(self) -> StoredProduct:
        return {"id": self.product.product_id, "name": self.product.name,
                "price_cents": self.unit_price.minor_units, "image": self.product.image,
                "brand": self.product.brand,
                "free_shipping_cents": self.free_shipping_threshold.minor_units}


@dataclass(frozen=True)
class CartLine:
    product: ProductSnapshot
    variant_id: str
    quantity: Quantity
    metadata: LineMetadata


class Cart(Aggregate):
    """v3: lines hold a ``Quantity`` and the product without its prices then (v2 snapshots
    held both as plain numbers, v1 snapshots the API's camelCase dicts: upcast on load)."""

    class_version = 3
    Opened: ClassVar[type[DomainEvent]]
    QuantityChanged: ClassVar[type[DomainEvent]]
    ItemRemoved: ClassVar[type[DomainEvent]]
    CouponApplied: ClassVar[type[DomainEvent]]
    CouponRemoved: ClassVar[type[DomainEvent]]
    CheckedOut: ClassVar[type[DomainEvent]]

    @event("Opened")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.user_id = user_id
        self.items: dict[str, CartLine] = {}
        self.coupon: str | None = None
        self.coupon_basis_points = 0

    @staticmethod
    def upcast_v1_v2(state: StoredState) -> None:
        state["items"] = {
            item_id: {"product": {"product_id": item["product"]["id"],
                                  "name": item["product"]["name"],
                                  "image": item["product"].get("image"),
                                  "brand": item["product"].get("brand")},
                      "variant_id": item["variantId"], "quantity": int(item["quantity"]),
                      "metadata": dict(item["metadata"])}
            for item_id, item in state["items"].items()}

    @staticmethod
    def upcast_v2_v3(state: StoredState) -> None:
        # v2 lines are the plain dicts of their fields (``application.shop`` decodes the
        # retired value names so); the prices they held are left to the events.
        state["items"] = {
            item_id: CartLine(
                product=ProductSnapshot(product_id=line["product"]["product_id"],
                                        name=line["product"]["name"],
                                        image=line["product"].get("image"),
                                        brand=line["product"].get("brand")),
                variant_id=line["variant_id"], quantity=Quantity(int(line["quantity"])),
                metadata=dict(line["metadata"]))
            for item_id, line in state["items"].items()}

    def item_for_variant(self, variant_id: str) -> str | None:
        return next((item_id for item_id, line in self.items.items()
                     if line.variant_id == variant_id), None)

    def quantity_of(self, variant_id: str) -> int:
        """Units of ``variant_id`` in the cart (0 when it has no line of it)."""
        item_id = self.item_for_variant(variant_id)
        return 0 if item_id is None else self.items[item_id].quantity.units

    def add_item(self, item_id: str, product: PricedProduct, variant_id: str, quantity: int,
                 metadata: LineMetadata) -> str:
        """Adds a line, or raises the quantity of the line of the same variant; returns its id."""
        existing = self.item_for_variant(variant_id)
        if existing is not None:
            self.change_quantity(existing, self.items[existing].quantity.units + quantity)
            return existing
        self._item_added(item_id=item_id, product=product.stored(), variant_id=variant_id,
                         quantity=Quantity(quantity).units, metadata=metadata)
        return item_id

    class ItemAdded(Aggregate.Event):
        """v2: the product snapshot's free-shipping threshold is ``free_shipping_cents``
        (v1 spelled it ``freeShipping_cents``); v1 events are upcast on load."""

        class_version = 2
        item_id: str
        product: StoredProduct
        variant_id: str
        quantity: int
        metadata: LineMetadata

        @staticmethod
        def upcast_v1_v2(state: StoredState) -> None:
            product = dict(state["product"])
            if "freeShipping_cents" in product:
                product["free_shipping_cents"] = product.pop("freeShipping_cents")
            state["product"] = product

    @event(ItemAdded)
    def _item_added(self, item_id: str, product: StoredProduct, variant_id: str, quantity: int,
                    metadata: LineMetadata) -> None:
        self.items[item_id] = CartLine(ProductSnapshot.from_stored(product), variant_id,
                                       Quantity(quantity), dict(metadata))

    def check_item(self, item_id: str) -> CartLine:
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFound("Cart item not found") from None

    def change_quantity(self, item_id: str, quantity: int) -> None:
        self.check_item(item_id)
        self._quantity_changed(item_id=item_id, quantity=Quantity(quantity).units)

    @event("QuantityChanged")
    def _quantity_changed(self, item_id: str, quantity: int) -> None:
        self.items[item_id] = replace(self.items[item_id], quantity=Quantity(quantity))

    def remove_item(self, item_id: str) -> None:
        self.check_item(item_id)
        self._item_removed(item_id=item_id)

    @event("ItemRemoved")
    def _item_removed(self, item_id: str) -> None:
        del self.items[item_id]

    # -- coupons: a coupon stays on the cart only while it applies ---------------------------
    @staticmethod
    def subtotal_at(lines: Mapping[str, CartLine], unit_prices: Mapping[str, Money]) -> Money:
        """The subtotal of ``lines`` at ``unit_prices`` (by item id: the catalog's prices now,
        which the order will charge, not the snapshot's), in the currency the order will
        charge: its last line's (``domain.ordering.Order.place``)."""
        currency = unit_prices[[*lines][-1]].currency if lines else DEFAULT_CURRENCY
        return pricing.subtotal([(unit_prices[item_id].at_face_value_in(currency), line.quantity)
                                 for item_id, line in lines.items()], currency)

    def usable_coupon(self, subtotal: Money, today: date) -> Coupon | None:
        """The cart's coupon, if it still applies to ``subtotal`` on ``today``."""
        coupon = COUPONS.get(self.coupon or "")
        return coupon if coupon is not None and coupon.usable_on(today, subtotal) else None

    def redeem_coupon(self, code: str, subtotal: Money, today: date) -> None:
        coupon = COUPONS.get(code.upper())
        if coupon is None:
            raise InvalidInput("couponCode", "Unknown coupon code", "INVALID")
        if not coupon.usable_on(today, subtotal):
            raise InvalidInput("couponCode", "This coupon has expired or does not apply",
                               "EXPIRED")
        self.apply_coupon(code=coupon.code, basis_points=coupon.basis_points)

    def drop_coupon_if_void(self, subtotal: Money, today: date) -> None:
        """A smaller cart may fall below the coupon's minimum, or the coupon may expire."""
        if self.coupon is not None and self.usable_coupon(subtotal, today) is None:
            self.remove_coupon()

    @event("CouponApplied")
    def apply_coupon(self, code: str, basis_points: int) -> None:
        self.coupon = code
        self.coupon_basis_points = basis_points

    @event("CouponRemoved")
    def remove_coupon(self) -> None:
        self.coupon = None
        self.coupon_basis_points = 0

    @event("CheckedOut")
    def check_out(self, order_id: uuid.UUID) -> None:
        self.items = {}
        self.coupon = None
        self.coupon_basis_points = 0
