"""An order's audit trail: every event of its story, oldest first, with who and which request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from projections.rebuild import rebuild_online
from tests.conftest import ADDRESS


def place_and_pay(client: Any, person: dict[str, Any], shirt: dict[str, Any],
                  request_ids: dict[str, str]) -> str:
    """Adds one shirt, places the order and pays it; each request with a known X-Request-ID."""
    h = person["headers"]
    variant = shirt["variants"][0]["id"]
    client.post("/v1/cart/items", json={"productId": shirt["id"], "variantId": variant,
                                        "quantity": 2}, headers=h)
    r = client.post("/v1/orders", json={"shippingAddress": ADDRESS, "shippingMethod": "standard"},
                    headers={**h, "Idempotency-Key": "order-1",
                             "X-Request-ID": request_ids["place"]})
    assert r.status_code == 201, r.text
    order_id = str(r.json()["data"]["id"])
    r = client.post("/v1/payments/orders", json={"orderId": order_id},
                    headers={**h, "Idempotency-Key": "pay-1", "X-Request-ID": request_ids["pay"]})
    assert r.status_code == 201, r.text
    payment = r.json()["data"]["paymentOrderId"]
    r = client.post(f"/v1/payments/sandbox/{payment}/pay", json={
        "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099, "cvc": "123"},
        headers={"X-Request-ID": request_ids["charge"]})
    assert r.status_code == 200, r.text
    r = client.post("/v1/payments/verify", json=r.json()["data"],
                    headers={**h, "Idempotency-Key": "verify-1",
                             "X-Request-ID": request_ids["verify"]})
    assert r.status_code == 200, r.text
    return order_id


REQUESTS = {"place": "req-place-0001", "pay": "req-pay-0002", "charge": "req-charge-0003",
            "verify": "req-verify-0004", "cancel": "req-cancel-0005"}


@pytest.fixture
def story(client: Any, people: Any, shirt: dict[str, Any]) -> dict[str, Any]:
    ada = people.register()
    order_id = place_and_pay(client, ada, shirt, REQUESTS)
    r = client.post(f"/v1/orders/{order_id}/cancel", json={"reason": "changed my mind"},
                    headers={**ada["headers"], "X-Request-ID": REQUESTS["cancel"]})
    assert r.status_code == 200, r.text
    return {"order": order_id, "customer": ada}


def test_an_auditor_sees_the_orders_payment_and_stock_events_oldest_first(
        client: Any, people: Any, story: dict[str, Any]) -> None:
    auditor = people.with_role("auditor")
    r = client.get(f"/v1/audit/orders/{story['order']}/events", headers=auditor["headers"])
    assert r.status_code == 200, r.text
    trail = r.json()["data"]
    assert [e["type"] for e in trail] == [
        "Product.StockReserved", "Order.Placed", "Cart.CheckedOut",
        "PaymentOrder.Issued", "PaymentOrder.Authorized",
        "PaymentOrder.Verified", "Order.Paid",
        "Order.Cancelled", "PaymentOrder.Refunded", "Product.StockReleased"]
    positions = [e["position"] for e in trail]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    for event in trail:
        assert set(event) >= {"position", "type", "version", "occurredAt", "actor",
                              "requestId", "data"}
    placed = trail[1]
    assert placed["data"]["amounts"]["total"] > 0 and placed["version"] == 1
    assert trail[0]["data"]["orderId"] == story["order"]


def test_each_event_names_its_actor_and_the_request_id_the_client_sent(
        client: Any, people: Any, story: dict[str, Any]) -> None:
    auditor = people.with_role("auditor")
    trail = client.get(f"/v1/audit/orders/{story['order']}/events",
                       headers=auditor["headers"]).json()["data"]
    by_type = {e["type"]: e for e in trail}
    assert by_type["Order.Placed"]["requestId"] == REQUESTS["place"]
    assert by_type["Product.StockReserved"]["requestId"] == REQUESTS["place"]
    assert by_type["PaymentOrder.Issued"]["requestId"] == REQUESTS["pay"]
    assert by_type["PaymentOrder.Authorized"]["requestId"] == REQUESTS["charge"]
    assert by_type["Order.Paid"]["requestId"] == REQUESTS["verify"]
    assert by_type["Order.Cancelled"]["requestId"] == REQUESTS["cancel"]
    assert by_type["Order.Placed"]["actor"] == story["customer"]["id"]
    assert by_type["Order.Cancelled"]["actor"] == story["customer"]["id"]


def test_a_customer_may_not_read_an_audit_trail(client: Any, story: dict[str, Any]) -> None:
    r = client.get(f"/v1/audit/orders/{story['order']}/events",
                   headers=story["customer"]["headers"])
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "FORBIDDEN"


def test_an_unknown_order_has_no_audit_trail(client: Any, people: Any) -> None:
    auditor = people.with_role("auditor")
    for order_id in ("order_0000000000000000000000", "not-an-order"):
        r = client.get(f"/v1/audit/orders/{order_id}/events", headers=auditor["headers"])
        assert r.status_code == 404, order_id
        assert r.json()["error"]["code"] == "NOT_FOUND"


def test_the_trail_survives_a_rebuild_of_every_projection(
        client: Any, people: Any, container: Any, story: dict[str, Any]) -> None:
    auditor = people.with_role("auditor")
    url = f"/v1/audit/orders/{story['order']}/events"
    before = client.get(url, headers=auditor["headers"]).json()["data"]
    rebuild_online(container.runner)
    assert client.get(url, headers=auditor["headers"]).json()["data"] == before


def test_the_cli_prints_the_trail_as_a_table(
        container: Any, story: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli import main

    point_cli_at(container, monkeypatch)
    assert main.main(["audit", "order", story["order"]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["position", "occurred", "at"]
    rows = lines[2:]
    assert [row.split()[2] for row in rows][:2] == ["Product.StockReserved", "Order.Placed"]
    assert any(REQUESTS["verify"] in row for row in rows)
    assert main.main(["audit", "order", story["order"], "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(rows)
    assert main.main(["audit", "order", "order_0000000000000000000000"]) == 1


def point_cli_at(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads its settings from TRYON_* variables: aim them at the test's stores."""
    s = container.settings
    monkeypatch.setenv("TRYON_DATA_DIR", str(s.data_dir))
    monkeypatch.setenv("TRYON_DATABASE_URL", s.database_url)
    monkeypatch.setenv("TRYON_DATABASE_SCHEMA", s.database_schema)
    monkeypatch.setenv("TRYON_SECRET_KEY", s.secret_key)
    monkeypatch.setenv("TRYON_PAYMENT_SECRET", s.payment_secret)
    monkeypatch.setenv("TRYON_LOG_LEVEL", "WARNING")
