"""Unpaid orders give their stock back: a periodic sweep that expires every order still
pending ``TRYON_ORDER_PAYMENT_TIMEOUT`` after it was placed.

Every API replica may run one. The read model only nominates candidates; the decision is the
shop's ``expire_order`` command (load the order and its payment, decide, save them with the
stock releases in one transaction), so two sweeps racing over one order expire it once: the
second save conflicts, its retry finds the order cancelled and does nothing.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import structlog

from application import metadata
from application.shop import Shop
from domain import ids
from projections.base import sort_key
from projections.store import ViewStore

log = structlog.get_logger("tryon.order_expiry")


class OrderExpiry:
    def __init__(self, shop: Shop, store: ViewStore, unpaid_for: timedelta,
                 batch: int = 200) -> None:
        self.shop = shop
        self.store = store
        self.unpaid_for = unpaid_for
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, now: datetime) -> list[str]:
        """Public ids of orders that the read model shows pending since before the cutoff."""
        cutoff = sort_key(now - self.unpaid_for)
        with self.store.read() as tx:
            rows = tx.all("SELECT id FROM rm_orders WHERE status = 'pending' AND created <= ? "
                          "ORDER BY created LIMIT ?", (cutoff, self.batch))
        return [str(r[0]) for r in rows]

    def sweep(self, now: datetime | None = None) -> int:
        """Expires what is due; returns how many orders this call expired."""
        now = now or datetime.now(UTC)
        expired = 0
        with metadata.acting_as(actor="system:order-expiry"):
            for public_id in self.due(now):
                order_id = ids.decode("order", public_id)
                if order_id is not None and self.shop.ordering.expire(order_id, now,
                                                                   self.unpaid_for):
                    expired += 1
        if expired:
            log.info("orders.expired", count=expired)
        return expired

    def _loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.sweep()
            except Exception:  # a database outage: the next round tries again
                log.exception("orders.expiry_failed")

    def start(self, interval_s: float) -> None:
        self._thread = threading.Thread(target=self._loop, args=(interval_s,), daemon=True,
                                        name="order-expiry")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
