"""Racing buyers against a real server on the real PostgreSQL: the last units are sold once."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import (
    ADDRESS,
    PASSWORD,
    drop_schema,
    make_settings,
    postgres_available,
    shirt_body,
)

pytestmark = pytest.mark.postgres

BUYERS = 40
UNITS = 10


@dataclass
class Server:
    url: str
    container: Any


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Any]:
    if not postgres_available():
        if os.environ.get("TRYON_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (TRYON_REQUIRE_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL is not reachable")
    settings = make_settings("postgres", tmp_path, rate_limit_enabled=False)
    yield settings
    drop_schema(settings.database_schema)


@pytest.fixture
def server(pg_settings: Any) -> Iterator[Server]:
    """The real app behind uvicorn, on a free port, in a background thread."""
    import uvicorn

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    container = bootstrap(pg_settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(create_app(container), log_level="warning",
                                       access_log=False))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", container)
    finally:
        uv.should_exit = True
        thread.join(timeout=15)
        sock.close()
        container.close()


def register(http: httpx.Client) -> dict[str, str]:
    r = http.post("/v1/auth/register", json={
        "email": f"{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD,
        "firstName": "Buyer", "lastName": "Racing"})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    return {"id": data["user"]["id"],
            "Authorization": f"Bearer {data['tokens']['accessToken']}"}


def stock_history(container: Any, product_uuid: uuid.UUID, variant_id: str) -> list[int]:
    """The variant's stock after each of the product's stored events, oldest first."""
    stocks, product = [], None
    for event in container.shop.repository.event_store.get(product_uuid):
        product = event.mutate(product)
        if variant_id in product.variants:
            stocks.append(product.variants[variant_id].stock)
    return stocks


def test_forty_buyers_racing_for_ten_units_get_exactly_ten_orders(server: Server) -> None:
    from domain import ids

    container = server.container
    with httpx.Client(base_url=server.url, timeout=60) as http:
        admin = register(http)
        container.accounts.grant_role(ids.decode("usr", admin["id"]), "admin")
        container.runner.catch_up()
        r = http.post("/v1/admin/products", json=shirt_body(stock=UNITS),
                      headers={"Authorization": admin["Authorization"]})
        assert r.status_code == 201, r.text
        product = r.json()["data"]
        variant = product["variants"][0]["id"]


        def sign_up_and_fill_cart(_: int) -> dict[str, str]:
            buyer = register(http)
            r = http.post("/v1/cart/items", json={"productId": product["id"],
                                                  "variantId": variant, "quantity": 1},
                          headers={"Authorization": buyer["Authorization"]})
            assert r.status_code == 201, r.text
            return buyer

        with ThreadPoolExecutor(8) as pool:
            buyers = list(pool.map(sign_up_and_fill_cart, range(BUYERS)))

    start = threading.Barrier(BUYERS)
    answers: dict[str, httpx.Response] = {}

    def buy(buyer: dict[str, str]) -> None:
        with httpx.Client(base_url=server.url, timeout=120) as own:
            start.wait()
            answers[buyer["id"]] = own.post(
                "/v1/orders", json={"shippingAddress": ADDRESS, "shippingMethod": "standard"},
                headers={"Authorization": buyer["Authorization"],
                         "Idempotency-Key": f"race-{buyer['id']}"})

    threads = [threading.Thread(target=buy, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert len(answers) == BUYERS

    statuses = sorted(r.status_code for r in answers.values())
    assert statuses.count(201) == UNITS, [r.text for r in answers.values()
                                          if r.status_code not in (201, 409)][:3]
    losers = [r for r in answers.values() if r.status_code != 201]
    assert len(losers) == BUYERS - UNITS
    assert all(r.status_code == 409 and r.json()["error"]["code"] == "INSUFFICIENT_STOCK"
               for r in losers), {r.text for r in losers}
    winners = {buyer_id for buyer_id, r in answers.items() if r.status_code == 201}

    # The aggregate: sold out, never below zero, one reservation per winning order.
    product_uuid = ids.decode("prod", product["id"])
    assert product_uuid is not None
    assert container.shop.catalog.product(product_uuid).stock_of(variant) == 0
    history = stock_history(container, product_uuid, variant)
    assert history[0] == UNITS and history[-1] == 0 and min(history) >= 0
    reserved = [e for e in container.shop.repository.event_store.get(product_uuid)
                if type(e).__name__ == "StockReserved"]
    won_orders = {r.json()["data"]["id"] for r in answers.values() if r.status_code == 201}
    assert len(reserved) == UNITS
    assert {ids.encode("order", e.order_id) for e in reserved} == won_orders

    # The read models agree with the aggregate.
    with httpx.Client(base_url=server.url, timeout=60) as http:
        detail = http.get(f"/v1/products/{product['id']}").json()["data"]
        assert detail["variants"][0]["stock"] == 0
        in_stock = http.get("/v1/products", params={"inStock": "true", "limit": 100}).json()
        assert product["id"] not in {p["id"] for p in in_stock["data"]}
        for buyer in buyers:
            h = {"Authorization": buyer["Authorization"]}
            orders = http.get("/v1/orders", headers=h).json()["data"]
            cart = http.get("/v1/cart", headers=h).json()["data"]
            if buyer["id"] in winners:
                assert len(orders) == 1 and orders[0]["status"] == "pending"
                assert cart["items"] == []
            else:
                assert orders == []
                assert [i["quantity"] for i in cart["items"]] == [1]
