"""The catalog: the spec's Product (listings) and ProductDetail read models."""

from __future__ import annotations

from typing import Any

from application.personal_data import ERASED_TEXT
from domain import ids
from domain.accounts import User
from domain.catalog import Product
from domain.money import to_decimal
from projections.base import Projection, handles, iso, sort_key
from projections.session import ViewSession

# ProductDetail keys that a Product listing does not carry.
DETAIL_ONLY = ("detailedDescription", "specifications", "sizing", "reviews", "relatedProducts",
               "material", "careInstructions", "returnPolicy", "shipping")


def listing_of(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k not in DETAIL_ONLY and not k.startswith("_")}


def public_detail(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if not k.startswith("_")}


def _variant_doc(variant_id: str, v: dict[str, Any], product_price: int) -> dict[str, Any]:
    price = v.get("price_cents")
    return {"id": variant_id, "size": v.get("size"), "color": v.get("color"),
            "colorHex": v.get("colorHex"), "stock": int(v.get("stock", 0)), "sku": v.get("sku"),
            "price": to_decimal(product_price if price is None else int(price))}


class CatalogProjection(Projection):
    name = "catalog"
    logs = ("shop", "accounts")
    tables = ((
        "rm_products",
        "id TEXT PRIMARY KEY, category TEXT NOT NULL, subcategory TEXT, brand TEXT, "
        "price_cents BIGINT NOT NULL, rating REAL NOT NULL, tryon INTEGER NOT NULL, "
        "in_stock INTEGER NOT NULL, created TEXT NOT NULL, search TEXT NOT NULL, doc TEXT NOT NULL",
    ),)
    indexes = (
        "CREATE INDEX IF NOT EXISTS rm_products_category ON rm_products (category, created)",
    )

    def _save(self, view: ViewSession, doc: dict[str, Any]) -> None:
        """Stores the product with the columns that listings filter and sort on."""
        in_stock = any(v["stock"] > 0 for v in doc["variants"])
        search = " ".join(str(x) for x in (doc.get("name"), doc.get("description"),
                                           doc.get("brand"), " ".join(doc.get("tags") or [])))
        view.put("rm_products", {
            "id": doc["id"], "category": doc["category"], "subcategory": doc.get("subcategory"),
            "brand": doc.get("brand"), "price_cents": doc["_priceCents"],
            "rating": doc["rating"]["average"], "tryon": int(bool(doc["tryonAvailable"])),
            "in_stock": int(in_stock), "created": doc["_created"], "search": search.lower(),
            "doc": doc})

    def _change(self, view: ViewSession, e: Any, change: Any) -> None:
        doc = view.doc("rm_products", ids.encode("prod", e.originator_id))
        if doc is None:
            return
        change(doc)
        doc["updatedAt"] = iso(e.timestamp)
        self._save(view, doc)

    @handles(Product.Listed)
    def listed(self, e: Any, view: ViewSession) -> None:
        f = e.fields
        shipping = dict(f.get("shipping") or {})
        shipping["freeShippingThreshold"] = to_decimal(e.free_shipping_cents)
        doc = {
            "id": ids.encode("prod", e.originator_id), "name": f.get("name"),
            "description": f.get("description"),
            "detailedDescription": f.get("detailedDescription"),
            "price": to_decimal(e.price_cents),
            "originalPrice": None if e.original_price_cents is None
            else to_decimal(e.original_price_cents),
            "currency": f.get("currency", "USD"), "brand": f.get("brand"),
            "category": f.get("category"), "subcategory": f.get("subcategory"),
            "specifications": f.get("specifications") or {},
            "sizing": f.get("sizing"), "images": f.get("images") or [],
            "model3D": f.get("model3D"), "variants": [],
            "rating": {"average": 0.0, "count": 0}, "reviews": [],
            "relatedProducts": f.get("relatedProducts") or [],
            "tryonAvailable": bool(f.get("tryonAvailable", False)), "tags": f.get("tags") or [],
            "material": f.get("material"), "careInstructions": f.get("careInstructions"),
            "returnPolicy": f.get("returnPolicy"), "shipping": shipping,
            "createdAt": iso(e.timestamp), "updatedAt": iso(e.timestamp),
            "_priceCents": e.price_cents, "_created": sort_key(e.timestamp),
        }
        self._save(view, doc)

    @handles(Product.Revised)
    def revised(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            for key, value in e.fields.items():
                if key == "shipping":
                    threshold = doc["shipping"].get("freeShippingThreshold")
                    doc["shipping"] = {**value, "freeShippingThreshold": threshold}
                else:
                    doc[key] = value
            if e.price_cents is not None:
                doc["price"] = to_decimal(e.price_cents)
                doc["_priceCents"] = e.price_cents
                for v in doc["variants"]:
                    if not v.get("_ownPrice"):
                        v["price"] = doc["price"]
            if e.original_price_cents is not None:
                doc["originalPrice"] = to_decimal(e.original_price_cents)
            if e.free_shipping_cents is not None:
                doc["shipping"]["freeShippingThreshold"] = to_decimal(e.free_shipping_cents)

        self._change(view, e, change)

    @handles(Product.VariantAdded)
    def variant_added(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            v = _variant_doc(e.variant_id, e.variant, doc["_priceCents"])
            v["_ownPrice"] = e.variant.get("price_cents") is not None
            doc["variants"].append(v)

        self._change(view, e, change)

    @handles(Product.VariantRevised)
    def variant_revised(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            for v in doc["variants"]:
                if v["id"] == e.variant_id:
                    for key in ("size", "color", "colorHex", "stock", "sku"):
                        if key in e.changes:
                            v[key] = e.changes[key]
                    if "price_cents" in e.changes:
                        v["price"] = to_decimal(int(e.changes["price_cents"]))
                        v["_ownPrice"] = True

        self._change(view, e, change)

    @handles(Product.StockReserved)
    def stock_reserved(self, e: Any, view: ViewSession) -> None:
        self._stock(view, e, -int(e.quantity))

    @handles(Product.StockReleased)
    def stock_released(self, e: Any, view: ViewSession) -> None:
        self._stock(view, e, int(e.quantity))

    def _stock(self, view: ViewSession, e: Any, delta: int) -> None:
        def change(doc: dict[str, Any]) -> None:
            for v in doc["variants"]:
                if v["id"] == e.variant_id:
                    v["stock"] += delta

        self._change(view, e, change)

    @handles(User.Erased)
    def reviewer_erased(self, e: Any, view: ViewSession) -> None:
        reviewer = ids.encode("usr", e.originator_id)
        pattern = f'%"userId":"{reviewer}"%'
        for (key,) in view.all("SELECT id FROM rm_products WHERE doc LIKE ?", (pattern,)):
            doc = view.doc("rm_products", key)
            if doc is None:
                continue
            for review in doc["reviews"]:
                if review.get("userId") == reviewer:
                    review["userName"] = ERASED_TEXT
            self._save(view, doc)

    @handles(Product.Reviewed)
    def reviewed(self, e: Any, view: ViewSession) -> None:
        def change(doc: dict[str, Any]) -> None:
            # One review per person: a later one replaces the earlier (also in old logs).
            reviewer = e.review.get("userId")
            if reviewer is not None:
                doc["reviews"] = [r for r in doc["reviews"] if r.get("userId") != reviewer]
            doc["reviews"].append({"id": e.review_id, **e.review, "createdAt": iso(e.timestamp)})
            ratings = [int(r["rating"]) for r in doc["reviews"]]
            doc["rating"] = {"average": round(sum(ratings) / len(ratings), 1),
                             "count": len(ratings)}

        self._change(view, e, change)


def strip_private(doc: dict[str, Any]) -> dict[str, Any]:
    """Drops bookkeeping keys (``_...``) at every level of a stored view."""
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if "variants" in out:
        out["variants"] = [{k: v for k, v in var.items() if not k.startswith("_")}
                           for var in out["variants"]]
    return out
