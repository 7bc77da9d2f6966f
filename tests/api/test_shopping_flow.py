"""A customer's whole journey through the API, from sign-up to a delivered order."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADDRESS


def test_the_spec_cart_example_reproduces_to_the_cent(client: Any, people: Any,
                                                      shirt: dict[str, Any]) -> None:
    ada = people.register()
    variant = shirt["variants"][0]["id"]
    r = client.post("/v1/cart/items", json={"productId": shirt["id"], "variantId": variant,
                                            "quantity": 1}, headers=ada["headers"])
    assert r.status_code == 201, r.text
    r = client.put("/v1/cart/coupon", json={"couponCode": "WELCOME10"}, headers=ada["headers"])
    assert r.status_code == 200, r.text
    cart = r.json()["data"]
    assert (cart["subtotal"], cart["tax"], cart["shipping"], cart["discount"], cart["total"]) == (
        49.99, 4.00, 5.99, 5.00, 54.98)
    assert cart["itemCount"] == 1 and cart["couponCode"] == "WELCOME10"


def test_an_order_goes_from_placement_to_delivery_with_a_timeline(
        client: Any, people: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    ada = people.register()
    h = ada["headers"]
    variant = shirt["variants"][0]["id"]
    assert client.post("/v1/users/me/addresses", json=ADDRESS, headers=h).status_code == 201
    client.post("/v1/cart/items", json={"productId": shirt["id"], "variantId": variant,
                                        "quantity": 2}, headers=h)
    r = client.post("/v1/orders", json={"shippingMethod": "standard"},
                    headers={**h, "Idempotency-Key": "order-1"})
    assert r.status_code == 201, r.text
    order = r.json()["data"]
    assert order["status"] == "pending" and order["paymentStatus"] == "pending"
    assert order["totalAmount"] == 99.98 + 8.00  # free shipping over 75.00
    assert client.get("/v1/cart", headers=h).json()["data"]["items"] == []
    stock = client.get(f"/v1/products/{shirt['id']}").json()["data"]["variants"][0]["stock"]
    assert stock == 23

    r = client.post("/v1/payments/orders", json={"orderId": order["id"]},
                    headers={**h, "Idempotency-Key": "pay-1"})
    assert r.status_code == 201, r.text
    payment = r.json()["data"]
    r = client.post(f"/v1/payments/sandbox/{payment['paymentOrderId']}/pay", json={
        "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099, "cvc": "123"})
    assert r.status_code == 200, r.text
    r = client.post("/v1/payments/verify", json=r.json()["data"],
                    headers={**h, "Idempotency-Key": "verify-1"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["transactionDetails"]["last4"] == "4242"

    a = admin["headers"]
    oid = order["id"]
    assert client.post(f"/v1/admin/orders/{oid}/confirm", headers=a).status_code == 200
    r = client.post(f"/v1/admin/orders/{oid}/ship", json={"trackingNumber": "1Z999AA1234567890",
                                                          "carrier": "usps"}, headers=a)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["trackingUrl"].endswith("1Z999AA1234567890")
    r = client.post(f"/v1/admin/orders/{oid}/deliver", headers=a)
    detail = r.json()["data"]
    assert [t["status"] for t in detail["timeline"]] == [
        "order_placed", "processing", "confirmed", "shipped", "delivered"]
    assert client.post(f"/v1/orders/{oid}/cancel", json={}, headers=h).status_code == 409
    profile = client.get("/v1/users/me", headers=h).json()["data"]
    assert profile["stats"]["ordersPlaced"] == 1
    assert profile["stats"]["totalSpent"] == 107.98
