"""An order's whole story for auditors: its own events, its payment order's, and the stock
reservations and releases (and the cart check-out) made for it, oldest first.

``AuditIndexProjection`` keeps a small index, (order, position) per event of the shop log that
concerns an order, so a trail is a handful of point reads instead of a log scan.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from adapters.audit.events import describe
from domain import ids
from domain.cart import Cart
from domain.catalog import Product
from domain.errors import NotFound
from domain.ordering import Order
from domain.payments import PaymentOrder
from projections.base import Projection, events_of
from projections.session import ViewSession
from projections.store import ViewStore

INDEX = "audit_order_events"
PAYMENTS = "audit_payment_orders"
# Events of other aggregates that name the order they were made for.
_FOR_ORDER = ("Product.StockReserved", "Product.StockReleased", "Cart.CheckedOut")


class AuditIndexProjection(Projection):
    name = "audit_index"
    logs = ("shop",)
    tables = (
        (INDEX, "order_id TEXT NOT NULL, position BIGINT NOT NULL, "
                "PRIMARY KEY (order_id, position)"),
        (PAYMENTS, "payment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL"),
    )

    def event_classes(self) -> frozenset[type]:
        return frozenset(c for c in events_of(Order, PaymentOrder, Product, Cart)
                         if self.wants(c))

    def wants(self, event_class: type) -> bool:
        kind = event_class.__qualname__
        return kind.split(".")[0] in ("Order", "PaymentOrder") or kind in _FOR_ORDER

    def apply_batch(self, log: str, batch: Sequence[tuple[Any, Any]], view: ViewSession) -> None:
        for n, e in batch:
            if e is None:
                continue
            kind = type(e).__qualname__
            aggregate = kind.split(".")[0]
            order: Any = None
            if aggregate == "Order":
                order = e.originator_id
            elif kind in _FOR_ORDER:
                order = e.order_id
            elif aggregate == "PaymentOrder":
                payment = str(e.originator_id)
                order = getattr(e, "order_id", None)
                if order is not None:
                    view.add(PAYMENTS, {"payment_id": payment, "order_id": str(order)})
                else:
                    row = view.get(PAYMENTS, payment)
                    order = row["order_id"] if row else None
            if order is not None:
                view.append(INDEX, (str(order), n.id))


def positions_of(store: ViewStore, order_id: uuid.UUID) -> list[int]:
    with store.transaction() as tx:
        rows = tx.all(f"SELECT position FROM {INDEX} WHERE order_id = ? ORDER BY position",
                      (str(order_id),))
    return [int(r[0]) for r in rows]


def order_trail(store: ViewStore, shop: Any, public_order_id: str) -> list[dict[str, Any]]:
    """Every stored event of the order's story, oldest first; NotFound for unknown orders."""
    order_id = ids.decode("order", public_order_id)
    if order_id is None:
        raise NotFound("Order not found")
    positions = positions_of(store, order_id)
    if not positions:
        raise NotFound("Order not found")
    trail = []
    for position in positions:
        found = shop.recorder.select_notifications(start=position, limit=1,
                                                   inclusive_of_start=True)
        if not found or found[0].id != position:
            continue  # removed from the log: `tryon audit verify` reports it
        event = shop.mapper.to_domain_event(found[0])
        trail.append({"log": "shop", "position": position, **describe(event)})
    return trail
