"""Rebuilding read models while clients read them: no failure, no empty view, same result."""

from __future__ import annotations

import threading
from typing import Any

from adapters.seed import seed_demo_catalog
from projections.queries import ProductFilter
from projections.rebuild import rebuild_online


def test_clients_keep_reading_the_full_view_during_a_rebuild(container: Any) -> None:
    seed_demo_catalog(container.shop)
    container.runner.catch_up()
    before = container.read.products(ProductFilter(), 1, 100)
    assert len(before.items) >= 12
    seen: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(len(container.read.products(ProductFilter(), 1, 100).items))
            except BaseException as exc:  # any failure of a read is what this test looks for
                failures.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            rebuild_online(container.runner)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    assert seen and set(seen) == {len(before.items)}
    assert container.read.products(ProductFilter(), 1, 100) == before
    assert all(lag == 0 for lag in container.runner.lag().values())


def test_a_rebuilt_projection_keeps_following_the_log(container: Any) -> None:
    seed_demo_catalog(container.shop)
    container.runner.catch_up()
    rebuild_online(container.runner, ["catalog"])
    product = container.read.products(ProductFilter(), 1, 1).items[0]
    from domain import ids

    container.shop.catalog.revise_product(ids.decode("prod", product["id"]), {"name": "Renamed"},
                                  None, None, None)
    container.runner.catch_up()
    assert container.read.product(product["id"])["name"] == "Renamed"
