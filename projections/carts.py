"""Carts: the spec's Cart with its totals, as the customer sees it before checkout."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import ids, pricing
from domain.cart import Cart
from domain.money import DEFAULT_CURRENCY, Money, Quantity, to_cents, to_decimal
from projections.base import Projection, handles, iso
from projections.session import ViewSession


def empty_cart(user_uuid: Any, updated_at: str) -> dict[str, Any]:
    from application.carts import cart_id_for

    return {"id": ids.encode("cart", cart_id_for(user_uuid)), "items": [], "subtotal": 0.0,
            "tax": 0.0, "shipping": 0.0, "discount": 0.0, "total": 0.0, "itemCount": 0,
            "couponCode": None, "estimatedDelivery": None, "updatedAt": updated_at}


def _money(cents: Any) -> Money:
    # Every line at face value in one currency, as the order will charge them; the document
    # keeps no currency, which changes none of the numbers.
    return Money(int(cents), DEFAULT_CURRENCY)


def priced(doc: dict[str, Any], when: Any) -> dict[str, Any]:
    lines = [(_money(i["_priceCents"]), Quantity(int(i["quantity"]))) for i in doc["items"]]
    threshold = max((_money(i["_freeShippingCents"]) for i in doc["items"]), default=None)
    totals = pricing.price(lines, int(doc.get("_couponBp", 0)), "standard", threshold,
                           DEFAULT_CURRENCY)
    doc.update(subtotal=totals.subtotal.as_json(), tax=totals.tax.as_json(),
               shipping=totals.shipping.as_json(), discount=totals.discount.as_json(),
               total=totals.total.as_json(), itemCount=totals.item_count,
               estimatedDelivery=(pricing.estimated_delivery(when, "standard")
                                  if totals.item_count else None))
    return doc


class CartsProjection(Projection):
    name = "carts"
    logs = ("shop",)
    tables = (("rm_carts", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL"),)

    def _change(self, view: ViewSession, e: Any, change: Any) -> None:
        key = ids.encode("cart", e.originator_id)
        doc = view.doc("rm_carts", key)
        if doc is None:
            return
        change(doc)
        doc["updatedAt"] = iso(e.timestamp)
        # Totals depend on the cart as the batch leaves it: priced once, not per event.
        view.finally_do(("priced", key), lambda: priced(doc, e.timestamp))
        view.touch("rm_carts", key)

    @handles(Cart.Opened)
    def opened(self, e: Any, view: ViewSession) -> None:
        doc = empty_cart(e.user_id, iso(e.timestamp))
        doc["_couponBp"] = 0
        view.add("rm_carts", {"id": doc["id"], "user_id": ids.encode("usr", e.user_id),
                              "doc": doc})

    @handles(Cart.ItemAdded)
    def item_added(self, e: Any, view: ViewSession) -> None:
        p = e.product

        def change(doc: dict[str, Any]) -> None:
            doc["items"].append({
                "id": e.item_id,
                "product": {"id": p["id"], "name": p["name"],
                            "price": to_decimal(int(p["price_cents"])), "image": p.get("image"),
                            "brand": p.get("brand")},
                "variantId": e.variant_id, "quantity": e.quantity, "addedAt": iso(e.timestamp),
                "metadata": e.metadata, "_priceCents": int(p["price_cents"]),
                "_freeShippingCents": int(p["free_shipping_cents"]),
            })

        self._change(view, e, change)

    @handles(Cart.QuantityChanged)
    def quantity_changed(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            for item in doc["items"]:
                if item["id"] == e.item_id:
                    item["quantity"] = e.quantity

        self._change(view, e, change)

    @handles(Cart.ItemRemoved)
    def item_removed(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["items"] = [i for i in doc["items"] if i["id"] != e.item_id]

        self._change(view, e, change)

    @handles(Cart.CouponApplied)
    def coupon_applied(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(couponCode=e.code, _couponBp=e.basis_points))

    @handles(Cart.CouponRemoved)
    def coupon_removed(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(couponCode=None, _couponBp=0))

    @handles(Cart.CheckedOut)
    def checked_out(self, e: Any, view: ViewSession) -> None:
        self._change(view, e, lambda d: d.update(items=[], couponCode=None, _couponBp=0))


def current_unit_cents(product: dict[str, Any] | None, variant_id: str) -> int | None:
    """What the order would charge for one unit of the variant now (the catalog's price)."""
    if product is None:
        return None
    variant = next((v for v in product.get("variants", ()) if v.get("id") == variant_id), None)
    if variant is None:
        return None
    return to_cents(str(variant["price"])) if variant.get("_ownPrice") \
        else int(product["_priceCents"])


def repriced(doc: dict[str, Any], products: dict[str, dict[str, Any]], today: datetime,
             ) -> dict[str, Any]:
    """The cart at today's catalog prices, as ``place_order`` will charge them: each line's
    unit price re-read (``priceChanged`` and ``priceWhenAdded`` say whether it moved since
    the item was added), the free-shipping threshold re-read, and the coupon kept only while
    it still applies. ``products`` maps public product ids to catalog documents."""
    for item in doc["items"]:
        added = int(item["_priceCents"])
        product = products.get(item["product"]["id"])
        unit = current_unit_cents(product, item["variantId"])
        if unit is None:
            unit = added  # gone from the catalog: placing the order will say so
        else:
            threshold = (product or {}).get("shipping", {}).get("freeShippingThreshold")
            if threshold is not None:
                item["_freeShippingCents"] = to_cents(str(threshold))
        item["_priceCents"] = unit
        item["product"]["price"] = to_decimal(unit)
        item["priceWhenAdded"] = to_decimal(added)
        item["priceChanged"] = unit != added
    subtotal = pricing.subtotal([(_money(i["_priceCents"]), Quantity(int(i["quantity"])))
                                 for i in doc["items"]], DEFAULT_CURRENCY)
    coupon = pricing.COUPONS.get(doc.get("couponCode") or "")
    if coupon is None or not coupon.usable_on(today.date(), subtotal):
        doc.update(couponCode=None, _couponBp=0)
    return priced(doc, today)


def public_cart(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    out["items"] = [{k: v for k, v in i.items() if not k.startswith("_")} for i in doc["items"]]
    return out
