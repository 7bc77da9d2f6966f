"""Payments through the API: the sandbox provider, signed verification and signed webhooks."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from tests.conftest import ADDRESS

GOOD_CARD = {"cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099,
             "cvc": "123"}


def keyed(h: dict[str, str]) -> dict[str, str]:
    return {**h, "Idempotency-Key": uuid.uuid4().hex}


def placed_order(client: Any, h: dict[str, str], item: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/cart/items", json={"productId": item["id"],
                                            "variantId": item["variants"][0]["id"]}, headers=h)
    assert r.status_code == 201, r.text
    r = client.post("/v1/orders", json={"shippingAddress": ADDRESS}, headers=keyed(h))
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def payment_for(client: Any, h: dict[str, str], order_id: str) -> dict[str, Any]:
    r = client.post("/v1/payments/orders", json={"orderId": order_id}, headers=keyed(h))
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def charge(client: Any, payment_id: str, **card: Any) -> Any:
    return client.post(f"/v1/payments/sandbox/{payment_id}/pay", json={**GOOD_CARD, **card})


def order(client: Any, h: dict[str, str], order_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/orders/{order_id}", headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


@pytest.fixture
def buyer(people: Any) -> dict[str, Any]:
    return dict(people.register())


@pytest.fixture
def pending(client: Any, buyer: dict[str, Any], shirt: dict[str, Any]) -> dict[str, Any]:
    """A placed order and its payment order."""
    placed = placed_order(client, buyer["headers"], shirt)
    return {"order": placed, "payment": payment_for(client, buyer["headers"], placed["id"])}


def test_a_payment_order_carries_the_order_amount(client: Any, buyer: dict[str, Any],
                                                  pending: dict[str, Any]) -> None:
    payment, placed = pending["payment"], pending["order"]
    assert payment["paymentOrderId"].startswith("pay_")
    assert payment["orderId"] == placed["id"]
    assert payment["amount"] == placed["totalAmount"] == 59.98
    assert payment["currency"] == "USD" and payment["status"] == "pending"
    assert payment["paymentUrl"].endswith(f"/v1/payments/sandbox/{payment['paymentOrderId']}"
                                          "/checkout")
    again = payment_for(client, buyer["headers"], placed["id"])
    assert again["paymentOrderId"] == payment["paymentOrderId"]
    page = client.get(f"/v1/payments/sandbox/{payment['paymentOrderId']}/checkout")
    assert page.status_code == 200 and "59.98 USD" in page.text


def test_payment_creation_and_verification_need_an_idempotency_key(
        client: Any, buyer: dict[str, Any], pending: dict[str, Any]) -> None:
    r = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                    headers=buyer["headers"])
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["fields"][0]["field"] == "Idempotency-Key"
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    r = client.post("/v1/payments/verify", json=result, headers=buyer["headers"])
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["fields"][0]["field"] == "Idempotency-Key"
    assert order(client, buyer["headers"], pending["order"]["id"])["status"] == "pending"


def test_a_good_card_then_verification_marks_the_order_paid(client: Any, buyer: dict[str, Any],
                                                            pending: dict[str, Any]) -> None:
    payment = pending["payment"]
    r = charge(client, payment["paymentOrderId"])
    assert r.status_code == 200, r.text
    result = r.json()["data"]
    assert result["paymentOrderId"] == payment["paymentOrderId"]
    assert result["transactionId"].startswith("txn_") and len(result["signature"]) == 64
    assert order(client, buyer["headers"], pending["order"]["id"])["status"] == "pending"
    r = client.post("/v1/payments/verify", json=result, headers=keyed(buyer["headers"]))
    assert r.status_code == 200, r.text
    verification = r.json()["data"]
    assert verification["paymentId"] == payment["paymentOrderId"]
    assert verification["status"] == "verified"
    assert verification["orderId"] == pending["order"]["id"]
    details = verification["transactionDetails"]
    assert (details["amount"], details["currency"], details["last4"], details["brand"]) == (
        59.98, "USD", "4242", "visa")
    paid = order(client, buyer["headers"], pending["order"]["id"])
    assert (paid["status"], paid["paymentStatus"]) == ("processing", "completed")
    assert paid["paymentMethod"]["last4"] == "4242"
    assert paid["payment"]["transactionId"] == result["transactionId"]


def test_a_declined_card_is_402_payment_declined(client: Any, buyer: dict[str, Any],
                                                 pending: dict[str, Any]) -> None:
    r = charge(client, pending["payment"]["paymentOrderId"], cardNumber="4000000000000002")
    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert error["code"] == "PAYMENT_DECLINED"
    detail = order(client, buyer["headers"], pending["order"]["id"])
    assert (detail["status"], detail["paymentStatus"]) == ("pending", "pending")


def test_an_expired_card_is_declined(client: Any, buyer: dict[str, Any],
                                     shirt: dict[str, Any]) -> None:
    placed = placed_order(client, buyer["headers"], shirt)
    payment = payment_for(client, buyer["headers"], placed["id"])
    r = charge(client, payment["paymentOrderId"], expiryYear=2020)
    assert r.status_code == 402 and r.json()["error"]["code"] == "PAYMENT_DECLINED"


def test_a_cancelled_order_cannot_be_paid(client: Any, buyer: dict[str, Any],
                                         pending: dict[str, Any]) -> None:
    r = client.post(f"/v1/orders/{pending['order']['id']}/cancel", json={},
                    headers=buyer["headers"])
    assert r.status_code == 200, r.text
    r = charge(client, pending["payment"]["paymentOrderId"])
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "INVALID_STATE_TRANSITION"
    detail = order(client, buyer["headers"], pending["order"]["id"])
    assert (detail["status"], detail["paymentStatus"]) == ("cancelled", "cancelled")


def test_a_wrong_signature_is_refused_and_changes_nothing(client: Any, buyer: dict[str, Any],
                                                          pending: dict[str, Any]) -> None:
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    forged = {**result, "signature": "0" * 64}
    r = client.post("/v1/payments/verify", json=forged, headers=keyed(buyer["headers"]))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert r.json()["error"]["details"]["fields"][0]["field"] == "signature"
    other_txn = {**result, "transactionId": "txn_" + "A" * 22}
    r = client.post("/v1/payments/verify", json=other_txn, headers=keyed(buyer["headers"]))
    assert r.status_code == 400, r.text
    detail = order(client, buyer["headers"], pending["order"]["id"])
    assert (detail["status"], detail["paymentStatus"]) == ("pending", "pending")
    assert [t["status"] for t in detail["timeline"]] == ["order_placed"]


def test_verifying_twice_is_harmless(client: Any, buyer: dict[str, Any],
                                     pending: dict[str, Any]) -> None:
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    first = client.post("/v1/payments/verify", json=result, headers=keyed(buyer["headers"]))
    second = client.post("/v1/payments/verify", json=result, headers=keyed(buyer["headers"]))
    assert first.status_code == second.status_code == 200, second.text
    assert first.json() == second.json()
    detail = order(client, buyer["headers"], pending["order"]["id"])
    assert detail["status"] == "processing"
    assert [t["status"] for t in detail["timeline"]] == ["order_placed", "processing"]
    profile = client.get("/v1/users/me", headers=buyer["headers"]).json()["data"]
    assert profile["stats"]["totalSpent"] == 59.98


def test_a_verify_retry_with_the_same_key_replays_the_answer(client: Any, buyer: dict[str, Any],
                                                             pending: dict[str, Any]) -> None:
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    h = keyed(buyer["headers"])
    first = client.post("/v1/payments/verify", json=result, headers=h)
    second = client.post("/v1/payments/verify", json=result, headers=h)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert second.headers.get("idempotent-replayed") == "true"


def test_a_paid_order_needs_no_second_payment(client: Any, buyer: dict[str, Any],
                                              pending: dict[str, Any]) -> None:
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    client.post("/v1/payments/verify", json=result, headers=keyed(buyer["headers"]))
    r = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                    headers=keyed(buyer["headers"]))
    assert r.status_code == 409, r.text
    assert charge(client, pending["payment"]["paymentOrderId"]).status_code == 409


# -- webhooks -------------------------------------------------------------------------------------
def webhook(client: Any, container: Any, event: dict[str, Any],
            signature: str | None = None, timestamp: int | None = None) -> Any:
    body = json.dumps(event).encode()
    header = signature or container.payments.sign_webhook(body, timestamp)
    return client.post("/v1/payments/webhook", content=body,
                       headers={"Content-Type": "application/json", "Tryon-Signature": header})


def succeeded(result: dict[str, Any]) -> dict[str, Any]:
    return {"type": "payment.succeeded", "data": {
        "paymentOrderId": result["paymentOrderId"], "transactionId": result["transactionId"]}}


def test_a_signed_webhook_marks_the_order_paid(client: Any, container: Any,
                                               buyer: dict[str, Any],
                                               pending: dict[str, Any]) -> None:
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    r = webhook(client, container, succeeded(result))
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "data": {"received": True}}
    detail = order(client, buyer["headers"], pending["order"]["id"])
    assert (detail["status"], detail["paymentStatus"]) == ("processing", "completed")
    # The provider retries webhooks: a second delivery changes nothing.
    assert webhook(client, container, succeeded(result)).status_code == 200
    assert len(order(client, buyer["headers"], pending["order"]["id"])["timeline"]) == 2


def test_a_webhook_with_a_bad_signature_is_refused(client: Any, container: Any,
                                                   buyer: dict[str, Any],
                                                   pending: dict[str, Any]) -> None:
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    body = json.dumps(succeeded(result)).encode()
    now = int(time.time())
    headers = {
        "wrong": f"t={now},v1={'0' * 64}",
        "stale": container.payments.sign_webhook(body, now - 3600),
        "future": container.payments.sign_webhook(body, now + 3600),
        "missing": "",
        "garbled": "nonsense",
        "other-body": container.payments.sign_webhook(b'{"type": "payment.failed"}', now),
    }
    for how, header in headers.items():
        r = client.post("/v1/payments/webhook", content=body,
                        headers={"Content-Type": "application/json", "Tryon-Signature": header})
        assert r.status_code == 400, (how, r.text)
        assert r.json()["error"]["code"] == "VALIDATION_ERROR", how
        assert r.json()["error"]["details"]["fields"][0]["field"] == "Tryon-Signature", how
    assert order(client, buyer["headers"], pending["order"]["id"])["status"] == "pending"


def test_a_signed_webhook_that_is_not_a_provider_event_is_400(client: Any,
                                                               container: Any) -> None:
    for body in (b"not json", b'{"type": "payment.disputed", "data": {}}', b'{"data": {}}',
                 b'["payment.succeeded"]'):
        r = client.post("/v1/payments/webhook", content=body, headers={
            "Content-Type": "application/json",
            "Tryon-Signature": container.payments.sign_webhook(body)})
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_signed_failure_webhook_declines_the_payment(client: Any, container: Any,
                                                       buyer: dict[str, Any],
                                                       pending: dict[str, Any]) -> None:
    payment_id = pending["payment"]["paymentOrderId"]
    r = webhook(client, container, {"type": "payment.failed", "data": {
        "paymentOrderId": payment_id, "reason": "insufficient_funds"}})
    assert r.status_code == 200, r.text
    assert order(client, buyer["headers"], pending["order"]["id"])["status"] == "pending"
    r = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                    headers=keyed(buyer["headers"]))
    assert r.status_code == 201, r.text  # a failed attempt: the payment stays payable
    assert r.json()["data"]["status"] == "pending"
    assert [a["reason"] for a in r.json()["data"]["attempts"]] == ["insufficient_funds"]


def test_a_signed_webhook_for_an_unknown_payment_is_404(client: Any, container: Any) -> None:
    r = webhook(client, container, {"type": "payment.succeeded", "data": {
        "paymentOrderId": "pay_" + "A" * 22, "transactionId": "txn_" + "A" * 22}})
    assert r.status_code == 404, r.text


# -- privacy --------------------------------------------------------------------------------------
def test_another_users_order_cannot_be_paid_for_or_verified(client: Any, people: Any,
                                                            buyer: dict[str, Any],
                                                            pending: dict[str, Any]) -> None:
    intruder = people.register()["headers"]
    r = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                    headers=keyed(intruder))
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "NOT_FOUND"
    result = charge(client, pending["payment"]["paymentOrderId"]).json()["data"]
    r = client.post("/v1/payments/verify", json=result, headers=keyed(intruder))
    assert r.status_code == 404, r.text
    assert order(client, buyer["headers"], pending["order"]["id"])["status"] == "pending"


def test_anonymous_callers_and_unknown_payment_orders_are_refused(
        client: Any, buyer: dict[str, Any], pending: dict[str, Any]) -> None:
    r = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                    headers={"Idempotency-Key": "anon"})
    assert r.status_code == 401, r.text
    r = client.post("/v1/payments/verify", json={
        "paymentOrderId": pending["payment"]["paymentOrderId"],
        "transactionId": "txn_" + "A" * 22, "signature": "0" * 64},
        headers={"Idempotency-Key": "anon-2"})
    assert r.status_code == 401, r.text
    r = charge(client, "pay_" + "A" * 22)
    assert r.status_code == 404, r.text
    r = client.post("/v1/payments/orders", json={"orderId": "order_" + "A" * 22},
                    headers=keyed(buyer["headers"]))
    assert r.status_code == 404, r.text


def test_a_declined_card_leaves_the_payment_payable_with_another_card(
        client: Any, buyer: dict[str, Any], pending: dict[str, Any]) -> None:
    """Issue 10 row 12: declined, then a good card, then a new payment order: 402, 200, 201
    (was 402, 409, 409), every attempt recorded, and the order ends paid."""
    h = buyer["headers"]
    payment_id = pending["payment"]["paymentOrderId"]
    assert charge(client, payment_id, cardNumber="4000000000000002").status_code == 402
    r = charge(client, payment_id)
    assert r.status_code == 200, r.text
    result = r.json()["data"]
    again = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                        headers=keyed(h))
    assert again.status_code == 201, again.text
    doc = again.json()["data"]
    assert doc["paymentOrderId"] == payment_id and doc["status"] == "authorized"
    assert [(a["outcome"], a["last4"]) for a in doc["attempts"]] == [("declined", "0002")]
    r = client.post("/v1/payments/verify", json=result, headers=keyed(h))
    assert r.status_code == 200, r.text
    assert order(client, h, pending["order"]["id"])["status"] == "processing"


def test_a_refund_is_recorded_on_the_payment_and_in_the_audit_trail(
        client: Any, container: Any, buyer: dict[str, Any], pending: dict[str, Any],
        people: Any) -> None:
    """Refunds: the sandbox gives the money back and the payment records the refund (id,
    amount); the auditor's trail of the order shows it."""
    h = buyer["headers"]
    payment_id = pending["payment"]["paymentOrderId"]
    result = charge(client, payment_id).json()["data"]
    assert client.post("/v1/payments/verify", json=result, headers=keyed(h)).status_code == 200
    admin = people.with_role("admin")
    r = client.post(f"/v1/admin/orders/{pending['order']['id']}/refund",
                    json={"reason": "Customer return"}, headers=admin["headers"])
    assert r.status_code == 200, r.text
    doc = client.post("/v1/payments/orders", json={"orderId": pending["order"]["id"]},
                      headers=keyed(h))
    assert doc.status_code == 409  # a refunded order needs no payment
    auditor = people.with_role("auditor")
    r = client.get(f"/v1/audit/orders/{pending['order']['id']}/events",
                   headers=auditor["headers"])
    assert r.status_code == 200, r.text
    events = r.json()["data"]
    [refund] = [e for e in events if e["type"] == "PaymentOrder.Refunded"]
    assert refund["data"]["refundId"].startswith("rfnd_")
    assert refund["data"]["amount"] == pending["payment"]["amount"] * 100
    assert refund["aggregateId"] == payment_id
    assert [e["type"] for e in events].index("PaymentOrder.Refunded") > \
        [e["type"] for e in events].index("PaymentOrder.Verified")
    payment = container.read.payment_doc(payment_id)
    assert payment["status"] == "refunded"
    assert payment["refund"]["amount"] == pending["payment"]["amount"]


def test_cancelling_a_paid_order_refunds_its_payment(client: Any, container: Any,
                                                     buyer: dict[str, Any],
                                                     pending: dict[str, Any]) -> None:
    h = buyer["headers"]
    payment_id = pending["payment"]["paymentOrderId"]
    result = charge(client, payment_id).json()["data"]
    assert client.post("/v1/payments/verify", json=result, headers=keyed(h)).status_code == 200
    r = client.post(f"/v1/orders/{pending['order']['id']}/cancel", json={}, headers=h)
    assert r.status_code == 200, r.text
    payment = container.read.payment_doc(payment_id)
    assert payment["status"] == "refunded"
    assert payment["refund"]["amount"] == pending["payment"]["amount"]
    assert payment["refund"]["refundId"].startswith("rfnd_")


def test_a_refund_webhook_records_the_refund_once(client: Any, container: Any,
                                                  buyer: dict[str, Any],
                                                  pending: dict[str, Any]) -> None:
    """A refund made at the provider arrives by webhook: recorded on the payment and the
    order (stock back); the same webhook again changes nothing; a part refund is refused."""
    h = buyer["headers"]
    payment_id = pending["payment"]["paymentOrderId"]
    result = charge(client, payment_id).json()["data"]
    assert webhook(client, container, succeeded(result)).status_code == 200
    amount = pending["payment"]["amount"]
    refund: dict[str, Any] = {"type": "payment.refunded", "data": {
        "paymentOrderId": payment_id, "refundId": "rfnd_provider_1", "amount": amount,
        "reason": "chargeback"}}
    part = {"type": "payment.refunded", "data": {**refund["data"], "amount": 1.00}}
    r = webhook(client, container, part)
    assert r.status_code == 400, r.text
    for _ in range(2):
        r = webhook(client, container, refund)
        assert r.status_code == 200, r.text
    detail = order(client, h, pending["order"]["id"])
    assert (detail["status"], detail["paymentStatus"]) == ("refunded", "refunded")
    payment = container.read.payment_doc(payment_id)
    assert payment["status"] == "refunded"
    assert payment["refund"]["refundId"] == "rfnd_provider_1"
    assert payment["refund"]["amount"] == amount
    from domain import ids

    events = container.shop.repository.event_store.get(ids.decode("pay", payment_id))
    assert [type(e).__qualname__ for e in events].count("PaymentOrder.Refunded") == 1
