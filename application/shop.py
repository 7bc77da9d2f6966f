"""The shop context: catalog, carts, orders and payments.

One application (one log) for all four, because placing an order must reserve stock on the
products, create the order and empty the cart in one atomic save: a second buyer of the last
unit collides on the product's version and is re-decided against the fresh stock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.base import Position, TryonApplication, retry_on_conflict
from application.ports import PaymentProvider
from application.turns import Turns
from domain import ids, pricing
from domain.cart import Cart
from domain.catalog import DEFAULT_FREE_SHIPPING_CENTS, Product
from domain.errors import DomainError, InvalidInput, InvalidStateTransition, NotFound
from domain.ordering import Order
from domain.payments import PaymentOrder, PaymentStatus


def cart_id_for(user_id: uuid.UUID) -> uuid.UUID:
    return ids.derived("cart", str(user_id))


def order_id_for(user_id: uuid.UUID, idempotency_key: str) -> uuid.UUID:
    """Same user and key, same order id: a retried placement can never create a second order,
    even when the first attempt crashed before its response was stored."""
    return ids.derived("order", str(user_id), idempotency_key)


def payment_id_for(order_id: uuid.UUID) -> uuid.UUID:
    return ids.derived("payment", str(order_id))


@dataclass(frozen=True)
class OrderRequest:
    user_id: uuid.UUID
    order_id: uuid.UUID
    shipping_method: str
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    notes: str | None
    # Read before waiting for the turn, so that the turn itself does no per-order reads.
    # Only a hint: if either went stale meanwhile, the save fails on a version and the
    # batch is decided again from fresh reads.
    cart: Cart | None = None
    placed_before: bool = False


@dataclass
class _OrderBatch:
    """What the orders of one save have loaded and decided so far."""

    hints: bool
    products: dict[uuid.UUID, Product] = field(default_factory=dict)
    carts: dict[uuid.UUID, Cart | None] = field(default_factory=dict)
    orders: dict[uuid.UUID, Order] = field(default_factory=dict)


class Shop(TryonApplication):
    name = "shop"
    # Popular products collect many stock events, and a customer's cart collects every add,
    # change and checkout of their life: snapshots (every 50 and 20 events) keep loading either
    # cheap. (Neither holds personal data, so their snapshots need no sealing.)
    snapshotting_intervals = {Product: 50, Cart: 20}

    def __init__(self, env: dict[str, str] | None = None, personal_data: Any = None,
                 provider: PaymentProvider | None = None) -> None:
        super().__init__(env=env, personal_data=personal_data)
        self.checkouts: Turns[OrderRequest, Position] = Turns(self._place_orders)
        self.provider = provider

    # -- catalog -------------------------------------------------------------------------------
    def list_product(
        self, fields: dict[str, Any], price_cents: int, original_price_cents: int | None,
        free_shipping_cents: int | None, variants: list[dict[str, Any]],
        product_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, Position]:
        product = Product(
            id=product_id or uuid.uuid4(), fields=fields, price_cents=price_cents,
            original_price_cents=original_price_cents,
            free_shipping_cents=(DEFAULT_FREE_SHIPPING_CENTS if free_shipping_cents is None
                                 else free_shipping_cents),
        )
        for variant in variants:
            product.add_variant(ids.new("var"), variant)
        return product.id, self.record(product)

    def get_product(self, product_id: uuid.UUID | None) -> Product:
        return self.load(Product, product_id, "Product")

    @retry_on_conflict()
    def revise_product(
        self, product_id: uuid.UUID, fields: dict[str, Any], price_cents: int | None,
        original_price_cents: int | None, free_shipping_cents: int | None,
    ) -> Position:
        product = self.get_product(product_id)
        product.revise(fields=fields, price_cents=price_cents,
                       original_price_cents=original_price_cents,
                       free_shipping_cents=free_shipping_cents)
        return self.record(product)

    @retry_on_conflict()
    def add_variant(
        self, product_id: uuid.UUID, variant_id: str, variant: dict[str, Any]
    ) -> Position:
        product = self.get_product(product_id)
        product.add_variant(variant_id, variant)
        return self.record(product)

    @retry_on_conflict()
    def revise_variant(
        self, product_id: uuid.UUID, variant_id: str, changes: dict[str, Any]
    ) -> Position:
        product = self.get_product(product_id)
        product.revise_variant(variant_id, changes)
        return self.record(product)

    @retry_on_conflict()
    def review_product(
        self, product_id: uuid.UUID, review_id: str, review: dict[str, Any]
    ) -> Position:
        product = self.get_product(product_id)
        product.add_review(review_id=review_id, review=review)
        return self.record(product)

    # -- cart ------------------------------------------------------------------------------
    def _cart(self, user_id: uuid.UUID) -> Cart:
        cart_id = cart_id_for(user_id)
        return self.find(Cart, cart_id, "Cart") or Cart(id=cart_id, user_id=user_id)

    def cart_of(self, user_id: uuid.UUID) -> Cart | None:
        return self.find(Cart, cart_id_for(user_id), "Cart")

    @retry_on_conflict()
    def add_to_cart(
        self, user_id: uuid.UUID, product_id: uuid.UUID | None, variant_id: str,
        quantity: int, metadata: dict[str, Any],
    ) -> tuple[str, Position]:
        product = self.get_product(product_id)
        product.check_variant(variant_id)
        cart = self._cart(user_id)
        product.check_stock(variant_id, cart.quantity_of(variant_id) + quantity)
        images = product.fields.get("images") or []
        snapshot = {
            "id": ids.encode("prod", product.id),
            "name": product.name,
            "price_cents": product.variant_price_cents(variant_id),
            "image": images[0]["url"] if images else None,
            "brand": product.fields.get("brand"),
            "free_shipping_cents": product.free_shipping_cents,
        }
        item_id = cart.add_item(ids.new("cart_item"), snapshot, variant_id, quantity, metadata)
        return item_id, self.record(cart)

    @retry_on_conflict()
    def change_cart_quantity(self, user_id: uuid.UUID, item_id: str, quantity: int) -> Position:
        cart = self._cart(user_id)
        item = cart.check_item(item_id)
        product = self.get_product(ids.decode("prod", item["product"]["id"]))
        product.check_stock(item["variantId"], quantity)
        cart.change_quantity(item_id, quantity)
        self._drop_coupon_if_void(cart)
        return self.record(cart)

    @retry_on_conflict()
    def remove_from_cart(self, user_id: uuid.UUID, item_id: str) -> Position:
        cart = self._cart(user_id)
        cart.remove_item(item_id)
        self._drop_coupon_if_void(cart)
        return self.record(cart)

    def _subtotal_now(self, cart: Cart) -> int:
        """The cart's subtotal at the catalog's current prices (what the order will charge)."""
        total = 0
        for item in cart.items.values():
            product = self.get_product(ids.decode("prod", item["product"]["id"]))
            total += product.variant_price_cents(item["variantId"]) * int(item["quantity"])
        return total

    @staticmethod
    def _coupon_applies(code: str | None, subtotal: int, today: datetime) -> bool:
        coupon = pricing.COUPONS.get(code or "")
        return coupon is not None and coupon.usable_on(today.date(), subtotal)

    def _drop_coupon_if_void(self, cart: Cart) -> None:
        """A coupon stays only while it applies: a smaller cart may fall below its minimum."""
        if cart.coupon is not None and not self._coupon_applies(
                cart.coupon, self._subtotal_now(cart), datetime.now(UTC)):
            cart.remove_coupon()

    @retry_on_conflict()
    def apply_coupon(self, user_id: uuid.UUID, code: str, today: datetime) -> Position:
        cart = self._cart(user_id)
        coupon = pricing.COUPONS.get(code.upper())
        subtotal = self._subtotal_now(cart)
        if coupon is None:
            raise InvalidInput("couponCode", "Unknown coupon code", "INVALID")
        if not coupon.usable_on(today.date(), subtotal):
            raise InvalidInput("couponCode", "This coupon has expired or does not apply",
                               "EXPIRED")
        cart.apply_coupon(code=coupon.code, basis_points=coupon.basis_points)
        return self.record(cart)

    @retry_on_conflict()
    def remove_coupon(self, user_id: uuid.UUID) -> Position:
        cart = self._cart(user_id)
        if cart.coupon is None:
            return 0
        cart.remove_coupon()
        return self.record(cart)

    # -- orders ------------------------------------------------------------------------------
    def place_order(
        self, user_id: uuid.UUID, order_id: uuid.UUID, shipping_method: str,
        shipping_address: dict[str, Any], billing_address: dict[str, Any], notes: str | None,
    ) -> Position:
        """Reserve every line's stock, create the order and empty the cart: one save. Buyers of
        the same product in this process take turns, and whoever's turn it is places every
        waiting order in one save (``application.turns``)."""
        cart = self.cart_of(user_id)
        request = OrderRequest(user_id, order_id, shipping_method, shipping_address,
                               billing_address, notes, cart, self.exists(order_id))
        products = set() if cart is None else {
            ids.decode("prod", item["product"]["id"]) for item in cart.items.values()}
        return self.checkouts.run((p for p in products if p is not None), request)

    def _place_orders(self, requests: Sequence[OrderRequest]) -> list[Position | BaseException]:
        """Decides each order on its own against the state the earlier ones left, then saves
        them all at once; an order the domain refuses is answered with its error alone."""
        try:
            return self._decide_and_save(requests, hints=True)
        except IntegrityError:  # a hint went stale, or another process saved first
            return self._decide_and_save_fresh(requests)

    @retry_on_conflict()
    def _decide_and_save_fresh(
        self, requests: Sequence[OrderRequest]
    ) -> list[Position | BaseException]:
        return self._decide_and_save(requests, hints=False)

    def _decide_and_save(
        self, requests: Sequence[OrderRequest], hints: bool
    ) -> list[Position | BaseException]:
        batch = _OrderBatch(hints=hints)
        outcomes: list[Position | DomainError | None] = []
        for request in requests:
            try:
                outcomes.append(self._decide_order(request, batch))
            except DomainError as refused:
                outcomes.append(refused)
        position = self.record(*batch.products.values(), *batch.orders.values(),
                               *(cart for cart in batch.carts.values() if cart is not None))
        return [position if outcome is None else outcome for outcome in outcomes]

    def _decide_order(self, request: OrderRequest, batch: _OrderBatch) -> Position | None:
        """The order of ``request`` added to ``batch`` (None), or 0 if it was placed before."""
        user_id, order_id = request.user_id, request.order_id
        if order_id in batch.orders:
            return 0
        if request.placed_before or not batch.hints and self.exists(order_id):
            order = self.load(Order, order_id, "Order")
            if order.user_id != user_id:
                raise NotFound("Order not found")
            return 0  # already placed by an earlier attempt with the same key
        if user_id not in batch.carts:
            batch.carts[user_id] = request.cart if batch.hints else self.cart_of(user_id)
        cart = batch.carts[user_id]
        if cart is None or not cart.items:
            raise InvalidInput("cart", "The cart is empty", "EMPTY")
        lines = []
        for item_id, item in cart.items.items():
            product_id = ids.decode("prod", item["product"]["id"])
            assert product_id is not None
            if product_id not in batch.products:
                batch.products[product_id] = self.get_product(product_id)
            lines.append((batch.products[product_id], item_id, item))
        for product, _, item in lines:  # all checked before any is reserved: nothing half-done
            product.check_stock(item["variantId"], int(item["quantity"]))
        for product, _, item in lines:
            product.reserve_stock(item["variantId"], int(item["quantity"]), order_id)
        batch.orders[order_id] = self._new_order(request, cart, lines)
        cart.check_out(order_id=order_id)
        return None

    def _new_order(self, request: OrderRequest, cart: Cart,
                   lines: list[tuple[Product, str, dict[str, Any]]]) -> Order:
        items, priced = [], []
        currency = "USD"
        threshold = 0
        for product, item_id, item in lines:
            unit = product.variant_price_cents(item["variantId"])
            priced.append((unit, int(item["quantity"])))
            threshold = max(threshold, product.free_shipping_cents)
            currency = str(product.fields.get("currency", "USD"))
            variant = product.variants[item["variantId"]]
            items.append({
                "id": item_id,
                "product": {"id": item["product"]["id"], "name": product.name,
                            "price_cents": unit, "image": item["product"].get("image"),
                            "brand": product.fields.get("brand")},
                "variantId": item["variantId"],
                "size": variant.get("size"), "color": variant.get("color"),
                "quantity": int(item["quantity"]),
            })
        now = datetime.now(UTC)
        # Re-checked at placement: the coupon may have expired, or prices changed since.
        coupon = cart.coupon if self._coupon_applies(
            cart.coupon, sum(unit * qty for unit, qty in priced), now) else None
        totals = pricing.price(priced, cart.coupon_basis_points if coupon else 0,
                               request.shipping_method, threshold)
        return Order(
            id=request.order_id, user_id=request.user_id, items=items,
            amounts={"subtotal": totals.subtotal, "tax": totals.tax,
                     "shipping": totals.shipping, "discount": totals.discount,
                     "total": totals.total},
            currency=currency, shipping_method=request.shipping_method,
            shipping_address=request.shipping_address,
            billing_address=request.billing_address, notes=request.notes,
            estimated_delivery=pricing.estimated_delivery(now, request.shipping_method),
            coupon=coupon,
        )

    def get_order(self, user_id: uuid.UUID | None, order_id: uuid.UUID | None) -> Order:
        """The order, if it belongs to ``user_id`` (None: staff, any order)."""
        order = self.load(Order, order_id, "Order")
        if user_id is not None and order.user_id != user_id:
            raise NotFound("Order not found")
        return order

    def _release_stock(self, order: Order) -> list[Product]:
        products: dict[uuid.UUID, Product] = {}
        for item in order.items:
            product_id = ids.decode("prod", item["product"]["id"])
            assert product_id is not None
            product = products.get(product_id) or self.get_product(product_id)
            products[product_id] = product
            product.release_stock(variant_id=item["variantId"], quantity=int(item["quantity"]),
                                  order_id=order.id)
        return list(products.values())

    @retry_on_conflict()
    def cancel_order(
        self, user_id: uuid.UUID | None, order_id: uuid.UUID, reason: str | None
    ) -> Position:
        order = self.get_order(user_id, order_id)
        order.cancel(reason)
        payment = self._refund_payment(order, reason or "order cancelled")
        return self.record(order, payment, *self._release_stock(order))

    @retry_on_conflict()
    def refund_order(self, order_id: uuid.UUID, reason: str) -> Position:
        order = self.get_order(None, order_id)
        held = order.holds_stock
        order.refund(reason)
        payment = self._refund_payment(order, reason)
        return self.record(order, payment, *(self._release_stock(order) if held else []))

    def _payment_of(self, order: Order) -> PaymentOrder | None:
        return self.find(PaymentOrder, payment_id_for(order.id), "Payment")

    def _refund_payment(self, order: Order, reason: str) -> PaymentOrder | None:
        """The provider gives the paid amount back; the payment records where it went."""
        payment = self._payment_of(order)
        if payment is None or not payment.refundable:
            return None
        if self.provider is None:
            raise InvalidStateTransition("No payment provider is configured to refund with")
        assert payment.transaction_id is not None
        refund_id = self.provider.refund(payment.transaction_id, payment.amount,
                                         payment.currency)
        payment.refund(refund_id=refund_id, amount=payment.amount, reason=reason)
        return payment

    @retry_on_conflict()
    def record_refund(self, payment_id: uuid.UUID, refund_id: str, amount: int,
                      reason: str) -> Position:
        """A refund the provider reports (its webhook): recorded on the payment and the order
        together; the same refund reported again changes nothing."""
        payment = self.get_payment(payment_id)
        if payment.status == PaymentStatus.REFUNDED and payment.refund_id == refund_id:
            return 0
        order = self.get_order(None, payment.order_id)
        payment.refund(refund_id=refund_id, amount=amount, reason=reason)
        held = order.holds_stock
        order.refund(reason)
        return self.record(payment, order, *(self._release_stock(order) if held else []))

    @retry_on_conflict()
    def expire_order(self, order_id: uuid.UUID, now: datetime, unpaid_for: timedelta) -> Position:
        """Cancels an order still unpaid ``unpaid_for`` after it was placed and gives its
        stock back. Saved with its payment order, so a card authorized meanwhile wins (the
        save conflicts and the retry sees it); two expirers racing expire it once (0: nothing
        to do)."""
        order = self.get_order(None, order_id)
        if not order.is_due_to_expire(now, unpaid_for):
            return 0
        payment = self._payment_of(order)
        if payment is not None and payment.status != PaymentStatus.PENDING:
            return 0  # charged: its verification will pay the order
        order.expire(now, unpaid_for)
        if payment is not None:
            payment.void("order expired unpaid")
        return self.record(order, payment, *self._release_stock(order))

    @retry_on_conflict()
    def confirm_order(self, order_id: uuid.UUID) -> Position:
        order = self.get_order(None, order_id)
        order.confirm()
        return self.record(order)

    @retry_on_conflict()
    def ship_order(self, order_id: uuid.UUID, tracking_number: str, carrier: str) -> Position:
        order = self.get_order(None, order_id)
        order.ship(tracking_number, carrier)
        return self.record(order)

    @retry_on_conflict()
    def deliver_order(self, order_id: uuid.UUID) -> Position:
        order = self.get_order(None, order_id)
        order.deliver()
        return self.record(order)

    # -- payments ----------------------------------------------------------------------------
    def create_payment(self, user_id: uuid.UUID, order_id: uuid.UUID) -> tuple[uuid.UUID, int]:
        """One payment order per order (its id derived from the order's), created once."""
        order = self.get_order(user_id, order_id)
        if order.status != "pending":
            raise InvalidStateTransition(f"An order that is {order.status} needs no payment")
        payment_id = payment_id_for(order_id)
        if self.exists(payment_id):
            return payment_id, 0  # also after a declined attempt: it is still payable
        payment = PaymentOrder(id=payment_id, order_id=order_id, user_id=user_id,
                               amount=order.total_cents, currency=order.currency)
        try:
            return payment_id, self.record(payment)
        except IntegrityError:
            return payment_id, 0  # created concurrently by a retry of the same request

    def get_payment(self, payment_id: uuid.UUID | None) -> PaymentOrder:
        return self.load(PaymentOrder, payment_id, "Payment order")

    def payable_payment(self, payment_id: uuid.UUID | None) -> PaymentOrder:
        """The payment order, if its order still awaits payment: a cancelled order's card is
        never charged."""
        payment = self.get_payment(payment_id)
        order = self.get_order(None, payment.order_id)
        if order.status != "pending":
            raise InvalidStateTransition(f"An order that is {order.status} needs no payment")
        return payment

    @retry_on_conflict()
    def authorize_payment(
        self, payment_id: uuid.UUID, transaction_id: str, method: dict[str, Any]
    ) -> Position:
        payment = self.payable_payment(payment_id)
        payment.authorize(transaction_id, method)
        return self.record(payment)

    @retry_on_conflict()
    def decline_payment(
        self, payment_id: uuid.UUID, reason: str, method: dict[str, Any]
    ) -> Position:
        payment = self.get_payment(payment_id)
        payment.decline(reason, method)
        return self.record(payment)

    @retry_on_conflict()
    def verify_payment(
        self, user_id: uuid.UUID | None, payment_id: uuid.UUID, transaction_id: str
    ) -> Position:
        """Marks the payment verified and the order paid, together."""
        payment = self.get_payment(payment_id)
        if user_id is not None and payment.user_id != user_id:
            raise NotFound("Payment order not found")
        order = self.get_order(None, payment.order_id)
        already = payment.status == "verified"
        now = datetime.now(UTC)
        payment.verify(transaction_id, now)
        if already:
            return 0
        order.record_payment(payment_order_id=payment.id, transaction_id=transaction_id,
                             method=payment.method, paid_at=now)
        return self.record(payment, order)
