"""Payments through the provider (the built-in sandbox by default)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from adapters.http.deps import Ctr, CurrentUser, IdempotencyKey, RequiredIdempotencyKey, decode_id
from adapters.http.errors import documented
from adapters.http.requests import PaymentOrderIn, SandboxPayIn, VerifyPaymentIn, WebhookIn
from adapters.http.responses import (
    Envelope,
    PaymentOrder,
    PaymentVerification,
    Received,
    SandboxResult,
)
from adapters.links import base_url
from domain import ids
from domain.errors import InvalidInput, NotFound, PaymentDeclined
from domain.money import to_cents

router = APIRouter(prefix="/v1/payments", tags=["payments"])


def _payment(ctr: Ctr, payment_id: str) -> dict[str, Any]:
    doc = ctr.read.payment_doc(payment_id)
    if doc is None:
        raise NotFound("Payment order not found")
    public = {k: v for k, v in doc.items() if not k.startswith("_")}
    public["paymentUrl"] = f"{base_url(ctr.settings)}/v1/payments/sandbox/" \
                           f"{payment_id}/checkout"
    return public


def _sandbox_enabled(ctr: Ctr) -> None:
    if ctr.settings.mode == "production":
        raise NotFound("Not found")


@router.post("/orders", status_code=201, response_model=Envelope[PaymentOrder],
             responses=documented(400, 401, 404, 409, 422, 500))
def create_payment(body: PaymentOrderIn, ctr: Ctr, user: CurrentUser,
                   idempotency_key: RequiredIdempotencyKey) -> JSONResponse:
    order_id = decode_id("order", body.orderId, "Order")
    payment_id, position = ctr.shop.payments.create(user.id, order_id)
    ctr.wait("shop", position)
    return JSONResponse({"success": True, "data": _payment(ctr, ids.encode("pay", payment_id))},
                        status_code=201)


@router.post("/verify", response_model=Envelope[PaymentVerification],
             responses=documented(400, 401, 404, 409, 422, 500))
def verify_payment(body: VerifyPaymentIn, ctr: Ctr, user: CurrentUser,
                   idempotency_key: RequiredIdempotencyKey) -> JSONResponse:
    if not ctr.payments.check_signature(body.paymentOrderId, body.transactionId, body.signature):
        raise InvalidInput("signature", "The payment signature does not match", "INVALID")
    payment_id = decode_id("pay", body.paymentOrderId, "Payment order")
    position = ctr.shop.payments.verify(user.id, payment_id, body.transactionId)
    ctr.wait("shop", position)
    return JSONResponse({"success": True, "data": _verification(ctr, body.paymentOrderId)})


def _verification(ctr: Ctr, payment_id: str) -> dict[str, Any]:
    doc = ctr.read.payment_doc(payment_id)
    if doc is None:
        raise NotFound("Payment order not found")
    method = doc.get("_method") or {}
    return {"paymentId": payment_id, "status": "verified", "orderId": doc["orderId"],
            "transactionDetails": {
                "amount": doc["amount"], "currency": doc["currency"],
                "paymentMethod": method.get("type", "card"), "last4": method.get("last4"),
                "brand": method.get("brand"), "processedAt": doc.get("_processedAt") or ""}}


@router.post("/webhook", response_model=Envelope[Received],
             responses=documented(400, 404, 409, 422, 500))
async def webhook(request: Request, ctr: Ctr) -> JSONResponse:
    """Provider events, signed: ``Tryon-Signature: t=<unix>,v1=<hmac-sha256 of "t.body">``."""
    body = await request.body()
    signature = request.headers.get("Tryon-Signature", "")
    if not ctr.payments.check_webhook(body, signature):
        raise InvalidInput("Tryon-Signature", "Missing, stale or wrong webhook signature",
                           "INVALID")
    try:
        event = WebhookIn.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        raise InvalidInput("body", "Not a provider event", "INVALID_FORMAT") from None
    payment_id = decode_id("pay", str(event.data.get("paymentOrderId", "")), "Payment order")
    if event.type == "payment.succeeded":
        transaction = str(event.data.get("transactionId", ""))
        position = await run_in_threadpool(ctr.shop.payments.verify, None, payment_id, transaction)
    elif event.type == "payment.refunded":  # a refund made at the provider
        refund_id = str(event.data.get("refundId") or "")
        if not refund_id:
            raise InvalidInput("data.refundId", "A refund event names its refund", "REQUIRED")
        try:
            amount = to_cents(str(event.data.get("amount")))
        except ValueError:
            raise InvalidInput("data.amount", "Not an amount", "INVALID_FORMAT") from None
        position = await run_in_threadpool(ctr.shop.ordering.record_provider_refund,
                                           payment_id, refund_id, amount,
                                           str(event.data.get("reason") or "refund"))
    else:
        position = await run_in_threadpool(ctr.shop.payments.decline, payment_id,
                                           str(event.data.get("reason", "declined")), {})
    await run_in_threadpool(ctr.wait, "shop", position)
    return JSONResponse({"success": True, "data": {"received": True}})


@router.post("/sandbox/{paymentOrderId}/pay", response_model=Envelope[SandboxResult],
             responses=documented(400, 402, 404, 409, 422, 500))
def sandbox_pay(paymentOrderId: str, body: SandboxPayIn, ctr: Ctr,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """The sandbox provider's checkout: charges a test card and signs the result."""
    _sandbox_enabled(ctr)
    payment_id = decode_id("pay", paymentOrderId, "Payment order")
    attempt = ctr.shop.payments.pay_by_card(payment_id, body.cardNumber, body.expiryMonth,
                                            body.expiryYear, datetime.now(UTC).date())
    ctr.wait("shop", attempt.position)
    if attempt.transaction_id is None:
        raise PaymentDeclined("The card was declined", reason=attempt.declined_because)
    return JSONResponse({"success": True, "data": {
        "paymentOrderId": paymentOrderId, "transactionId": attempt.transaction_id,
        "signature": ctr.payments.sign(paymentOrderId, attempt.transaction_id)}})


@router.get("/sandbox/{paymentOrderId}/checkout", response_class=HTMLResponse,
            responses=documented(404, 500))
def sandbox_checkout(paymentOrderId: str, ctr: Ctr) -> HTMLResponse:
    """The sandbox provider's hosted checkout page (``paymentUrl``)."""
    _sandbox_enabled(ctr)
    doc = ctr.read.payment_doc(paymentOrderId)
    if doc is None:
        raise NotFound("Payment order not found")
    pid = html.escape(paymentOrderId)
    amount = html.escape(f"{doc['amount']:.2f} {doc['currency']}")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Sandbox checkout</title>
<style>body{{font-family:system-ui;max-width:28rem;margin:3rem auto}}input{{display:block;
margin:.3rem 0 1rem;padding:.4rem;width:100%}}</style></head><body>
<h1>Sandbox checkout</h1><p>Pay <strong>{amount}</strong> for {pid}.</p>
<p>Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined.</p>
<form id="f"><label>Card number<input name="cardNumber" value="4242424242424242"></label>
<label>Expiry month<input name="expiryMonth" value="12"></label>
<label>Expiry year<input name="expiryYear" value="{datetime.now(UTC).year + 2}"></label>
<label>CVC<input name="cvc" value="123"></label><button>Pay</button></form><pre id="out"></pre>
<script>document.getElementById('f').onsubmit=async e=>{{e.preventDefault();
const d=Object.fromEntries(new FormData(e.target));d.expiryMonth=+d.expiryMonth;
d.expiryYear=+d.expiryYear;const r=await fetch('pay',{{method:'POST',
headers:{{'Content-Type':'application/json'}},body:JSON.stringify(d)}});
document.getElementById('out').textContent=JSON.stringify(await r.json(),null,2)}}</script>
</body></html>"""
    return HTMLResponse(page)

