"""The sandbox payment provider: test cards, signed results, signed webhooks.

Card 4242424242424242 succeeds; 4000000000000002 is declined. A refund gives a charge's
whole amount back; its id is derived from the transaction, so asking again is the same refund.
Results are signed with
HMAC-SHA256 over ``paymentOrderId|transactionId``; webhooks carry
``Tryon-Signature: t=<unix>,v1=<hex hmac-sha256 of "t.body">``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
WEBHOOK_TOLERANCE_S = 300


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"}:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


@dataclass(frozen=True)
class Charge:
    approved: bool
    transaction_id: str | None
    method: dict[str, object]
    reason: str | None = None


class SandboxProvider:
    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()

    def charge(self, number: str, expiry_month: int, expiry_year: int) -> Charge:
        method: dict[str, object] = {"type": "card", "last4": number[-4:],
                                     "brand": card_brand(number), "expiryMonth": expiry_month,
                                     "expiryYear": expiry_year}
        if number == SUCCEEDS:
            from domain import ids

            return Charge(True, ids.new("txn"), method)
        reason = "card_declined" if number == DECLINED else "card_not_supported_in_sandbox"
        return Charge(False, None, method, reason)

    def refund(self, transaction_id: str, amount: int, currency: str) -> str:
        """The sandbox's refund of a charge: always succeeds, once per transaction."""
        if not transaction_id.startswith("txn_") or amount <= 0:
            raise ValueError("the sandbox refunds its own charges only")
        mac = hmac.new(self.secret, f"refund|{transaction_id}".encode(), hashlib.sha256)
        return "rfnd_" + mac.hexdigest()[:24]

    def sign(self, payment_order_id: str, transaction_id: str) -> str:
        message = f"{payment_order_id}|{transaction_id}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def check_signature(self, payment_order_id: str, transaction_id: str, signature: str) -> bool:
        if not signature.isascii():  # compare_digest raises on non-ASCII text
            return False
        return hmac.compare_digest(self.sign(payment_order_id, transaction_id), signature)

    def sign_webhook(self, body: bytes, timestamp: int | None = None) -> str:
        t = int(time.time()) if timestamp is None else timestamp
        mac = hmac.new(self.secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={t},v1={mac}"

    def check_webhook(self, body: bytes, header: str, now: float | None = None) -> bool:
        try:
            parts = dict(p.split("=", 1) for p in header.split(","))
            t = int(parts["t"])
            given = parts["v1"]
        except (ValueError, KeyError):
            return False
        if abs((now or time.time()) - t) > WEBHOOK_TOLERANCE_S:
            return False
        expected = hmac.new(self.secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return given.isascii() and hmac.compare_digest(expected, given)


def new_secret() -> str:
    return secrets.token_hex(32)
