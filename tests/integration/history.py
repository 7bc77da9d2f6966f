"""A small, fully known shop history for the analyst tests: who tried what on, who bought
what, which scans came out how good, spread over two weeks by a controlled clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import ids
from domain.avatars import StatedBody
from domain.catalog import Garment, Sizing
from tests.conftest import HOME

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


class Clock:
    """Stands in for the event store's clock: each event a minute after the previous one,
    ``jump`` moves to a given day."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def jump(self, days: int) -> None:
        self.now = max(self.now, START + timedelta(days=days))


@contextmanager
def controlled_clock() -> Iterator[Clock]:
    import eventsourcing.domain as es

    clock = Clock()
    original = es.datetime_now_with_tzinfo
    es.datetime_now_with_tzinfo = clock
    try:
        yield clock
    finally:
        es.datetime_now_with_tzinfo = original


@dataclass
class History:
    products: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    orders: dict[str, uuid.UUID] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # order name -> total in cents


def build(container: Any) -> History:
    """Three products (two tops, one pair of shoes), four customers.

    Try-ons: ada A, bob A, cyd C, dan B (after buying B). Orders: ada buys A (after trying it
    on), cyd buys B and C (after trying on C), dan buys B (before trying it on), eve buys C
    and cancels. Conversion: 2 of 4 try-ons were followed by a purchase of that product.
    Scans: week 1 quality 0.8 and 0.6 (one failure), week 2 quality 0.9 and 0.7.
    """
    shop, studio, h = container.shop, container.studio, History()
    with controlled_clock() as clock:
        for name, category, cents in (("A", "tops", 2000), ("B", "tops", 3000),
                                      ("C", "shoes", 10000)):
            h.products[name], _ = shop.catalog.list_product(
                {"name": f"Product {name}", "category": category, "currency": "USD"},
                cents, None, None, [{"size": "M", "stock": 50}])
        for name in ("ada", "bob", "cyd", "dan", "eve"):
            h.users[name], _ = container.accounts.register(
                f"{name}@example.com", "Str0ng!Pass", name.title(), "Tester")
        avatars = {name: _scan(studio, h.users[name], 0.8 if name in ("ada", "cyd") else 0.6)
                   for name in ("ada", "bob", "cyd", "dan")}
        _scan(studio, h.users["eve"], None)  # a failed scan

        def try_on(user: str, product: str) -> None:
            garment = Garment(
                product_id=h.products[product], variant_id=_variant(shop, h.products[product]),
                category=None, subcategory=None, size="M", color_hex="#808080",
                sizing=Sizing.from_content(None), fabric=None, photo_keys=())
            studio.request_render(h.users[user], uuid.uuid4(), avatars[user], garment,
                                  {"output": {"format": "png"}})

        def buy(order: str, user: str, *products: str) -> None:
            for product in products:
                shop.carts.add_item(h.users[user], h.products[product],
                                 _variant(shop, h.products[product]), 1, {})
            h.orders[order] = uuid.uuid4()
            shop.ordering.place(h.users[user], h.orders[order], "standard", HOME, HOME, None)
            h.totals[order] = shop.ordering.order(None, h.orders[order]).total.minor_units

        clock.jump(1)
        try_on("ada", "A")
        try_on("bob", "A")
        try_on("cyd", "C")
        buy("dan-1", "dan", "B")
        clock.jump(3)
        buy("ada-1", "ada", "A")
        buy("cyd-1", "cyd", "B", "C")
        try_on("dan", "B")
        buy("eve-1", "eve", "C")
        shop.ordering.cancel(None, h.orders["eve-1"], "changed mind")
        clock.jump(8)
        _scan(studio, h.users["ada"], 0.9)
        _scan(studio, h.users["bob"], 0.7)
    container.runner.catch_up()
    return h


def _variant(shop: Any, product_id: uuid.UUID) -> str:
    return str(next(iter(shop.catalog.product(product_id).variants)))


def _scan(studio: Any, user_id: uuid.UUID, quality: float | None) -> uuid.UUID:
    avatar_id = uuid.uuid4()
    studio.request_scan(user_id, avatar_id, "Me", "body_measurement", StatedBody(
        height=170, weight=None, bodyType=None, gender=None, measurements={}))
    scan = ids.encode("scan", avatar_id)
    studio.apply_report({"kind": "scan", "type": "started", "scanId": scan, "attempt": 1})
    if quality is None:
        studio.apply_report({"kind": "scan", "type": "failed", "scanId": scan,
                             "error": {"code": "FIT_FAILED", "message": "no fit"}})
    else:
        studio.apply_report({"kind": "scan", "type": "completed", "scanId": scan,
                             "result": {"qualityScore": quality, "body": {"v": 1}}})
    return avatar_id
