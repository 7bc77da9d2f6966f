"""Orders: the spec's Order and OrderDetail with its timeline, and PaymentOrder."""

from __future__ import annotations

import json
from typing import Any

from application.personal_data import ERASED_TEXT
from domain import ids
from domain.accounts import User
from domain.money import to_decimal
from domain.ordering import Order
from domain.payments import PaymentOrder
from projections.base import Projection, dumps, handles, iso, load_doc, sort_key
from projections.store import Tx

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

    def _change(self, tx: Tx, e: Any, status: str | None, step: str, message: str,
                change: Any = None) -> None:
        key = ids.encode("order", e.originator_id)
        doc = load_doc(tx, "rm_orders", key)
        if doc is None:
            return
        if status is not None:
            doc["status"] = status
        if change is not None:
            change(doc)
        doc["updatedAt"] = iso(e.timestamp)
        doc["timeline"].append({"status": step, "timestamp": iso(e.timestamp),
                                "message": message})
        tx.execute("UPDATE rm_orders SET doc = ?, status = ? WHERE id = ?",
                   (dumps(doc), doc["status"], key))

    @handles(Order.Placed)
    def placed(self, e: Any, tx: Tx) -> None:
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
        tx.execute("INSERT INTO rm_orders (id, user_id, status, created, doc) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                   (doc["id"], doc["userId"], "pending", sort_key(e.timestamp), dumps(doc)))
        for item in e.items:
            tx.execute("INSERT INTO rm_order_products (order_id, user_id, product_id) "
                       "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (doc["id"], doc["userId"], item["product"]["id"]))

    @handles(User.Erased)
    def customer_erased(self, e: Any, tx: Tx) -> None:
        """The addresses of an erased customer's orders read as erased; amounts remain."""
        for (key, raw) in tx.all("SELECT id, doc FROM rm_orders WHERE user_id = ?",
                                 (ids.encode("usr", e.originator_id),)):
            doc = json.loads(raw)
            for field in ("shippingAddress", "billingAddress"):
                if isinstance(doc.get(field), dict):
                    doc[field] = {k: ERASED_TEXT for k in doc[field]}
            tx.execute("UPDATE rm_orders SET doc = ? WHERE id = ?", (dumps(doc), key))

    @handles(Order.Paid)
    def paid(self, e: Any, tx: Tx) -> None:
        def change(doc: dict[str, Any]) -> None:
            m = e.method
            doc["paymentStatus"] = "completed"
            doc["paymentMethod"] = {"type": m.get("type", "card"), "last4": m.get("last4"),
                                    "brand": m.get("brand"), "expiryMonth": m.get("expiryMonth"),
                                    "expiryYear": m.get("expiryYear")}
            doc["payment"] = {"transactionId": e.transaction_id, "paymentDate": iso(e.paid_at)}

        self._change(tx, e, "processing", "processing",
                     "Payment received; the order is being processed", change)

    @handles(Order.Confirmed)
    def confirmed(self, e: Any, tx: Tx) -> None:
        self._change(tx, e, "confirmed", "confirmed", "Order confirmed and ready to ship")

    @handles(Order.Shipped)
    def shipped(self, e: Any, tx: Tx) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc.update(trackingNumber=e.tracking_number, trackingUrl=e.tracking_url,
                       carrier=e.carrier)

        self._change(tx, e, "shipped", "shipped",
                     f"Order shipped with tracking number {e.tracking_number}", change)

    @handles(Order.Delivered)
    def delivered(self, e: Any, tx: Tx) -> None:
        self._change(tx, e, "delivered", "delivered", "Order delivered")

    @handles(Order.Cancelled)
    def cancelled(self, e: Any, tx: Tx) -> None:
        reason = f": {e.reason}" if e.reason else ""

        def change(doc: dict[str, Any]) -> None:
            doc["paymentStatus"] = "refunded" if e.refund else "cancelled"

        self._change(tx, e, "cancelled", "cancelled", f"Order cancelled{reason}", change)

    @handles(Order.Refunded)
    def refunded(self, e: Any, tx: Tx) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["paymentStatus"] = "refunded"

        self._change(tx, e, "refunded", "refunded",
                     f"Refunded {to_decimal(e.amount):.2f}: {e.reason}", change)


class PaymentsProjection(Projection):
    name = "payments"
    logs = ("shop",)
    tables = (("rm_payments", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
                              "order_id TEXT NOT NULL, doc TEXT NOT NULL"),)

    def _change(self, tx: Tx, e: Any, change: Any) -> None:
        key = ids.encode("pay", e.originator_id)
        doc = load_doc(tx, "rm_payments", key)
        if doc is None:
            return
        change(doc)
        tx.execute("UPDATE rm_payments SET doc = ? WHERE id = ?", (dumps(doc), key))

    @handles(PaymentOrder.Issued)
    def created(self, e: Any, tx: Tx) -> None:
        pay_id = ids.encode("pay", e.originator_id)
        doc = {"paymentOrderId": pay_id, "orderId": ids.encode("order", e.order_id),
               "amount": to_decimal(e.amount), "currency": e.currency, "status": "pending",
               "paymentUrl": None, "transactionId": None, "createdAt": iso(e.timestamp),
               "_method": None, "_processedAt": None}
        tx.execute("INSERT INTO rm_payments (id, user_id, order_id, doc) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (id) DO NOTHING",
                   (pay_id, ids.encode("usr", e.user_id), doc["orderId"], dumps(doc)))

    @handles(PaymentOrder.Authorized)
    def authorized(self, e: Any, tx: Tx) -> None:
        self._change(tx, e, lambda d: d.update(status="authorized",
                                               transactionId=e.transaction_id, _method=e.method))

    @handles(PaymentOrder.Declined)
    def declined(self, e: Any, tx: Tx) -> None:
        self._change(tx, e, lambda d: d.update(status="declined", _method=e.method))

    @handles(PaymentOrder.Verified)
    def verified(self, e: Any, tx: Tx) -> None:
        self._change(tx, e, lambda d: d.update(status="verified",
                                               _processedAt=iso(e.verified_at)))
