"""Payments through the provider (the built-in sandbox by default)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from adapters.http.deps import (
    CurrentUser,
    IdempotencyKey,
    OrderingService,
    PaymentProvider,
    PaymentsService,
    Projections,
    RequiredIdempotencyKey,
    SettingsDep,
    ShopReads,
    decode_id,
)
from adapters.http.errors import documented
from adapters.http.requests import PaymentOrderIn, SandboxPayIn, VerifyPaymentIn, WebhookIn
from adapters.http.responses import (
    Envelope,
    PaymentOrder,
    PaymentVerification,
    Received,
    SandboxResult,
)
from adapters.http.routing import api_router
from adapters.links import base_url
from adapters.settings import Settings
from domain import ids
from domain.errors import InvalidInput, NotFound, PaymentDeclined
from domain.payments import ProviderEvent
from projections.queries import ReadModels

router = api_router("payment", prefix="/v1/payments", tags=["payments"])


def _payment(read: ReadModels, settings: Settings, payment_id: str) -> dict[str, Any]:
    doc = read.payment_doc(payment_id)
    if doc is None:
        raise NotFound("Payment order not found")
    public = {k: v for k, v in doc.items() if not k.startswith("_")}
    public["paymentUrl"] = f"{base_url(settings)}/v1/payments/sandbox/{payment_id}/checkout"
    return public


def _sandbox_enabled(settings: Settings) -> None:
    if settings.mode == "production":
        raise NotFound("Not found")


@router.post("/orders", name="create", status_code=201,
             responses=documented(400, 401, 404, 409, 422, 500))
def create_payment(body: PaymentOrderIn, payments: PaymentsService, projections: Projections,
                   read: ShopReads, settings: SettingsDep, user: CurrentUser,
                   idempotency_key: RequiredIdempotencyKey) -> Envelope[PaymentOrder]:
    order_id = decode_id("order", body.orderId, "Order")
    payment_id, position = payments.create(user.id, order_id)
    projections.wait_for("shop", position)
    return Envelope[PaymentOrder].of(_payment(read, settings, ids.encode("pay", payment_id)))


@router.post("/verify", name="verify", responses=documented(400, 401, 404, 409, 422, 500))
def verify_payment(body: VerifyPaymentIn, payments: PaymentsService, provider: PaymentProvider,
                   projections: Projections, read: ShopReads, user: CurrentUser,
                   idempotency_key: RequiredIdempotencyKey) -> Envelope[PaymentVerification]:
    if not provider.check_signature(body.paymentOrderId, body.transactionId, body.signature):
        raise InvalidInput("signature", "The payment signature does not match", "INVALID")
    payment_id = decode_id("pay", body.paymentOrderId, "Payment order")
    projections.wait_for("shop", payments.verify(user.id, payment_id, body.transactionId))
    return Envelope[PaymentVerification].of(_verification(read, body.paymentOrderId))


def _verification(read: ReadModels, payment_id: str) -> dict[str, Any]:
    doc = read.payment_doc(payment_id)
    if doc is None:
        raise NotFound("Payment order not found")
    method = doc.get("_method") or {}
    return {"paymentId": payment_id, "status": "verified", "orderId": doc["orderId"],
            "transactionDetails": {
                "amount": doc["amount"], "currency": doc["currency"],
                "paymentMethod": method.get("type", "card"), "last4": method.get("last4"),
                "brand": method.get("brand"), "processedAt": doc.get("_processedAt") or ""}}


def _provider_event(body: bytes) -> ProviderEvent:
    try:
        event = WebhookIn.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        raise InvalidInput("body", "Not a provider event", "INVALID_FORMAT") from None
    return ProviderEvent(event.type, event.data)


@router.post("/webhook", name="webhook", responses=documented(400, 404, 409, 422, 500))
async def webhook(request: Request, payments: PaymentsService, ordering: OrderingService,
                  provider: PaymentProvider, projections: Projections) -> Envelope[Received]:
    """Provider events, signed: ``Tryon-Signature: t=<unix>,v1=<hmac-sha256 of "t.body">``."""
    body = await request.body()
    if not provider.check_webhook(body, request.headers.get("Tryon-Signature", "")):
        raise InvalidInput("Tryon-Signature", "Missing, stale or wrong webhook signature",
                           "INVALID")
    event = _provider_event(body)
    # Recording and waiting for the read model both block: off the event loop, together.
    await run_in_threadpool(lambda: projections.wait_for(
        "shop", payments.record_provider_event(event, ordering)))
    return Envelope[Received].of({"received": True})


@router.post("/sandbox/{paymentOrderId}/pay", name="sandbox_pay",
             responses=documented(400, 402, 404, 409, 422, 500))
def sandbox_pay(paymentOrderId: str, body: SandboxPayIn, payments: PaymentsService,
                provider: PaymentProvider, projections: Projections, settings: SettingsDep,
                idempotency_key: IdempotencyKey = None) -> Envelope[SandboxResult]:
    """The sandbox provider's checkout: charges a test card and signs the result."""
    _sandbox_enabled(settings)
    payment_id = decode_id("pay", paymentOrderId, "Payment order")
    attempt = payments.pay_by_card(payment_id, body.cardNumber, body.expiryMonth,
                                   body.expiryYear, datetime.now(UTC).date())
    projections.wait_for("shop", attempt.position)
    if attempt.transaction_id is None:
        raise PaymentDeclined("The card was declined", reason=attempt.declined_because)
    transaction = attempt.transaction_id
    return Envelope[SandboxResult].of({
        "paymentOrderId": paymentOrderId, "transactionId": transaction,
        "signature": provider.sign(paymentOrderId, transaction)})


@router.get("/sandbox/{paymentOrderId}/checkout", name="sandbox_checkout",
            response_class=HTMLResponse, responses=documented(404, 500))
def sandbox_checkout(paymentOrderId: str, read: ShopReads, settings: SettingsDep) -> HTMLResponse:
    """The sandbox provider's hosted checkout page (``paymentUrl``)."""
    _sandbox_enabled(settings)
    doc = read.payment_doc(paymentOrderId)
    if doc is None:
        raise NotFound("Payment order not found")
    return HTMLResponse(_checkout_page(paymentOrderId, doc["amount"], doc["currency"]))


def _checkout_page(payment_id: str, amount_due: float, currency: str) -> str:
    pid = html.escape(payment_id)
    amount = html.escape(f"{amount_due:.2f} {currency}")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Sandbox checkout</title>
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
