"""Cart commands: a person's cart, its lines and its coupon. Each loads the cart (and the
products it needs), lets the domain decide, and saves the cart."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from application.base import Position, TryonApplication, retry_on_conflict
from application.catalog import Catalog
from domain import ids
from domain.cart import Cart, LineMetadata
from domain.money import Money


def cart_id_for(user_id: uuid.UUID) -> uuid.UUID:
    return ids.derived("cart", str(user_id))


class Carts:
    def __init__(self, store: TryonApplication, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    def cart_of(self, user_id: uuid.UUID) -> Cart | None:
        return self.store.find(Cart, cart_id_for(user_id), "Cart")

    def _cart(self, user_id: uuid.UUID) -> Cart:
        """The user's cart, opened (not yet saved) on first use."""
        return self.cart_of(user_id) or Cart(id=cart_id_for(user_id), user_id=user_id)

    def prices_now(self, cart: Cart) -> dict[str, Money]:
        """Each line's unit price in the catalog now (what the order will charge)."""
        return {item_id: self.catalog.product(ids.decode("prod", line.product.product_id))
                .variant_price(line.variant_id) for item_id, line in cart.items.items()}

    def _subtotal_now(self, cart: Cart) -> Money:
        return Cart.subtotal_at(cart.items, self.prices_now(cart))

    @retry_on_conflict()
    def add_item(self, user_id: uuid.UUID, product_id: uuid.UUID | None, variant_id: str,
                 quantity: int, metadata: LineMetadata) -> tuple[str, Position]:
        product = self.catalog.product(product_id)
        cart = self._cart(user_id)
        product.check_stock(variant_id, cart.quantity_of(variant_id) + quantity)
        item_id = cart.add_item(ids.new("cart_item"), product.snapshot_of(variant_id),
                                variant_id, quantity, metadata)
        return item_id, self.store.record(cart)

    @retry_on_conflict()
    def change_quantity(self, user_id: uuid.UUID, item_id: str, quantity: int) -> Position:
        cart = self._cart(user_id)
        line = cart.check_item(item_id)
        product = self.catalog.product(ids.decode("prod", line.product.product_id))
        product.check_stock(line.variant_id, quantity)
        cart.change_quantity(item_id, quantity)
        cart.drop_coupon_if_void(self._subtotal_now(cart), _today())
        return self.store.record(cart)

    @retry_on_conflict()
    def remove_item(self, user_id: uuid.UUID, item_id: str) -> Position:
        cart = self._cart(user_id)
        cart.remove_item(item_id)
        cart.drop_coupon_if_void(self._subtotal_now(cart), _today())
        return self.store.record(cart)

    @retry_on_conflict()
    def apply_coupon(self, user_id: uuid.UUID, code: str, today: date) -> Position:
        cart = self._cart(user_id)
        cart.redeem_coupon(code, self._subtotal_now(cart), today)
        return self.store.record(cart)

    @retry_on_conflict()
    def remove_coupon(self, user_id: uuid.UUID) -> Position:
        cart = self._cart(user_id)
        if cart.coupon is None:
            return 0
        cart.remove_coupon()
        return self.store.record(cart)


def _today() -> date:
    return datetime.now(UTC).date()
