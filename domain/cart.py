"""A person's shopping cart: one per user, its id derived from the user's.

The cart's events keep the stored shape they always had (plain JSON: the product snapshot as
a dict); the aggregate turns them into value objects (``CartLine``, ``ProductSnapshot``) as it
applies them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar, NotRequired, TypedDict

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidInput, NotFound
from domain.money import Cents
from domain.pricing import COUPONS, Coupon
from domain.stored import StoredState

MAX_QUANTITY = 99

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
    """The product as it was when it went into the cart: what the cart shows without
    loading the catalog (the order charges the catalog's price at placement)."""

    product_id: str  # public id, prod_...
    name: str
    unit_price_cents: Cents
    image: str | None = None
    brand: str | None = None
    free_shipping_cents: Cents | None = None

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> ProductSnapshot:
        return cls(product_id=str(stored["id"]), name=str(stored["name"]),
                   unit_price_cents=int(stored["price_cents"]), image=stored.get("image"),
                   brand=stored.get("brand"), free_shipping_cents=stored.get(
                       "free_shipping_cents", stored.get("freeShipping_cents")))

    def stored(self) -> StoredProduct:
        stored: StoredProduct = {"id": self.product_id, "name": self.name,
                                 "price_cents": self.unit_price_cents, "image": self.image,
                                 "brand": self.brand}
        if self.free_shipping_cents is not None:
            stored["free_shipping_cents"] = self.free_shipping_cents
        return stored


@dataclass(frozen=True)
class CartLine:
    product: ProductSnapshot
    variant_id: str
    quantity: int
    metadata: LineMetadata


def check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput("quantity", f"Quantity must be 1..{MAX_QUANTITY}", "OUT_OF_RANGE")


class Cart(Aggregate):
    """v2: lines are ``CartLine`` values (v1 snapshots held the API's camelCase dicts and are
    upcast on load)."""

    class_version = 2
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
            item_id: CartLine(product=ProductSnapshot.from_stored(item["product"]),
                              variant_id=item["variantId"], quantity=int(item["quantity"]),
                              metadata=dict(item["metadata"]))
            for item_id, item in state["items"].items()}

    def item_for_variant(self, variant_id: str) -> str | None:
        return next((item_id for item_id, line in self.items.items()
                     if line.variant_id == variant_id), None)

    def quantity_of(self, variant_id: str) -> int:
        item_id = self.item_for_variant(variant_id)
        return 0 if item_id is None else self.items[item_id].quantity

    def add_item(self, item_id: str, product: ProductSnapshot, variant_id: str, quantity: int,
                 metadata: LineMetadata) -> str:
        """Adds a line, or raises the quantity of the line of the same variant; returns its id."""
        existing = self.item_for_variant(variant_id)
        if existing is not None:
            self.change_quantity(existing, self.items[existing].quantity + quantity)
            return existing
        check_quantity(quantity)
        self._item_added(item_id=item_id, product=product.stored(), variant_id=variant_id,
                         quantity=quantity, metadata=metadata)
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
                                       quantity, dict(metadata))

    def check_item(self, item_id: str) -> CartLine:
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFound("Cart item not found") from None

    def change_quantity(self, item_id: str, quantity: int) -> None:
        self.check_item(item_id)
        check_quantity(quantity)
        self._quantity_changed(item_id=item_id, quantity=quantity)

    @event("QuantityChanged")
    def _quantity_changed(self, item_id: str, quantity: int) -> None:
        self.items[item_id] = replace(self.items[item_id], quantity=quantity)

    def remove_item(self, item_id: str) -> None:
        self.check_item(item_id)
        self._item_removed(item_id=item_id)

    @event("ItemRemoved")
    def _item_removed(self, item_id: str) -> None:
        del self.items[item_id]

    # -- coupons: a coupon stays on the cart only while it applies ---------------------------
    @staticmethod
    def subtotal_at(lines: Mapping[str, CartLine], unit_prices: Mapping[str, Cents]) -> Cents:
        """The subtotal of ``lines`` at ``unit_prices`` (by item id: the catalog's prices now,
        which the order will charge, not the snapshot's)."""
        return sum(unit_prices[item_id] * line.quantity for item_id, line in lines.items())

    def usable_coupon(self, subtotal: Cents, today: date) -> Coupon | None:
        """The cart's coupon, if it still applies to ``subtotal`` on ``today``."""
        coupon = COUPONS.get(self.coupon or "")
        return coupon if coupon is not None and coupon.usable_on(today, subtotal) else None

    def redeem_coupon(self, code: str, subtotal: Cents, today: date) -> None:
        coupon = COUPONS.get(code.upper())
        if coupon is None:
            raise InvalidInput("couponCode", "Unknown coupon code", "INVALID")
        if not coupon.usable_on(today, subtotal):
            raise InvalidInput("couponCode", "This coupon has expired or does not apply",
                               "EXPIRED")
        self.apply_coupon(code=coupon.code, basis_points=coupon.basis_points)

    def drop_coupon_if_void(self, subtotal: Cents, today: date) -> None:
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
