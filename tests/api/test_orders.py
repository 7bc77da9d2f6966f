"""Orders through the API: idempotent placement, cancellation, fulfilment, refunds, privacy."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import ADDRESS, shirt_body

SHIP = {"trackingNumber": "1Z999AA1234567890", "carrier": "ups"}


def fill_cart(client: Any, h: dict[str, str], item: dict[str, Any], quantity: int = 1) -> None:
    r = client.post("/v1/cart/items", json={"productId": item["id"],
                                            "variantId": item["variants"][0]["id"],
                                            "quantity": quantity}, headers=h)
    assert r.status_code == 201, r.text


def place(client: Any, h: dict[str, str], key: str | None = None,
          **body: Any) -> Any:
    return client.post("/v1/orders", json={"shippingAddress": ADDRESS, **body},
                       headers={**h, "Idempotency-Key": key or uuid.uuid4().hex})


def order_of(client: Any, h: dict[str, str], item: dict[str, Any],
             quantity: int = 1) -> dict[str, Any]:
    fill_cart(client, h, item, quantity)
    r = place(client, h)
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def pay(client: Any, h: dict[str, str], order_id: str) -> None:
    r = client.post("/v1/payments/orders", json={"orderId": order_id},
                    headers={**h, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/payments/sandbox/{r.json()['data']['paymentOrderId']}/pay", json={
        "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099, "cvc": "123"})
    assert r.status_code == 200, r.text
    r = client.post("/v1/payments/verify", json=r.json()["data"],
                    headers={**h, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text


def stock(client: Any, item: dict[str, Any]) -> int:
    return int(client.get(f"/v1/products/{item['id']}").json()["data"]["variants"][0]["stock"])


def order(client: Any, h: dict[str, str], order_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/orders/{order_id}", headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def admin_step(client: Any, admin: dict[str, Any], order_id: str, step: str) -> Any:
    body = {"ship": SHIP, "refund": {"reason": "Customer return"}}.get(step)
    return client.post(f"/v1/admin/orders/{order_id}/{step}", json=body,
                       headers=admin["headers"])


# -- placement ----------------------------------------------------------------------------------
def test_placing_an_order_needs_an_idempotency_key(client: Any, people: Any,
                                                    shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt)
    r = client.post("/v1/orders", json={"shippingAddress": ADDRESS}, headers=h)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [(f["field"], f["code"]) for f in error["details"]["fields"]] == [
        ("Idempotency-Key", "REQUIRED")]
    assert client.get("/v1/orders", headers=h).json()["data"] == []
    assert stock(client, shirt) == 25


def test_an_order_is_pending_with_items_totals_and_addresses(client: Any, people: Any,
                                                             shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt, 1)
    client.put("/v1/cart/coupon", json={"couponCode": "WELCOME10"}, headers=h)
    r = place(client, h, shippingMethod="express", notes="Leave at the door")
    assert r.status_code == 201, r.text
    detail = r.json()["data"]
    assert detail["id"].startswith("order_")
    assert (detail["status"], detail["paymentStatus"]) == ("pending", "pending")
    assert (detail["subtotal"], detail["tax"], detail["shipping"], detail["discount"],
            detail["totalAmount"]) == (49.99, 4.00, 14.99, 5.00, 63.98)
    assert detail["couponCode"] == "WELCOME10" and detail["notes"] == "Leave at the door"
    assert detail["shippingAddress"]["city"] == "New York"
    assert detail["billingAddress"]["city"] == "New York"
    [item] = detail["items"]
    assert item["product"]["id"] == shirt["id"] and item["quantity"] == 1
    assert item["size"] == "M" and item["color"] == "blue"
    assert [t["status"] for t in detail["timeline"]] == ["order_placed"]
    assert order(client, h, detail["id"]) == detail
    assert client.get("/v1/cart", headers=h).json()["data"]["items"] == []
    assert stock(client, shirt) == 24


def test_an_order_ships_to_the_default_or_a_chosen_saved_address(client: Any, people: Any,
                                                                  shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt)
    r = client.post("/v1/orders", json={}, headers={**h, "Idempotency-Key": "k0"})
    assert r.status_code == 400, r.text  # no address given and none saved
    assert r.json()["error"]["details"]["fields"][0]["field"] == "shippingAddress"
    client.post("/v1/users/me/addresses", json={**ADDRESS, "city": "Chicago"}, headers=h)
    r = client.post("/v1/users/me/addresses", json={**ADDRESS, "city": "Denver"}, headers=h)
    denver = r.json()["data"]["id"]
    r = client.post("/v1/orders", json={}, headers={**h, "Idempotency-Key": "k1"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["shippingAddress"]["city"] == "Chicago"
    fill_cart(client, h, shirt)
    r = client.post("/v1/orders", json={"shippingAddressId": denver},
                    headers={**h, "Idempotency-Key": "k2"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["shippingAddress"]["city"] == "Denver"


def test_twenty_retries_with_one_key_create_exactly_one_order(client: Any, people: Any,
                                                              shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt, 2)
    responses = [place(client, h, "same-key") for _ in range(20)]
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert all(r.headers.get("idempotent-replayed") == "true" for r in responses[1:])
    listed = client.get("/v1/orders", headers=h).json()
    assert len(listed["data"]) == 1 and listed["pagination"]["totalItems"] == 1
    assert listed["data"][0]["id"] == responses[0].json()["data"]["id"]
    assert stock(client, shirt) == 23
    profile = client.get("/v1/users/me", headers=h).json()["data"]
    assert profile["stats"]["ordersPlaced"] == 1


def test_twenty_concurrent_retries_with_one_key_create_exactly_one_order(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt, 2)
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: place(client, h, "racing-key"), range(20)))
    created = [r for r in responses if r.status_code == 201]
    in_use = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_use) == 20, [r.text for r in responses]
    assert created and len({r.content for r in created}) == 1
    assert all(r.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE" for r in in_use)
    assert len(client.get("/v1/orders", headers=h).json()["data"]) == 1
    assert stock(client, shirt) == 23
    assert place(client, h, "racing-key").content == created[0].content


def test_a_coupon_that_no_longer_applies_at_placement_gives_no_discount(
        client: Any, people: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt, 3)  # 149.97
    assert client.put("/v1/cart/coupon", json={"couponCode": "SAVE20"},
                      headers=h).status_code == 200
    r = client.patch(f"/v1/admin/products/{shirt['id']}", json={"price": 30.00},
                     headers=admin["headers"])
    assert r.status_code == 200, r.text
    r = place(client, h)  # 90.00 now: below SAVE20's minimum of 100.00
    assert r.status_code == 201, r.text
    detail = r.json()["data"]
    assert detail["subtotal"] == 90.00 and detail["discount"] == 0
    assert detail["couponCode"] is None
    assert detail["totalAmount"] == 90.00 + 7.20


def test_a_key_reused_with_another_body_is_422(client: Any, people: Any,
                                               shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    fill_cart(client, h, shirt)
    assert place(client, h, "key-1").status_code == 201
    fill_cart(client, h, shirt)
    r = place(client, h, "key-1", shippingMethod="overnight")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(client.get("/v1/orders", headers=h).json()["data"]) == 1
    assert len(client.get("/v1/cart", headers=h).json()["data"]["items"]) == 1


def test_the_same_key_from_two_users_places_two_orders(client: Any, people: Any,
                                                       shirt: dict[str, Any]) -> None:
    ada, bob = people.register(), people.register()
    for person in (ada, bob):
        fill_cart(client, person["headers"], shirt)
    a = place(client, ada["headers"], "shared-key")
    b = place(client, bob["headers"], "shared-key")
    assert a.status_code == b.status_code == 201, b.text
    assert a.json()["data"]["id"] != b.json()["data"]["id"]
    assert b.json()["data"]["userId"] == bob["id"]
    assert stock(client, shirt) == 23


def test_an_empty_cart_cannot_be_ordered(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    r = place(client, h)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert client.get("/v1/orders", headers=h).json()["data"] == []


def test_an_order_for_more_than_the_remaining_stock_is_409(client: Any, people: Any,
                                                           admin: dict[str, Any]) -> None:
    item = client.post("/v1/admin/products", json=shirt_body(stock=2),
                       headers=admin["headers"]).json()["data"]
    ada, bob = people.register(), people.register()
    fill_cart(client, ada["headers"], item, 2)
    fill_cart(client, bob["headers"], item, 1)
    assert place(client, ada["headers"]).status_code == 201
    r = place(client, bob["headers"])
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    assert stock(client, item) == 0
    assert len(client.get("/v1/cart", headers=bob["headers"]).json()["data"]["items"]) == 1


# -- cancellation -------------------------------------------------------------------------------
def test_cancelling_a_pending_order_releases_its_stock(client: Any, people: Any,
                                                       shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt, 3)
    assert stock(client, shirt) == 22
    r = client.post(f"/v1/orders/{placed['id']}/cancel", json={"reason": "Changed my mind"},
                    headers=h)
    assert r.status_code == 200, r.text
    detail = r.json()["data"]
    assert (detail["status"], detail["paymentStatus"]) == ("cancelled", "cancelled")
    assert [t["status"] for t in detail["timeline"]] == ["order_placed", "cancelled"]
    assert "Changed my mind" in detail["timeline"][-1]["message"]
    assert stock(client, shirt) == 25
    again = client.post(f"/v1/orders/{placed['id']}/cancel", json={}, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == (
        "INVALID_STATE_TRANSITION")
    assert stock(client, shirt) == 25


def test_a_cancellation_needs_no_body(client: Any, people: Any,
                                     shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt)
    r = client.post(f"/v1/orders/{placed['id']}/cancel", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "cancelled"
    r = client.post(f"/v1/orders/{order_of(client, h, shirt)['id']}/cancel",
                    json={"reason": "x" * 501}, headers=h)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["fields"][0]["field"] == "reason"


def test_cancelling_a_paid_order_refunds_it_and_its_spend(client: Any, people: Any,
                                                          shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt)
    pay(client, h, placed["id"])
    assert client.get("/v1/users/me", headers=h).json()["data"]["stats"]["totalSpent"] == 59.98
    r = client.post(f"/v1/orders/{placed['id']}/cancel", json={}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["data"]["status"], r.json()["data"]["paymentStatus"]) == (
        "cancelled", "refunded")
    assert client.get("/v1/users/me", headers=h).json()["data"]["stats"]["totalSpent"] == 0
    assert stock(client, shirt) == 25


def test_an_order_cannot_be_cancelled_once_shipped(client: Any, people: Any,
                                                   admin: dict[str, Any],
                                                   shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt)
    pay(client, h, placed["id"])
    for step in ("confirm", "ship"):
        assert admin_step(client, admin, placed["id"], step).status_code == 200
    r = client.post(f"/v1/orders/{placed['id']}/cancel", json={}, headers=h)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "INVALID_STATE_TRANSITION"
    assert order(client, h, placed["id"])["status"] == "shipped"
    assert stock(client, shirt) == 24


# -- fulfilment ---------------------------------------------------------------------------------
def test_a_refund_of_a_paid_order_shows_in_the_timeline_and_stats(
        client: Any, people: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt, 2)
    pay(client, h, placed["id"])
    stats = client.get("/v1/users/me", headers=h).json()["data"]["stats"]
    assert stats == {**stats, "ordersPlaced": 1, "totalSpent": 107.98}
    r = admin_step(client, admin, placed["id"], "refund")
    assert r.status_code == 200, r.text
    detail = r.json()["data"]
    assert (detail["status"], detail["paymentStatus"]) == ("refunded", "refunded")
    assert [t["status"] for t in detail["timeline"]] == [
        "order_placed", "processing", "refunded"]
    assert order(client, h, placed["id"]) == detail
    stats = client.get("/v1/users/me", headers=h).json()["data"]["stats"]
    assert stats["totalSpent"] == 0 and stats["ordersPlaced"] == 1
    assert stock(client, shirt) == 25  # never shipped: the units are back


def test_a_delivered_order_can_be_refunded(client: Any, people: Any, admin: dict[str, Any],
                                           shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt)
    pay(client, h, placed["id"])
    for step in ("confirm", "ship", "deliver", "refund"):
        r = admin_step(client, admin, placed["id"], step)
        assert r.status_code == 200, (step, r.text)
    assert [t["status"] for t in r.json()["data"]["timeline"]] == [
        "order_placed", "processing", "confirmed", "shipped", "delivered", "refunded"]
    assert stock(client, shirt) == 24  # shipped units do not come back by themselves


ILLEGAL = {
    # state reached -> admin steps that must be refused from it
    "pending": ("confirm", "ship", "deliver", "refund"),
    "processing": ("ship", "deliver"),
    "confirmed": ("confirm", "deliver"),
    "shipped": ("confirm", "ship"),
    "delivered": ("confirm", "ship", "deliver"),
    "refunded": ("confirm", "ship", "deliver", "refund"),
    "cancelled": ("confirm", "ship", "deliver", "refund"),
}
PATH_TO = {"pending": (), "processing": (), "confirmed": ("confirm",),
           "shipped": ("confirm", "ship"), "delivered": ("confirm", "ship", "deliver"),
           "refunded": ("refund",), "cancelled": ()}


def test_every_illegal_admin_transition_is_409(client: Any, people: Any,
                                               admin: dict[str, Any],
                                               shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    for state, refused in ILLEGAL.items():
        placed = order_of(client, h, shirt)
        if state == "cancelled":
            assert client.post(f"/v1/orders/{placed['id']}/cancel", json={},
                               headers=h).status_code == 200
        elif state != "pending":
            pay(client, h, placed["id"])
        for step in PATH_TO[state]:
            assert admin_step(client, admin, placed["id"], step).status_code == 200
        before = order(client, h, placed["id"])
        assert before["status"] == state
        for step in refused:
            r = admin_step(client, admin, placed["id"], step)
            assert r.status_code == 409, (state, step, r.text)
            assert r.json()["error"]["code"] == "INVALID_STATE_TRANSITION", (state, step)
        assert order(client, h, placed["id"]) == before, state


def test_fulfilment_needs_the_admin_role(client: Any, people: Any,
                                         shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt)
    pay(client, h, placed["id"])
    for step in ("confirm", "ship", "deliver", "refund"):
        body = {"ship": SHIP, "refund": {"reason": "x"}}.get(step)
        r = client.post(f"/v1/admin/orders/{placed['id']}/{step}", json=body, headers=h)
        assert r.status_code == 403, (step, r.text)
        assert client.post(f"/v1/admin/orders/{placed['id']}/{step}",
                           json=body).status_code == 401
    assert order(client, h, placed["id"])["status"] == "processing"


def test_shipping_derives_the_tracking_url_from_the_carrier(
        client: Any, people: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    placed = order_of(client, h, shirt)
    pay(client, h, placed["id"])
    admin_step(client, admin, placed["id"], "confirm")
    r = admin_step(client, admin, placed["id"], "ship")
    detail = r.json()["data"]
    assert detail["trackingNumber"] == SHIP["trackingNumber"] and detail["carrier"] == "ups"
    assert detail["trackingUrl"] == "https://www.ups.com/track?tracknum=1Z999AA1234567890"


# -- privacy and listing ------------------------------------------------------------------------
def test_another_users_order_is_not_found(client: Any, people: Any,
                                          shirt: dict[str, Any]) -> None:
    owner, intruder = people.register(), people.register()
    placed = order_of(client, owner["headers"], shirt)
    h = intruder["headers"]
    r = client.get(f"/v1/orders/{placed['id']}", headers=h)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "NOT_FOUND"
    r = client.post(f"/v1/orders/{placed['id']}/cancel", json={}, headers=h)
    assert r.status_code == 404, r.text
    assert client.get("/v1/orders", headers=h).json()["data"] == []
    assert order(client, owner["headers"], placed["id"])["status"] == "pending"
    assert stock(client, shirt) == 24


def test_unknown_and_malformed_order_ids_are_404(client: Any, people: Any,
                                                 admin: dict[str, Any]) -> None:
    h = people.register()["headers"]
    for order_id in ("order_" + "A" * 22, "order_x", "nonsense"):
        assert client.get(f"/v1/orders/{order_id}", headers=h).status_code == 404
        r = client.post(f"/v1/orders/{order_id}/cancel", json={}, headers=h)
        assert r.status_code == 404, r.text
        for step in ("confirm", "ship", "deliver", "refund"):
            assert admin_step(client, admin, order_id, step).status_code == 404, step


def test_orders_are_listed_newest_first_and_filtered_by_status(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    first = order_of(client, h, shirt)
    second = order_of(client, h, shirt)
    third = order_of(client, h, shirt)
    client.post(f"/v1/orders/{second['id']}/cancel", json={}, headers=h)
    pay(client, h, third["id"])
    body = client.get("/v1/orders", headers=h).json()
    assert [o["id"] for o in body["data"]] == [third["id"], second["id"], first["id"]]
    assert "timeline" not in body["data"][0] and "shippingAddress" not in body["data"][0]
    for status, expected in (("pending", [first]), ("cancelled", [second]),
                             ("processing", [third]), ("delivered", [])):
        r = client.get("/v1/orders", params={"status": status}, headers=h)
        assert r.status_code == 200, r.text
        assert [o["id"] for o in r.json()["data"]] == [o["id"] for o in expected], status
        assert r.json()["pagination"]["totalItems"] == len(expected)
    paged = client.get("/v1/orders", params={"limit": 2, "page": 2}, headers=h).json()
    assert [o["id"] for o in paged["data"]] == [first["id"]]
    assert paged["pagination"]["hasPrevious"] is True and paged["pagination"]["hasNext"] is False
    r = client.get("/v1/orders", params={"status": "lost"}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["details"]["fields"][0]["field"] == "status"
