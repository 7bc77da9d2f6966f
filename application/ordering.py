"""Ordering commands: checkout, the order's lifecycle and its refunds.

Placing an order reserves stock on the products, creates the order and empties the cart in one
atomic save (one log for the shop): a second buyer of the last unit collides on the product's
version and is re-decided against the fresh stock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from eventsourcing.persistence import IntegrityError

from application.base import Position, TryonApplication, retry_on_conflict
from application.carts import Carts
from application.catalog import Catalog
from application.payments import Payments
from application.ports import PaymentProvider
from application.turns import Turns
from domain import ids
from domain.accounts import Address
from domain.cart import Cart
from domain.catalog import Product
from domain.errors import DomainError, InvalidInput, InvalidStateTransition, NotFound
from domain.money import Money
from domain.ordering import Addresses, Order
from domain.payments import PaymentOrder, PaymentStatus


def order_id_for(user_id: uuid.UUID, idempotency_key: str) -> uuid.UUID:
    """Same user and key, same order id: a retried placement can never create a second order,
    even when the first attempt crashed before its response was stored."""
    return ids.derived("order", str(user_id), idempotency_key)


class AddressBook(Protocol):
    """The customer's saved addresses (the accounts context: ``Accounts``)."""

    def address_of(self, user_id: uuid.UUID, address_id: str) -> Address: ...

    def default_address_of(self, user_id: uuid.UUID) -> Address | None: ...


@dataclass(frozen=True)
class OrderRequest:
    user_id: uuid.UUID
    order_id: uuid.UUID
    shipping_method: str
    addresses: Addresses
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


class Ordering:
    def __init__(self, store: TryonApplication, catalog: Catalog, carts: Carts,
                 payments: Payments, provider: PaymentProvider | None) -> None:
        self.store = store
        self.catalog = catalog
        self.carts = carts
        self.payments = payments
        self.provider = provider
        self.checkouts: Turns[OrderRequest, Position] = Turns(self._place_orders)

    def order(self, user_id: uuid.UUID | None, order_id: uuid.UUID | None) -> Order:
        """The order, if it belongs to ``user_id`` (None: staff, any order)."""
        order = self.store.load(Order, order_id, "Order")
        if user_id is not None and order.user_id != user_id:
            raise NotFound("Order not found")
        return order

    # -- checkout ------------------------------------------------------------------------------
    def place(
        self, user_id: uuid.UUID, order_id: uuid.UUID, shipping_method: str,
        shipping_address: Address, billing_address: Address, notes: str | None,
    ) -> Position:
        """Reserve every line's stock, create the order and empty the cart: one save. Buyers of
        the same product in this process take turns, and whoever's turn it is places every
        waiting order in one save (``application.turns``)."""
        cart = self.carts.cart_of(user_id)
        request = OrderRequest(user_id, order_id, shipping_method,
                               Addresses(shipping_address, billing_address), notes, cart,
                               self.store.exists(order_id))
        products = set() if cart is None else {
            ids.decode("prod", line.product.product_id) for line in cart.items.values()}
        return self.checkouts.run((p for p in products if p is not None), request)

    def place_from_address_book(
        self, user_id: uuid.UUID, order_id: uuid.UUID, shipping_method: str,
        book: AddressBook, shipping_address_id: str | None, shipping: Address | None,
        billing: Address | None, notes: str | None,
    ) -> Position:
        """``place``, shipping to a saved address when one is named (or none is given)."""
        if shipping_address_id is not None:
            shipping = book.address_of(user_id, shipping_address_id)
        default = None if shipping is not None else book.default_address_of(user_id)
        addresses = Addresses.choose(shipping, billing, default)
        return self.place(user_id, order_id, shipping_method, addresses.shipping,
                          addresses.billing, notes)

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
        position = self.store.record(
            *batch.products.values(), *batch.orders.values(),
            *(cart for cart in batch.carts.values() if cart is not None))
        return [position if outcome is None else outcome for outcome in outcomes]

    def _decide_order(self, request: OrderRequest, batch: _OrderBatch) -> Position | None:
        """The order of ``request`` added to ``batch`` (None), or 0 if it was placed before."""
        user_id, order_id = request.user_id, request.order_id
        if order_id in batch.orders:
            return 0
        if request.placed_before or not batch.hints and self.store.exists(order_id):
            self.order(user_id, order_id)
            return 0  # already placed by an earlier attempt with the same key
        if user_id not in batch.carts:
            batch.carts[user_id] = request.cart if batch.hints else self.carts.cart_of(user_id)
        cart = batch.carts[user_id]
        if cart is None or not cart.items:
            raise InvalidInput("cart", "The cart is empty", "EMPTY")
        products: dict[str, Product] = {}
        for line in cart.items.values():
            product_id = ids.decode("prod", line.product.product_id)
            assert product_id is not None
            if product_id not in batch.products:
                batch.products[product_id] = self.catalog.product(product_id)
            products[line.product.product_id] = batch.products[product_id]
        for line in cart.items.values():  # all checked before any is reserved: nothing half-done
            products[line.product.product_id].check_stock(line.variant_id, line.quantity.units)
        for line in cart.items.values():
            products[line.product.product_id].reserve_stock(line.variant_id, line.quantity,
                                                            order_id)
        batch.orders[order_id] = Order.place(
            order_id, cart, products, request.shipping_method, request.addresses,
            request.notes, now=datetime.now(UTC))
        cart.check_out(order_id=order_id)
        return None

    # -- lifecycle -----------------------------------------------------------------------------
    @retry_on_conflict()
    def cancel(self, user_id: uuid.UUID | None, order_id: uuid.UUID,
               reason: str | None) -> Position:
        order = self.order(user_id, order_id)
        order.cancel(reason)
        payment = self._refund_payment(order, reason or "order cancelled")
        return self.store.record(order, payment, *self._release_stock(order))

    @retry_on_conflict()
    def refund(self, order_id: uuid.UUID, reason: str) -> Position:
        order = self.order(None, order_id)
        held = order.holds_stock
        order.refund(reason)
        payment = self._refund_payment(order, reason)
        return self.store.record(order, payment, *(self._release_stock(order) if held else []))

    @retry_on_conflict()
    def record_provider_refund(self, payment_id: uuid.UUID, refund_id: str, amount: int,
                               reason: str) -> Position:
        """A refund of ``amount`` cents of the payment's currency that the provider reports
        (its webhook): recorded on the payment and the order together; the same refund
        reported again changes nothing."""
        payment = self.payments.payment(payment_id)
        if payment.status == PaymentStatus.REFUNDED and payment.refund_id == refund_id:
            return 0
        order = self.order(None, payment.order_id)
        payment.refund(refund_id=refund_id, amount=Money(amount, payment.amount.currency),
                       reason=reason)
        held = order.holds_stock
        order.refund(reason)
        return self.store.record(payment, order,
                                 *(self._release_stock(order) if held else []))

    @retry_on_conflict()
    def expire(self, order_id: uuid.UUID, now: datetime, unpaid_for: timedelta) -> Position:
        """Cancels an order still unpaid ``unpaid_for`` after it was placed and gives its
        stock back. Saved with its payment order, so a card authorized meanwhile wins (the
        save conflicts and the retry sees it); two expirers racing expire it once (0: nothing
        to do)."""
        order = self.order(None, order_id)
        if not order.is_due_to_expire(now, unpaid_for):
            return 0
        payment = self.payments.payment_of(order)
        if payment is not None and payment.status != PaymentStatus.PENDING:
            return 0  # charged: its verification will pay the order
        order.expire(now, unpaid_for)
        if payment is not None:
            payment.void("order expired unpaid")
        return self.store.record(order, payment, *self._release_stock(order))

    @retry_on_conflict()
    def confirm(self, order_id: uuid.UUID) -> Position:
        order = self.order(None, order_id)
        order.confirm()
        return self.store.record(order)

    @retry_on_conflict()
    def ship(self, order_id: uuid.UUID, tracking_number: str, carrier: str) -> Position:
        order = self.order(None, order_id)
        order.ship(tracking_number, carrier)
        return self.store.record(order)

    @retry_on_conflict()
    def deliver(self, order_id: uuid.UUID) -> Position:
        order = self.order(None, order_id)
        order.deliver()
        return self.store.record(order)

    def _release_stock(self, order: Order) -> list[Product]:
        products: dict[uuid.UUID, Product] = {}
        for line in order.lines:
            product_id = ids.decode("prod", line.product_id)
            assert product_id is not None
            product = products.get(product_id) or self.catalog.product(product_id)
            products[product_id] = product
            product.release_stock(variant_id=line.variant_id, quantity=line.quantity,
                                  order_id=order.id)
        return list(products.values())

    def _refund_payment(self, order: Order, reason: str) -> PaymentOrder | None:
        """The provider gives the paid amount back; the payment records where it went."""
        payment = self.payments.payment_of(order)
        if payment is None or not payment.refundable:
            return None
        if self.provider is None:
            raise InvalidStateTransition("No payment provider is configured to refund with")
        assert payment.transaction_id is not None
        refund_id = self.provider.refund(payment.transaction_id, payment.amount.minor_units,
                                         payment.amount.currency)
        payment.refund(refund_id=refund_id, amount=payment.amount, reason=reason)
        return payment

