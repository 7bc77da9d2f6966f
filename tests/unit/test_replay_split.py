"""Splitting projections between replay processes: by the number and size of the events each
applies, so that the busiest process has as little as possible."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from adapters.replay import EVENT_BYTES, _work, balanced_groups
from domain.avatars import Avatar
from domain.cart import Cart
from domain.ordering import Order
from projections.carts import CartsProjection
from projections.orders import OrdersProjection
from projections.studio import StudioProjection


def test_a_projection_costs_the_bytes_of_the_events_it_applies_and_a_share_per_event() -> None:
    counts = {"shop": {get_topic(Cart.ItemAdded): (10, 4_000),
                       get_topic(Order.Placed): (1, 1_800)}}
    assert _work([CartsProjection()], counts) == 10 * EVENT_BYTES + 4_000
    assert _work([CartsProjection(), OrdersProjection()], counts) == \
        11 * EVENT_BYTES + 5_800


def test_the_busiest_process_gets_the_least_work_possible() -> None:
    counts = {"studio": {get_topic(Avatar.ScanProgressed): (1_000, 200_000)},
              "shop": {get_topic(Cart.ItemAdded): (400, 160_000),
                       get_topic(Order.Placed): (20, 40_000)}}
    studio, carts, orders = StudioProjection(), CartsProjection(), OrdersProjection()
    groups = balanced_groups([studio, carts, orders], counts, 2)
    assert sorted(sorted(p.name for p in g) for g in groups) == [["carts", "orders"],
                                                                 ["studio"]]
    assert balanced_groups([studio, carts, orders], counts, 1) == [[studio, carts, orders]]
