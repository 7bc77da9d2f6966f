"""A committed command is never answered 5xx, and its Idempotency-Key never runs it again.

With the projections external (``tryon projector``) and no projector running, a command is
recorded but its read-your-writes wait runs out: it answers ``202`` with what it recorded,
its key keeps that answer, and the retry replays it instead of running the command again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADDRESS, People, drop_schema, make_settings, shirt_body


@pytest.fixture
def stack(backend: str, tmp_path: Path) -> Iterator[tuple[Any, Any, Any]]:
    """An API whose projections run elsewhere; the test runs them (the projector) when it
    wants to."""
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    settings = make_settings(backend, tmp_path, projections="external",
                             read_your_writes_timeout_s=3.0)
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            container.runner.start(interval=0.05)  # the projector, for the set-up
            yield client, container, People(client, container)
    finally:
        container.close()
        if settings.database_schema:
            drop_schema(settings.database_schema)


def test_a_keyed_cart_add_with_the_projector_down_answers_202_and_runs_once(
        stack: tuple[Any, Any, Any]) -> None:
    client, container, people = stack
    admin = people.with_role("admin")
    shirt = client.post("/v1/admin/products", json=shirt_body(), headers=admin["headers"])
    assert shirt.status_code == 201, shirt.text
    item = shirt.json()["data"]
    buyer = people.register()
    container.runner.stop()  # the projector goes down

    headers = {**buyer["headers"], "Idempotency-Key": uuid.uuid4().hex}
    add = {"productId": item["id"], "variantId": item["variants"][0]["id"], "quantity": 1}
    first = client.post("/v1/cart/items", json=add, headers=headers)
    assert first.status_code == 202, first.text
    data = first.json()["data"]
    assert first.json()["success"] is True and data["status"] == "accepted"
    assert {"type": "cart"} .items() <= data["recorded"][0].items()
    retry = client.post("/v1/cart/items", json=add, headers=headers)
    assert retry.status_code == 202, retry.text
    assert retry.headers.get("idempotent-replayed") == "true"
    assert retry.json() == first.json()

    key = uuid.uuid4().hex
    order_headers = {**buyer["headers"], "Idempotency-Key": key}
    placed = client.post("/v1/orders", json={"shippingAddress": ADDRESS}, headers=order_headers)
    assert placed.status_code == 202, placed.text
    recorded = {r["type"]: r["id"] for r in placed.json()["data"]["recorded"]}
    again = client.post("/v1/orders", json={"shippingAddress": ADDRESS}, headers=order_headers)
    assert again.status_code == 202, again.text
    assert again.json() == placed.json()

    container.runner.catch_up()  # the projector is back
    order = client.get(f"/v1/orders/{recorded['order']}", headers=buyer["headers"])
    assert order.status_code == 200, order.text
    assert [i["quantity"] for i in order.json()["data"]["items"]] == [1]
    orders = client.get("/v1/orders", headers=buyer["headers"]).json()["data"]
    assert [o["id"] for o in orders] == [recorded["order"]]
    # Replayed after the projector caught up too: still the first answer, still one order.
    assert client.post("/v1/orders", json={"shippingAddress": ADDRESS},
                       headers=order_headers).json() == placed.json()
