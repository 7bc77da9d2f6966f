"""A person's shopping cart: one per user, its id derived from the user's."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain.errors import InvalidInput, NotFound

MAX_QUANTITY = 99


class Cart(Aggregate):
    class_version = 1
    Opened: ClassVar[type[DomainEvent]]
    QuantityChanged: ClassVar[type[DomainEvent]]
    ItemRemoved: ClassVar[type[DomainEvent]]
    CouponApplied: ClassVar[type[DomainEvent]]
    CouponRemoved: ClassVar[type[DomainEvent]]
    CheckedOut: ClassVar[type[DomainEvent]]

    @event("Opened")
    def __init__(self, id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.user_id = user_id
        self.items: dict[str, dict[str, Any]] = {}
        self.coupon: str | None = None
        self.coupon_basis_points = 0

    def item_for_variant(self, variant_id: str) -> str | None:
        for item_id, item in self.items.items():
            if item["variantId"] == variant_id:
                return item_id
        return None

    def quantity_of(self, variant_id: str) -> int:
        item_id = self.item_for_variant(variant_id)
        return 0 if item_id is None else int(self.items[item_id]["quantity"])

    @staticmethod
    def check_quantity(quantity: int) -> None:
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput("quantity", f"Quantity must be 1..{MAX_QUANTITY}", "OUT_OF_RANGE")

    def add_item(
        self,
        item_id: str,
        product: dict[str, Any],
        variant_id: str,
        quantity: int,
        metadata: dict[str, Any],
    ) -> str:
        """Adds a line, or raises the quantity of the line of the same variant; returns its id."""
        existing = self.item_for_variant(variant_id)
        if existing is not None:
            self.change_quantity(existing, int(self.items[existing]["quantity"]) + quantity)
            return existing
        self.check_quantity(quantity)
        self._item_added(item_id=item_id, product=product, variant_id=variant_id,
                         quantity=quantity, metadata=metadata)
        return item_id

    class ItemAdded(Aggregate.Event):
        """v2: the product snapshot's free-shipping threshold is ``free_shipping_cents``
        (v1 spelled it ``freeShipping_cents``); v1 events are upcast on load."""

        class_version = 2
        item_id: str
        product: dict[str, Any]
        variant_id: str
        quantity: int
        metadata: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            product = dict(state["product"])
            if "freeShipping_cents" in product:
                product["free_shipping_cents"] = product.pop("freeShipping_cents")
            state["product"] = product

    @event(ItemAdded)
    def _item_added(
        self, item_id: str, product: dict[str, Any], variant_id: str, quantity: int,
        metadata: dict[str, Any],
    ) -> None:
        self.items[item_id] = {"product": product, "variantId": variant_id,
                               "quantity": quantity, "metadata": metadata}

    def check_item(self, item_id: str) -> dict[str, Any]:
        try:
            return self.items[item_id]
        except KeyError:
            raise NotFound("Cart item not found") from None

    def change_quantity(self, item_id: str, quantity: int) -> None:
        self.check_item(item_id)
        self.check_quantity(quantity)
        self._quantity_changed(item_id=item_id, quantity=quantity)

    @event("QuantityChanged")
    def _quantity_changed(self, item_id: str, quantity: int) -> None:
        self.items[item_id] = {**self.items[item_id], "quantity": quantity}

    def remove_item(self, item_id: str) -> None:
        self.check_item(item_id)
        self._item_removed(item_id=item_id)

    @event("ItemRemoved")
    def _item_removed(self, item_id: str) -> None:
        del self.items[item_id]

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
