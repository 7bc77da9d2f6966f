"""Unpaid orders expire once and give their stock back once, however many sweeps race
(issue 10 row 12); a payment already charged keeps its order."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import HOME, make_settings

ORDERS = 4


@pytest.fixture
def twins(settings: Any, tmp_path: Any) -> Iterator[tuple[Any, Any]]:
    """Two containers (as two API replicas) on one database."""
    from adapters.bootstrap import bootstrap

    first = bootstrap(settings)
    if settings.database_url:
        second = bootstrap(make_settings("postgres", tmp_path,
                                         database_schema=settings.database_schema))
    else:
        second = bootstrap(make_settings("sqlite", tmp_path))
    yield first, second
    second.close()
    first.close()


def _product(shop: Any, stock: int) -> tuple[uuid.UUID, str]:
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "category": "tops"}, 10_00, None, None,
        [{"size": "M", "stock": stock}])
    return product_id, next(iter(shop.catalog.product(product_id).variants))


def _order(shop: Any, product_id: uuid.UUID, variant_id: str, quantity: int) -> uuid.UUID:
    from application.ordering import order_id_for

    user = uuid.uuid4()
    shop.carts.add_item(user, product_id, variant_id, quantity, {})
    order_id = order_id_for(user, "k")
    shop.ordering.place(user, order_id, "standard", HOME, HOME, None)
    shop.payments.create(user, order_id)
    return order_id


def _released(shop: Any, product_id: uuid.UUID) -> int:
    return sum(1 for e in shop.repository.event_store.get(product_id)
               if type(e).__qualname__ == "Product.StockReleased")


def test_two_sweeps_racing_expire_each_unpaid_order_once(twins: tuple[Any, Any]) -> None:
    from adapters.order_expiry import OrderExpiry
    from domain.payments import PaymentStatus

    a, b = twins
    product_id, variant_id = _product(a.shop, 10)
    orders = [_order(a.shop, product_id, variant_id, 2) for _ in range(ORDERS)]
    assert a.shop.catalog.product(product_id).stock_of(variant_id) == 10 - 2 * ORDERS
    a.runner.catch_up()
    timeout = timedelta(minutes=30)
    sweeps = [OrderExpiry(a.shop, a.store, timeout), OrderExpiry(b.shop, b.store, timeout)]
    placed = datetime.now(UTC)
    assert sweeps[0].sweep(placed + timedelta(minutes=29)) == 0  # not yet due
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run(sweep: Any) -> None:
        barrier.wait()
        counts.append(sweep.sweep(placed + timedelta(minutes=31)))

    threads = [threading.Thread(target=run, args=(s,)) for s in sweeps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == ORDERS
    assert _released(a.shop, product_id) == ORDERS
    assert a.shop.catalog.product(product_id).stock_of(variant_id) == 10
    for order_id in orders:
        assert a.shop.ordering.order(None, order_id).status == "cancelled"
        from application.payments import payment_id_for

        assert a.shop.payments.payment(payment_id_for(order_id)).status == PaymentStatus.VOIDED
    a.runner.catch_up()
    assert sweeps[0].sweep(placed + timedelta(hours=2)) == 0  # nothing left to expire
    from domain import ids

    doc = a.read.order(None, ids.encode("order", orders[0]))
    assert doc["status"] == "cancelled" and doc["paymentStatus"] == "cancelled"
    assert doc["timeline"][-1]["message"] == "Order cancelled: unpaid after 30 minutes"


def test_an_order_whose_card_was_charged_does_not_expire(container: Any) -> None:
    from adapters.order_expiry import OrderExpiry
    from application.payments import payment_id_for

    product_id, variant_id = _product(container.shop, 3)
    order_id = _order(container.shop, product_id, variant_id, 1)
    container.shop.payments.authorize(payment_id_for(order_id), "txn_x", {"type": "card"})
    container.runner.catch_up()
    sweep = OrderExpiry(container.shop, container.store, timedelta(minutes=30))
    assert sweep.sweep(datetime.now(UTC) + timedelta(hours=1)) == 0
    assert container.shop.ordering.order(None, order_id).status == "pending"
    assert container.shop.catalog.product(product_id).stock_of(variant_id) == 2


def test_a_running_app_expires_unpaid_orders_by_itself(tmp_path: Any) -> None:
    """The sweep runs in the background of ``tryon serve`` (start_background), here with a
    timeout of one second."""
    import time

    from adapters.bootstrap import bootstrap

    container = bootstrap(make_settings("sqlite", tmp_path, order_payment_timeout=1,
                                        order_expiry_interval_s=0.2))
    try:
        container.start_background()
        product_id, variant_id = _product(container.shop, 2)
        order_id = _order(container.shop, product_id, variant_id, 2)
        deadline = time.monotonic() + 20
        while container.shop.ordering.order(None, order_id).status == "pending":
            assert time.monotonic() < deadline, "the order never expired"
            time.sleep(0.2)
        assert container.shop.catalog.product(product_id).stock_of(variant_id) == 2
    finally:
        container.close()
