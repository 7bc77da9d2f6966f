"""Orders: the spec's Order and OrderDetail with its timeline, and PaymentOrder."""

from __future__ import annotations

from typing import Any

from application.personal_data import ERASED_TEXT
from domain import ids
from domain.accounts import User
from domain.money import to_decimal
from domain.ordering import Order
from domain.payments import PaymentOrder
from projections.base import Projection, handles, iso, sort_key
from projections.session import ViewSession

DETAIL_ONLY = ("shippingAddress", "billingAddress", "paymentMethod", "payment", "timeline")


def order_listing(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k not in DETAIL_ONLY and not k.startswith("_")}


def public_order(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if not k.startswith("_")}


class OrdersProjection(Projection):
    name = "orders"
    logs = ("shop", "accounts")
    tables = (
        ("rm_orders", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL, "
                      "created TEXT NOT NULL, doc TEXT NOT NULL"),
        ("rm_order_products", "order_id TEXT NOT NULL, user_id TEXT NOT NULL, "
                              "product_id TEXT NOT NULL, PRIMARY KEY (order_id, product_id)"),
    )
    indexes = ("CREATE INDEX IF NOT EXISTS rm_orders_user ON rm_orders (user_id, created)",)

    def _change(self, view: ViewSession, e: Any, status: str | None, step: str, message: str,
                change: Any = None) -> None:
        key = ids.encode("order", e.originator_id)
        doc = view.doc("rm_orders", key)
        if doc is None:
            return
        if status is not None:
            doc["status"] = status
        if change is not None:
            change(doc)
        doc["updatedAt"] = iso(e.timestamp)
        doc["timeline"].append({"status": step, "timestamp": iso(e.timestamp),
                                "message": message})
        view.touch("rm_orders", key, status=doc["status"])

    @handles(Order.Placed)
    def placed(self, e: Any, view: ViewSession) -> None:
        a = e.amounts
        doc = {
            "id": ids.encode("order", e.originator_id), "userId": ids.encode("usr", e.user_id),
            "items": [{"id": i["id"],
                       "product": {"id": i["product"]["id"], "name": i["product"]["name"],
                                   "price": to_decimal(int(i["product"]["price_cents"])),
                                   "image": i["product"].get("image"),
                                   "brand": i["product"].get("brand")},
                       "variantId": i["variantId"], "size": i.get("size"),
                       "color": i.get("color"), "quantity": i["quantity"]} for i in e.items],
            "subtotal": to_decimal(a["subtotal"]), "tax": to_decimal(a["tax"]),
            "shipping": to_decimal(a["shipping"]), "discount": to_decimal(a["discount"]),
            "totalAmount": to_decimal(a["total"]), "currency": e.currency,
            "status": "pending", "paymentStatus": "pending", "shippingMethod": e.shipping_method,
            "trackingNumber": None, "trackingUrl": None, "carrier": None,
            "estimatedDelivery": e.estimated_delivery, "notes": e.notes,
            "couponCode": e.coupon,
            "shippingAddress": e.shipping_address, "billingAddress": e.billing_address,
            "paymentMethod": None, "payment": None,
            "timeline": [{"status": "order_placed", "timestamp": iso(e.timestamp),
                          "message": "Order placed successfully"}],
            "createdAt": iso(e.timestamp), "updatedAt": iso(e.timestamp),
        }
        if not view.add("rm_orders", {"id": doc["id"], "user_id": doc["userId"],
                                      "status": "pending", "created": sort_key(e.timestamp),
                                      "doc": doc}):
            return
        for item in e.items:
            view.append("rm_order_products", (doc["id"], doc["userId"], item["product"]["id"]))

    @handles(User.Erased)
    def customer_erased(self, e: Any, view: ViewSession) -> None:
        """The addresses of an erased customer's orders read as erased; amounts remain."""
        for (key,) in view.all("SELECT id FROM rm_orders WHERE user_id = ?",
                               (ids.encode("usr", e.originator_id),)):
            doc = view.doc("rm_orders", key)
            if doc is None:
                continue
            for field in ("shippingAddress", "billingAddress"):
                if isinstance(doc.get(field), dict):
                    doc[field] = {k: ERASED_TEXT for k in doc[field]}
            view.touch("rm_orders", key)

    @handles(Order.Paid)
    def paid(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            m = e.method
            doc["paymentStatus"] = "completed"
            doc["paymentMethod"] = {"type": m.get("type", "card"), "last4": m.get("last4"),
                                    "brand": m.get("brand"), "expiryMonth": m.get("expiryMonth"),
                                    "expiryYear": m.get("expiryYear")}
            doc["payment"] = {"transactionId": e.transaction_id, "paymentDate": iso(e.paid_at)}

        self._change(view, e, "processing", "processing",
                     "Payment received; the order is being processed", change)

    @handles(Order.Confirmed)
    def confirmed(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, "confirmed", "confirmed", "Order confirmed and ready to ship")

    @handles(Order.Shipped)
    def shipped(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc.update(trackingNumber=e.tracking_number, trackingUrl=e.tracking_url,
                       carrier=e.carrier)

        self._change(view, e, "shipped", "shipped",
                     f"Order shipped with tracking number {e.tracking_number}", change)

    @handles(Order.Delivered)
    def delivered(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, "delivered", "delivered", "Order delivered")

    @handles(Order.Cancelled)
    def cancelled(self, e: Any, view: ViewSession) -> None:
        reason = f": {e.reason}" if e.reason else ""

        def change(doc: dict[str, Any]) -> None:
            doc["paymentStatus"] = "refunded" if e.refund else "cancelled"

        self._change(view, e, "cancelled", "cancelled", f"Order cancelled{reason}", change)

    @handles(Order.Expired)
    def expired(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, "cancelled", "cancelled",
                     f"Order cancelled: unpaid after {e.unpaid_minutes:g} minutes",
                     lambda doc: doc.update(paymentStatus="cancelled"))

    @handles(Order.Refunded)
    def refunded(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["paymentStatus"] = "refunded"

        self._change(view, e, "refunded", "refunded",
                     f"Refunded {to_decimal(e.amount):.2f}: {e.reason}", change)


class PaymentsProjection(Projection):
    name = "payments"
    logs = ("shop",)
    tables = (("rm_payments", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
                              "order_id TEXT NOT NULL, doc TEXT NOT NULL"),)

    def _change(self, view: ViewSession, e: Any, change: Any) -> None:
        key = ids.encode("pay", e.originator_id)
        doc = view.doc("rm_payments", key)
        if doc is None:
            return
        change(doc)
        view.touch("rm_payments", key)

    @handles(PaymentOrder.Issued)
    def created(self, e: Any, view: ViewSession) -> None:
        pay_id = ids.encode("pay", e.originator_id)
        doc = {"paymentOrderId": pay_id, "orderId": ids.encode("order", e.order_id),
               "amount": to_decimal(e.amount), "currency": e.currency, "status": "pending",
               "paymentUrl": None, "transactionId": None, "createdAt": iso(e.timestamp),
               "attempts": [], "refund": None,
               "_method": None, "_processedAt": None}
        view.add("rm_payments", {"id": pay_id, "user_id": ids.encode("usr", e.user_id),
                                 "order_id": doc["orderId"], "doc": doc})

    @handles(PaymentOrder.Authorized)
    def authorized(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(status="authorized",
                                               transactionId=e.transaction_id, _method=e.method))

    @handles(PaymentOrder.Declined)
    def declined(self, e: Any, view: ViewSession) -> None:
        """A declined card is an attempt: the payment stays payable (logs written before
        attempts existed read the same way)."""
        m = e.method or {}

        def change(doc: dict[str, Any]) -> None:
            doc["status"] = "pending"
            doc.setdefault("attempts", []).append({
                "outcome": "declined", "reason": e.reason, "last4": m.get("last4"),
                "brand": m.get("brand"), "at": iso(e.timestamp)})

        self._change(view, e, change)

    @handles(PaymentOrder.Voided)
    def voided(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(status="voided"))

    @handles(PaymentOrder.Refunded)
    def refunded(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(status="refunded", refund={
            "refundId": e.refund_id, "amount": to_decimal(e.amount), "reason": e.reason,
            "refundedAt": iso(e.timestamp)}))

    @handles(PaymentOrder.Verified)
    def verified(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(status="verified",
                                               _processedAt=iso(e.verified_at)))
