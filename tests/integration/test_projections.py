"""Read models are derived: rebuilt from the log by ``tryon projections rebuild`` they answer the
same, and they can be kept by
a projector in its own process while the API still reads its own writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    ADDRESS,
    PASSWORD,
    container_of_one_test,
    settings_of_one_test,
    shirt_body,
)
from tests.waiting import stop_all

ROOT = Path(__file__).resolve().parents[2]


# -- helpers shared with the crash-recovery tests ----------------------------------------------
def read_model_tables(container: Any) -> list[str]:
    tables = [t for p in container.runner.projections for t, _ in p.tables]
    return [*tables, "projection_tracking"]


def dump(container: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table (and the tracking positions), in a stable order."""
    out = {}
    with container.store.transaction() as tx:
        for table in read_model_tables(container):
            out[table] = sorted(tx.all(f"SELECT * FROM {table}"), key=repr)
    return out


def wait_until(condition: Any, timeout: float, what: str | Callable[[], str],
               interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout}s waiting for {said}")
        time.sleep(interval)


def caught_up(container: Any) -> bool:
    return all(v == 0 for v in container.runner.lag().values())


class Projector:
    """``tryon projector`` as its own process, configured like the test's container."""

    def __init__(self, settings: Any, log: Path) -> None:
        self.settings = settings
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        s = self.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRYON_")}
        env.update({
            "TRYON_DATA_DIR": str(s.data_dir), "TRYON_DATABASE_URL": s.database_url,
            "TRYON_DATABASE_SCHEMA": s.database_schema, "TRYON_SECRET_KEY": s.secret_key,
            "TRYON_PAYMENT_SECRET": s.payment_secret, "TRYON_PROJECTIONS": "external",
            "TRYON_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
        })
        return env

    @staticmethod
    def command() -> list[str]:
        """The ``tryon`` command of this environment."""
        script = Path(sys.executable).parent / "tryon"
        return [str(script)] if script.exists() else [sys.executable, "-m", "adapters.cli.main"]

    def start(self) -> Projector:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([*self.command(), "projector", "--interval", "0.02"],
                                            cwd=ROOT, env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to finish the transaction in hand or to clean up."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        assert self.process is not None
        stop_all([self.process], timeout=15)
        return int(self.process.returncode)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def run_rebuild_command(container: Any, *names: str) -> str:
    """``tryon projections rebuild [NAME]`` in its own process on the container's stores, as
    an operator runs it beside a serving API; returns what it printed."""
    env = Projector(container.settings, Path(os.devnull)).env()
    done = subprocess.run([*Projector.command(), "projections", "rebuild", *names], cwd=ROOT,
                          env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return done.stdout.decode()


@pytest.fixture
def external_settings(backend: str, tmp_path: Path) -> Iterator[Any]:
    yield from settings_of_one_test(backend, tmp_path, projections="external",
                                    rate_limit_enabled=False)


@pytest.fixture
def external_container(external_settings: Any) -> Iterator[Any]:
    yield from container_of_one_test(external_settings)


@pytest.fixture
def projector(external_settings: Any, tmp_path: Path) -> Iterator[Projector]:
    p = Projector(external_settings, tmp_path / "projector.log")
    yield p
    if p.process is not None:
        p.stop()


# -- rebuild ------------------------------------------------------------------------------------
def populate(
    client: Any, people: Any, admin: dict[str, Any], shirt: dict[str, Any]
) -> dict[str, Any]:
    """A small shop with a bit of everything: profiles, addresses, carts with coupons, orders in
    several states, payments, reviews, a revised product and a second variant."""
    a = admin["headers"]
    variant = shirt["variants"][0]["id"]
    r = client.post(f"/v1/admin/products/{shirt['id']}/variants", headers=a, json={
        "size": "L", "color": "red", "colorHex": "#DC2626", "stock": 7, "sku": "TSH-L-RED",
        "price": 54.99})
    assert r.status_code == 201, r.text
    big = r.json()["data"]["id"]
    r = client.post("/v1/admin/products", headers=a, json={
        **shirt_body(stock=3, price="120.00"), "name": "Wool Coat", "category": "outerwear"})
    assert r.status_code == 201, r.text
    coat = r.json()["data"]

    ada, bob = people.register(first="Ada"), people.register(first="Bob", last="Builder")
    h = ada["headers"]
    assert client.patch("/v1/users/me", headers=h, json={
        "phoneNumber": "+15550100", "preferences": {"notifications": {"push": False}}},
    ).status_code == 200
    assert client.post("/v1/users/me/addresses", headers=h, json=ADDRESS).status_code == 201
    r = client.post("/v1/users/me/addresses", headers=h,
                    json={**ADDRESS, "street": "1 Second Ave", "isDefault": True})
    assert r.status_code == 201, r.text

    def order(person: dict[str, Any], key: str, lines: list[tuple[str, str, int]],
              coupon: str | None = None) -> str:
        for product_id, variant_id, quantity in lines:
            r = client.post("/v1/cart/items", headers=person["headers"], json={
                "productId": product_id, "variantId": variant_id, "quantity": quantity})
            assert r.status_code == 201, r.text
        if coupon:
            r = client.put("/v1/cart/coupon", headers=person["headers"],
                           json={"couponCode": coupon})
            assert r.status_code == 200, r.text
        r = client.post("/v1/orders", json={"shippingMethod": "express",
                                            "shippingAddress": ADDRESS},
                        headers={**person["headers"], "Idempotency-Key": key})
        assert r.status_code == 201, r.text
        return str(r.json()["data"]["id"])

    def pay(person: dict[str, Any], order_id: str) -> str:
        hh = person["headers"]
        r = client.post("/v1/payments/orders", json={"orderId": order_id},
                        headers={**hh, "Idempotency-Key": f"pay-{order_id}"})
        assert r.status_code == 201, r.text
        payment_id = r.json()["data"]["paymentOrderId"]
        r = client.post(f"/v1/payments/sandbox/{payment_id}/pay", json={
            "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099,
            "cvc": "123"})
        assert r.status_code == 200, r.text
        r = client.post("/v1/payments/verify", json=r.json()["data"],
                        headers={**hh, "Idempotency-Key": f"verify-{order_id}"})
        assert r.status_code == 200, r.text
        return str(payment_id)

    shipped = order(ada, "o1", [(shirt["id"], variant, 2), (coat["id"], coat["variants"][0]["id"],
                                                              1)], "WELCOME10")
    pay(ada, shipped)
    assert client.post(f"/v1/admin/orders/{shipped}/confirm", headers=a).status_code == 200
    assert client.post(f"/v1/admin/orders/{shipped}/ship", headers=a, json={
        "trackingNumber": "1Z999AA1", "carrier": "ups"}).status_code == 200
    cancelled = order(ada, "o2", [(shirt["id"], big, 1)])
    assert client.post(f"/v1/orders/{cancelled}/cancel", headers=h,
                       json={"reason": "too big"}).status_code == 200
    refunded = order(bob, "o3", [(shirt["id"], variant, 1)])
    pay(bob, refunded)
    assert client.post(f"/v1/admin/orders/{refunded}/refund", headers=a,
                       json={"reason": "damaged"}).status_code == 200
    waiting = order(bob, "o4", [(shirt["id"], big, 2)], "WELCOME10")
    r = client.post("/v1/payments/orders", json={"orderId": waiting},
                    headers={**bob["headers"], "Idempotency-Key": "pay-waiting"})
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/products/{shirt['id']}/reviews", headers=h, json={
        "rating": 5, "title": "Great shirt", "comment": "Fits well and feels soft."})
    assert r.status_code == 201, r.text
    r = client.patch(f"/v1/admin/products/{shirt['id']}", headers=a,
                     json={"price": 44.99, "tags": ["cotton", "sale"]})
    assert r.status_code == 200, r.text
    client.post("/v1/cart/items", headers=h, json={
        "productId": coat["id"], "variantId": coat["variants"][0]["id"], "quantity": 1})
    assert client.put("/v1/cart/coupon", headers=h,
                      json={"couponCode": "WELCOME10"}).status_code == 200
    return {"people": [ada, bob], "products": [shirt["id"], coat["id"]],
            "orders": [shipped, cancelled, refunded, waiting], "waiting": waiting}


def responses(client: Any, shop: dict[str, Any]) -> dict[str, Any]:
    """What every GET of the populated shop answers, status and body."""
    seen: dict[str, Any] = {}

    def get(name: str, path: str, headers: dict[str, str] | None = None, **params: Any) -> None:
        r = client.get(path, headers=headers or {}, params=params)
        seen[name] = (r.status_code, r.json())

    get("products", "/v1/products", limit=100)
    get("products in stock", "/v1/products", inStock="true", sort="price_asc")
    get("products by rating", "/v1/products", sort="rating", q="shirt")
    for product_id in shop["products"]:
        get(product_id, f"/v1/products/{product_id}")
    for i, person in enumerate(shop["people"]):
        h = person["headers"]
        get(f"profile {i}", "/v1/users/me", h)
        get(f"addresses {i}", "/v1/users/me/addresses", h)
        get(f"cart {i}", "/v1/cart", h)
        get(f"orders {i}", "/v1/orders", h)
        get(f"pending orders {i}", "/v1/orders", h, status="pending")
        for order_id in shop["orders"]:
            get(f"order {order_id} for {i}", f"/v1/orders/{order_id}", h)
    bob = shop["people"][1]["headers"]
    r = client.post("/v1/payments/orders", json={"orderId": shop["waiting"]},
                    headers={**bob, "Idempotency-Key": f"again-{time.monotonic_ns()}"})
    seen["payment"] = (r.status_code, r.json())
    payment_id = r.json()["data"]["paymentOrderId"]
    r = client.get(f"/v1/payments/sandbox/{payment_id}/checkout")
    seen["checkout page"] = (r.status_code, r.text)
    return seen


def test_rebuilding_the_read_models_from_the_log_answers_exactly_the_same(
        client: Any, container: Any, people: Any, admin: dict[str, Any],
        shirt: dict[str, Any]) -> None:
    shop = populate(client, people, admin, shirt)
    before, rows_before = responses(client, shop), dump(container)
    assert before["profile 0"][1]["data"]["stats"]["ordersPlaced"] == 2
    assert len(before["orders 1"][1]["data"]) == 2

    said = run_rebuild_command(container)

    assert "rebuilt all projections" in said

    assert dump(container) == rows_before
    assert responses(client, shop) == before


def test_rebuilding_replays_onto_empty_tables(container: Any, client: Any, people: Any,
                                              shirt: dict[str, Any]) -> None:
    """The rebuild really starts from nothing: a row the log never produced disappears."""
    with container.store.transaction() as tx:
        tx.execute("INSERT INTO rm_carts (id, user_id, doc) VALUES (?, ?, ?)",
                   ("cart_bogus", "usr_bogus", "{}"))
    run_rebuild_command(container, "carts")
    with container.store.transaction() as tx:
        assert tx.one("SELECT id FROM rm_carts WHERE id = ?", ("cart_bogus",)) is None
        assert tx.one("SELECT id FROM rm_products WHERE id = ?", (shirt["id"],)) is not None


# -- the projector in its own process ------------------------------------------------------------
def test_a_projector_process_keeps_the_read_models_and_the_api_reads_its_writes(
        external_container: Any, projector: Projector) -> None:
    from fastapi.testclient import TestClient

    from adapters.http.app import create_app
    from domain import ids

    c = external_container
    # Nothing in this process applies events: what is recorded waits for the projector.
    product_id, _ = c.shop.catalog.list_product(
        {"name": "Linen Shirt", "category": "tops", "tryonAvailable": True}, 39_99, None, None,
        [{"size": "M", "stock": 5}])
    time.sleep(0.3)
    assert c.runner.lag()["catalog"] > 0
    assert c.read.product(ids.encode("prod", product_id)) is None

    projector.start()
    wait_until(lambda: caught_up(c), 30, lambda: "the projector\n" + projector.output())
    assert c.read.product(ids.encode("prod", product_id)) is not None

    with TestClient(create_app(c)) as client:
        r = client.post("/v1/auth/register", json={
            "email": "reader@example.com", "password": PASSWORD, "firstName": "Rita",
            "lastName": "Reader"})
        assert r.status_code == 201, r.text
        user = r.json()["data"]["user"]
        h = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
        assert client.get("/v1/users/me", headers=h).json()["data"]["id"] == user["id"]

        r = client.patch("/v1/users/me", headers=h, json={"firstName": "Margarita"})
        assert r.json()["data"]["firstName"] == "Margarita"
        assert client.get("/v1/users/me", headers=h).json()["data"]["firstName"] == "Margarita"

        r = client.post("/v1/users/me/addresses", headers=h, json=ADDRESS)
        assert r.status_code == 201, r.text
        address = r.json()["data"]
        assert [a["id"] for a in client.get("/v1/users/me/addresses", headers=h)
                .json()["data"]] == [address["id"]]

        c.wait("accounts", c.accounts.grant_role(ids.decode("usr", user["id"]), "admin"))
        r = client.post("/v1/admin/products", headers=h, json=shirt_body(stock=4))
        assert r.status_code == 201, r.text
        shirt = r.json()["data"]
        assert client.get(f"/v1/products/{shirt['id']}").status_code == 200

        r = client.post("/v1/cart/items", headers=h, json={
            "productId": shirt["id"], "variantId": shirt["variants"][0]["id"], "quantity": 3})
        assert r.status_code == 201, r.text
        assert client.get("/v1/cart", headers=h).json()["data"]["itemCount"] == 3

        r = client.post("/v1/orders", json={"shippingAddressId": address["id"],
                                            "shippingMethod": "standard"},
                        headers={**h, "Idempotency-Key": "external-1"})
        assert r.status_code == 201, r.text
        order = r.json()["data"]
        assert [o["id"] for o in client.get("/v1/orders", headers=h).json()["data"]] == [
            order["id"]]
        assert client.get("/v1/cart", headers=h).json()["data"]["items"] == []
        detail = client.get(f"/v1/products/{shirt['id']}").json()["data"]
        assert detail["variants"][0]["stock"] == 1
        r = client.post(f"/v1/orders/{order['id']}/cancel", headers=h, json={})
        assert r.json()["data"]["status"] == "cancelled"
        detail = client.get(f"/v1/products/{shirt['id']}").json()["data"]
        assert detail["variants"][0]["stock"] == 4

    assert projector.alive(), projector.output()
    assert projector.stop() == 0, projector.output()


def test_a_rebuild_replayed_by_two_processes_answers_exactly_the_same(
        client: Any, container: Any, people: Any, admin: dict[str, Any],
        shirt: dict[str, Any]) -> None:
    from adapters.replay import ParallelReplay
    from projections.rebuild import rebuild_online

    shop = populate(client, people, admin, shirt)
    before, rows_before = responses(client, shop), dump(container)
    replay = ParallelReplay(container, processes=2, min_events=0)
    covered: list[tuple[int, int]] = []

    rebuild_online(container.runner, None, lambda done, total: covered.append((done, total)),
                   replay)

    assert dump(container) == rows_before
    assert responses(client, shop) == before
    assert covered and covered[-1][0] == covered[-1][1] > 0  # progress reached its total


def test_a_replay_process_that_fails_fails_the_rebuild_with_its_reason(
        container: Any) -> None:
    from adapters.replay import _run

    with pytest.raises(RuntimeError, match="(?s)a replay process failed.*no_such_projection"):
        _run(container.settings, [["users"], ["no_such_projection"]], None)
