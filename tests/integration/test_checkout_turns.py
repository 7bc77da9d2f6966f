"""Orders placed together in one save are each decided alone: a stale read before the turn
is never trusted over the log, and nothing is sold twice."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from domain.errors import DomainError, InsufficientStock, InvalidInput
from tests.conftest import HOME


def stocked_product(shop: Any, stock: int) -> tuple[uuid.UUID, str]:
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "category": "tops", "currency": "USD"},
        1999, None, None, [{"size": "M", "stock": stock}])
    return product_id, next(iter(shop.catalog.product(product_id).variants))


def place_together(shop: Any, orders: list[tuple[uuid.UUID, uuid.UUID]]) -> list[Any]:
    start = threading.Barrier(len(orders))
    answers: list[Any] = [None] * len(orders)

    def place(n: int) -> None:
        user_id, order_id = orders[n]
        start.wait()
        try:
            answers[n] = shop.ordering.place(user_id, order_id, "standard", HOME, HOME, None)
        except DomainError as refused:
            answers[n] = refused

    threads = [threading.Thread(target=place, args=(n,)) for n in range(len(orders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_buyers_of_the_last_units_in_one_turn_get_exactly_the_stock(container: Any) -> None:
    shop = container.shop
    product_id, variant = stocked_product(shop, stock=5)
    buyers = [uuid.uuid4() for _ in range(12)]
    for buyer in buyers:
        shop.carts.add_item(buyer, product_id, variant, 1, {})

    answers = place_together(shop, [(b, uuid.uuid4()) for b in buyers])

    assert sum(isinstance(a, int) for a in answers) == 5
    assert sum(isinstance(a, InsufficientStock) for a in answers) == 7
    assert shop.catalog.product(product_id).stock_of(variant) == 0


def test_one_cart_checked_out_by_two_orders_at_once_makes_one_order(container: Any) -> None:
    shop = container.shop
    product_id, variant = stocked_product(shop, stock=5)
    buyer = uuid.uuid4()
    shop.carts.add_item(buyer, product_id, variant, 2, {})

    answers = place_together(shop, [(buyer, uuid.uuid4()), (buyer, uuid.uuid4())])

    assert sum(isinstance(a, int) for a in answers) == 1
    assert sum(isinstance(a, InvalidInput) and a.field == "cart" for a in answers) == 1
    assert shop.catalog.product(product_id).stock_of(variant) == 3


def test_one_order_placed_twice_at_once_is_placed_once(container: Any) -> None:
    shop = container.shop
    product_id, variant = stocked_product(shop, stock=5)
    buyer, order_id = uuid.uuid4(), uuid.uuid4()
    shop.carts.add_item(buyer, product_id, variant, 1, {})

    answers = place_together(shop, [(buyer, order_id)] * 4)

    assert all(isinstance(a, int) for a in answers), answers
    assert shop.catalog.product(product_id).stock_of(variant) == 4


def test_a_cart_changed_after_it_was_read_is_decided_again_from_the_log(
        container: Any) -> None:
    shop = container.shop
    product_id, variant = stocked_product(shop, stock=5)
    buyer = uuid.uuid4()
    shop.carts.add_item(buyer, product_id, variant, 1, {})
    stale = shop.carts.cart_of(buyer)
    shop.carts.add_item(buyer, product_id, variant, 1, {})  # now 2, after the read

    from application.ordering import OrderRequest
    from domain.ordering import Addresses

    request = OrderRequest(buyer, uuid.uuid4(), "standard", Addresses(HOME, HOME), None,
                           stale)
    [position] = shop.ordering._place_orders([request])

    assert isinstance(position, int) and position > 0
    assert shop.ordering.order(buyer, request.order_id).lines[0].quantity.units == 2
    assert shop.catalog.product(product_id).stock_of(variant) == 3
