"""Read side: answers the API's GETs from the read models, shaped as the spec's JSON."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from projections.carts import public_cart, repriced
from projections.catalog import listing_of, strip_private
from projections.orders import order_listing, public_order
from projections.store import ViewStore
from projections.studio import render_status_change
from projections.users import public_profile

NEWEST = "created DESC, id"
SORTS = {
    "newest": "created DESC, id",
    "price_asc": "price_cents ASC, id",
    "price_desc": "price_cents DESC, id",
    "rating": "rating DESC, id",
}


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    pagination: dict[str, Any]


def pagination(page: int, limit: int, total: int) -> dict[str, Any]:
    pages = math.ceil(total / limit) if total else 0
    return {"currentPage": page, "totalPages": pages, "totalItems": total,
            "itemsPerPage": limit, "hasNext": page < pages, "hasPrevious": page > 1}


@dataclass(frozen=True)
class ProductFilter:
    q: str | None = None
    category: str | None = None
    subcategory: str | None = None
    brand: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    tryon_available: bool | None = None
    in_stock: bool | None = None
    sort: str = "newest"


class _Documents:
    """Reads of JSON documents: one by key, or a page of them with their pagination."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def _one(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        with self.store.read() as tx:
            row = tx.one(sql, params)
        return None if row is None else json.loads(row[0])

    def _page(self, table: str, where: str, params: list[Any], order: str, page: int,
              limit: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        with self.store.read() as tx:
            total_row = tx.one(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)
            rows = tx.all(
                f"SELECT doc FROM {table} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, (page - 1) * limit])
        total = int(total_row[0]) if total_row else 0
        return [json.loads(r[0]) for r in rows], pagination(page, limit, total)


class ReadModels(_Documents):
    """The commerce read models, shaped as the spec's JSON."""

    # -- users -------------------------------------------------------------------------------
    def profile_doc(self, user_id: str) -> dict[str, Any] | None:
        return self._one("SELECT doc FROM rm_users WHERE id = ?", (user_id,))

    def profile(self, user_id: str) -> dict[str, Any] | None:
        doc = self.profile_doc(user_id)
        return None if doc is None else public_profile(doc)

    def roles(self, user_id: str) -> list[str] | None:
        with self.store.read() as tx:
            row = tx.one("SELECT roles FROM rm_users WHERE id = ?", (user_id,))
        if row is None or not row[0]:
            return None  # unknown or erased
        return str(row[0]).split(",")

    def addresses(self, user_id: str) -> list[dict[str, Any]]:
        doc = self.profile_doc(user_id)
        return [] if doc is None else list(doc["addresses"])

    def address(self, user_id: str, address_id: str) -> dict[str, Any] | None:
        return next((a for a in self.addresses(user_id) if a["id"] == address_id), None)

    # -- catalog -----------------------------------------------------------------------------
    def products(self, f: ProductFilter, page: int, limit: int) -> Page:
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        for column, value in (("category", f.category), ("subcategory", f.subcategory),
                              ("brand", f.brand)):
            if value is not None:
                where.append(f"LOWER({column}) = ?")
                params.append(value.lower())
        if f.min_price_cents is not None:
            where.append("price_cents >= ?")
            params.append(f.min_price_cents)
        if f.max_price_cents is not None:
            where.append("price_cents <= ?")
            params.append(f.max_price_cents)
        if f.tryon_available is not None:
            where.append("tryon = ?")
            params.append(int(f.tryon_available))
        if f.in_stock is not None:
            where.append("in_stock = ?")
            params.append(int(f.in_stock))
        for word in (f.q or "").lower().split():
            where.append("search LIKE ? ESCAPE '\\'")
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        docs, pages = self._page("rm_products", " AND ".join(where), params, SORTS[f.sort],
                                 page, limit)
        return Page([listing_of(strip_private(d)) for d in docs], pages)

    def product(self, product_id: str) -> dict[str, Any] | None:
        doc = self._one("SELECT doc FROM rm_products WHERE id = ?", (product_id,))
        return None if doc is None else strip_private(doc)

    def has_bought(self, user_id: str, product_id: str) -> bool:
        with self.store.read() as tx:
            row = tx.one(
                "SELECT 1 FROM rm_order_products p JOIN rm_orders o ON o.id = p.order_id "
                "WHERE p.user_id = ? AND p.product_id = ? "
                "AND o.status IN ('processing', 'confirmed', 'shipped', 'delivered')",
                (user_id, product_id))
        return row is not None

    # -- cart, orders, payments ---------------------------------------------------------------
    def cart(self, user_id: str) -> dict[str, Any] | None:
        """The cart at the catalog's current prices (what placing the order will charge),
        read in one transaction with the products it holds."""
        with self.store.read() as tx:
            row = tx.one("SELECT doc FROM rm_carts WHERE user_id = ?", (user_id,))
            if row is None:
                return None
            doc = json.loads(row[0])
            wanted = sorted({i["product"]["id"] for i in doc["items"]})
            rows = tx.all("SELECT id, doc FROM rm_products WHERE id IN "
                          f"({', '.join('?' for _ in wanted)})", wanted) if wanted else []
        products = {str(r[0]): json.loads(r[1]) for r in rows}
        return public_cart(repriced(doc, products, datetime.now(UTC)))

    def orders(self, user_id: str | None, status: str | None, page: int, limit: int) -> Page:
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        docs, pages = self._page("rm_orders", " AND ".join(where), params, NEWEST,
                                 page, limit)
        return Page([order_listing(d) for d in docs], pages)

    def order(self, user_id: str | None, order_id: str) -> dict[str, Any] | None:
        doc = self._one("SELECT doc FROM rm_orders WHERE id = ?", (order_id,))
        if doc is None or (user_id is not None and doc["userId"] != user_id):
            return None
        return public_order(doc)

    def payment_doc(self, payment_id: str) -> dict[str, Any] | None:
        return self._one("SELECT doc FROM rm_payments WHERE id = ?", (payment_id,))

    def payment_owner(self, payment_id: str) -> str | None:
        with self.store.read() as tx:
            row = tx.one("SELECT user_id FROM rm_payments WHERE id = ?", (payment_id,))
        return None if row is None else str(row[0])


class EventHistory(Protocol):
    """An aggregate's events from the log (the studio application's event store)."""

    def get(self, originator_id: uuid.UUID, *, gt: int | None = None) -> Iterable[Any]: ...


class StudioReads(_Documents):
    """The studio's read models, with storage keys still in them (the API signs them)."""

    def __init__(self, store: ViewStore, history: EventHistory) -> None:
        super().__init__(store)
        self.history = history

    def avatar(self, user_id: str, avatar_id: str) -> dict[str, Any] | None:
        return self._one("SELECT doc FROM rm_avatars WHERE id = ? AND user_id = ?",
                         (avatar_id, user_id))

    def avatars(self, user_id: str, page: int, limit: int) -> tuple[list[dict[str, Any]],
                                                                     dict[str, Any]]:
        return self._page("rm_avatars", "user_id = ?", [user_id], NEWEST, page, limit)

    def scan(self, user_id: str, scan_id: str) -> dict[str, Any] | None:
        return self._one("SELECT doc FROM rm_scans WHERE id = ? AND user_id = ?",
                         (scan_id, user_id))

    def render(self, user_id: str, render_id: str) -> dict[str, Any] | None:
        return self._one("SELECT doc FROM rm_renders WHERE id = ? AND user_id = ?",
                         (render_id, user_id))

    def renders(self, user_id: str, avatar_id: str | None, product_id: str | None,
                status: str | None, page: int, limit: int) -> tuple[list[dict[str, Any]],
                                                                    dict[str, Any]]:
        where: list[str] = ["user_id = ?"]
        params: list[Any] = [user_id]
        for column, value in (("avatar_id", avatar_id), ("product_id", product_id),
                              ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        return self._page("rm_renders", " AND ".join(where), params, NEWEST, page, limit)

    def render_status_changes(self, render_id: uuid.UUID,
                              after: int) -> list[tuple[int, dict[str, object]]]:
        """The render's status changes after its version ``after``, with their versions. Read
        from the render's own events, not a read model: a follower is told every change, none
        skipped or repeated, as soon as it is recorded."""
        changes = []
        for e in self.history.get(render_id, gt=after):
            change = render_status_change(e)
            if change is not None:
                changes.append((int(e.originator_version), change))
        return changes

    def closet(self, user_id: str, page: int, limit: int) -> tuple[list[dict[str, Any]],
                                                                    dict[str, Any]]:
        return self._page("rm_closet", "user_id = ?", [user_id], NEWEST, page, limit)

    def closet_item(self, user_id: str, item_id: str) -> dict[str, Any] | None:
        return self._one("SELECT doc FROM rm_closet WHERE id = ? AND user_id = ?",
                         (item_id, user_id))

    def unfinished(self) -> list[tuple[str, str]]:
        """(kind, id) of every render and scan that has not finished yet."""
        with self.store.read() as tx:
            renders = tx.all("SELECT id FROM rm_renders WHERE status IN ('queued', "
                             "'processing')")
            scans = tx.all("SELECT id FROM rm_avatars WHERE status = 'processing'")
        return [("render", str(r[0])) for r in renders] + [("scan", str(r[0])) for r in scans]
