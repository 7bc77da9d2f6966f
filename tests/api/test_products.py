"""The catalog through the API: listing with filters and pages, details, admin editing, reviews."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import ADDRESS, shirt_body


def product(client: Any, admin: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {**shirt_body(), **changes}
    r = client.post("/v1/admin/products", json=body, headers=admin["headers"])
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def listing(client: Any, **query: Any) -> dict[str, Any]:
    r = client.get("/v1/products", params=query)
    assert r.status_code == 200, r.text
    return dict(r.json())


def names(client: Any, **query: Any) -> list[str]:
    return [p["name"] for p in listing(client, **query)["data"]]


@pytest.fixture
def catalog(client: Any, admin: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Five products that differ in one filterable property each (created in this order)."""
    def variant(stock: int) -> list[dict[str, Any]]:
        return [{"size": "M", "color": "black", "colorHex": "#000000", "stock": stock,
                 "sku": f"SKU-{uuid.uuid4().hex[:8]}"}]

    made = {}
    for name, changes in (
        ("Linen Shirt", dict(price=30.00, brand="Acme", category="tops", tryonAvailable=True,
                             tags=["linen", "summer"], variants=variant(5))),
        ("Denim Jeans", dict(price=80.00, brand="Acme", category="bottoms",
                             subcategory="jeans", tryonAvailable=False, variants=variant(0))),
        ("Silk Dress", dict(price=150.00, brand="Maison", category="dresses",
                            tryonAvailable=True, description="Evening silk dress",
                            variants=variant(2))),
        ("Wool Coat", dict(price=220.00, brand="Maison", category="outerwear",
                           tryonAvailable=False, variants=variant(1))),
        ("Running Tee", dict(price=25.00, brand="Sprint", category="tops", tryonAvailable=True,
                             tags=["sport"], variants=variant(0))),
    ):
        made[name] = product(client, admin, name=name, **changes)
    return made


# -- listing ----------------------------------------------------------------------------------
def test_an_empty_catalog_lists_nothing(client: Any) -> None:
    body = listing(client)
    assert body["success"] is True and body["data"] == []
    assert body["pagination"] == {"currentPage": 1, "totalPages": 0, "totalItems": 0,
                                  "itemsPerPage": 20, "hasNext": False, "hasPrevious": False}


def test_the_listing_is_newest_first_and_has_no_detail_fields(client: Any,
                                                              catalog: Any) -> None:
    items = listing(client)["data"]
    assert [p["name"] for p in items] == [
        "Running Tee", "Wool Coat", "Silk Dress", "Denim Jeans", "Linen Shirt"]
    for item in items:
        assert "reviews" not in item and "specifications" not in item
        assert item["id"].startswith("prod_")
        assert {"price", "currency", "brand", "category", "variants", "rating",
                "tryonAvailable"} <= set(item)


FILTERS: list[tuple[dict[str, str], set[str]]] = [
    ({"category": "tops"}, {"Linen Shirt", "Running Tee"}),
    ({"category": "dresses"}, {"Silk Dress"}),
    ({"subcategory": "jeans"}, {"Denim Jeans"}),
    ({"brand": "Maison"}, {"Silk Dress", "Wool Coat"}),
    ({"brand": "maison"}, {"Silk Dress", "Wool Coat"}),
    ({"minPrice": "80"}, {"Denim Jeans", "Silk Dress", "Wool Coat"}),
    ({"maxPrice": "80.00"}, {"Linen Shirt", "Denim Jeans", "Running Tee"}),
    ({"minPrice": "30", "maxPrice": "150"}, {"Linen Shirt", "Denim Jeans", "Silk Dress"}),
    ({"inStock": "true"}, {"Linen Shirt", "Silk Dress", "Wool Coat"}),
    ({"inStock": "false"}, {"Denim Jeans", "Running Tee"}),
    ({"tryonAvailable": "true"}, {"Linen Shirt", "Silk Dress", "Running Tee"}),
    ({"tryonAvailable": "false"}, {"Denim Jeans", "Wool Coat"}),
    ({"q": "silk"}, {"Silk Dress"}),
    ({"q": "EVENING"}, {"Silk Dress"}),
    ({"q": "summer"}, {"Linen Shirt"}),
    ({"q": "acme jeans"}, {"Denim Jeans"}),
    ({"q": "nothing-like-this"}, set()),
    ({"q": "%"}, set()),
    ({"category": "tops", "tryonAvailable": "true", "inStock": "true"}, {"Linen Shirt"}),
]


def test_the_listing_filters(client: Any, catalog: Any) -> None:
    for query, expected in FILTERS:
        body = listing(client, **query)
        assert {p["name"] for p in body["data"]} == expected, query
        assert body["pagination"]["totalItems"] == len(expected), query


def test_the_listing_sorts_by_price(client: Any, catalog: Any) -> None:
    ascending = listing(client, sort="price_asc")["data"]
    assert [p["price"] for p in ascending] == [25.00, 30.00, 80.00, 150.00, 220.00]
    descending = listing(client, sort="price_desc")["data"]
    assert [p["price"] for p in descending] == [220.00, 150.00, 80.00, 30.00, 25.00]


def test_the_listing_pages(client: Any, catalog: Any) -> None:
    first = listing(client, sort="price_asc", limit=2)
    assert [p["name"] for p in first["data"]] == ["Running Tee", "Linen Shirt"]
    assert first["pagination"] == {"currentPage": 1, "totalPages": 3, "totalItems": 5,
                                   "itemsPerPage": 2, "hasNext": True, "hasPrevious": False}
    second = listing(client, sort="price_asc", limit=2, page=2)
    assert [p["name"] for p in second["data"]] == ["Denim Jeans", "Silk Dress"]
    assert second["pagination"]["hasNext"] is True and second["pagination"]["hasPrevious"]
    last = listing(client, sort="price_asc", limit=2, page=3)
    assert [p["name"] for p in last["data"]] == ["Wool Coat"]
    assert last["pagination"]["hasNext"] is False and last["pagination"]["hasPrevious"]
    beyond = listing(client, sort="price_asc", limit=2, page=4)
    assert beyond["data"] == [] and beyond["pagination"]["hasNext"] is False


BAD_QUERIES = [
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"page": "0"}, "page"),
    ({"sort": "cheapest"}, "sort"), ({"category": "hats"}, "category"),
    ({"minPrice": "-1"}, "minPrice"), ({"maxPrice": "abc"}, "maxPrice"),
    ({"minPrice": "1.999"}, "minPrice"), ({"inStock": "maybe"}, "inStock"),
]


def test_invalid_listing_queries_are_validation_errors(client: Any) -> None:
    for query, field in BAD_QUERIES:
        r = client.get("/v1/products", params=query)
        assert r.status_code == 400, (query, r.text)
        assert r.json()["error"]["code"] == "VALIDATION_ERROR"
        assert field in [f["field"] for f in r.json()["error"]["details"]["fields"]], query


# -- detail -----------------------------------------------------------------------------------
def test_the_detail_has_variants_sizing_shipping_and_rating(client: Any,
                                                            shirt: dict[str, Any]) -> None:
    r = client.get(f"/v1/products/{shirt['id']}")
    assert r.status_code == 200, r.text
    detail = r.json()["data"]
    assert detail == shirt
    assert detail["price"] == 49.99 and detail["originalPrice"] == 69.99
    assert detail["rating"] == {"average": 0, "count": 0} and detail["reviews"] == []
    assert detail["shipping"]["freeShippingThreshold"] == 75.00
    variant = detail["variants"][0]
    assert variant["id"].startswith("var_") and variant["stock"] == 25
    assert variant["price"] == 49.99
    assert not any(k.startswith("_") for k in detail)
    assert not any(k.startswith("_") for k in variant)


def test_unknown_and_malformed_product_ids_are_404(client: Any) -> None:
    for product_id in ("prod_" + "A" * 22, "prod_short", "nonsense", "usr_" + "A" * 22,
                       "prod_" + "!" * 22):
        r = client.get(f"/v1/products/{product_id}")
        assert r.status_code == 404, (product_id, r.text)
        assert r.json()["success"] is False and r.json()["error"]["code"] == "NOT_FOUND"


# -- admin ------------------------------------------------------------------------------------
ADMIN_CALLS = [
    ("POST", "/v1/admin/products", shirt_body()),
    ("PATCH", "/v1/admin/products/{pid}", {"name": "Hijacked"}),
    ("POST", "/v1/admin/products/{pid}/variants",
     {"size": "L", "color": "red", "colorHex": "#FF0000", "stock": 1, "sku": "X-1"}),
    ("PATCH", "/v1/admin/products/{pid}/variants/{vid}", {"stock": 0}),
]


def test_admin_endpoints_refuse_customers_and_anonymous_callers(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    customer = people.register()
    for method, path, body in ADMIN_CALLS:
        url = path.format(pid=shirt["id"], vid=shirt["variants"][0]["id"])
        r = client.request(method, url, json=body, headers=customer["headers"])
        assert r.status_code == 403, (url, r.text)
        assert r.json()["error"]["code"] == "FORBIDDEN"
        r = client.request(method, url, json=body)
        assert r.status_code == 401, (url, r.text)
        assert r.json()["error"]["code"] == "UNAUTHORIZED"
    assert client.get(f"/v1/products/{shirt['id']}").json()["data"] == shirt
    assert listing(client)["pagination"]["totalItems"] == 1


def test_an_admin_creates_a_product_with_its_variants(client: Any, admin: dict[str, Any]) -> None:
    created = product(client, admin, price=19.5)
    assert created["id"].startswith("prod_")
    assert created["price"] == 19.50 and created["name"] == "Premium Cotton T-Shirt"
    assert created["category"] == "tops" and created["tryonAvailable"] is True
    assert len(created["variants"]) == 1 and created["variants"][0]["price"] == 19.50
    assert created["createdAt"].endswith("Z")
    assert client.get(f"/v1/products/{created['id']}").json()["data"] == created


BAD_PRODUCTS: list[tuple[dict[str, Any], str]] = [
    ({"price": 10.999}, "price"),
    ({"price": -1}, "price"),
    ({"category": "hats"}, "category"),
    ({"currency": "XYZ"}, "currency"),
    ({"name": ""}, "name"),
    ({"images": [{"url": "http://insecure.example.com/a.jpg", "type": "front"}]},
     "images.0.url"),
    ({"variants": [{"size": "M", "color": "blue", "colorHex": "blue", "stock": 1,
                    "sku": "A"}]}, "variants.0.colorHex"),
    ({"variants": [{"size": "M", "color": "blue", "colorHex": "#000000", "stock": -1,
                    "sku": "A"}]}, "variants.0.stock"),
    ({"rating": {"average": 5, "count": 100}}, "rating"),
]


def test_an_invalid_product_is_rejected_with_the_field(client: Any,
                                                       admin: dict[str, Any]) -> None:
    for changes, field in BAD_PRODUCTS:
        r = client.post("/v1/admin/products", json={**shirt_body(), **changes},
                        headers=admin["headers"])
        assert r.status_code == 400, (changes, r.text)
        assert field in [f["field"] for f in r.json()["error"]["details"]["fields"]], changes
    assert listing(client)["data"] == []


def test_an_admin_patches_a_product(client: Any, admin: dict[str, Any],
                                    shirt: dict[str, Any]) -> None:
    r = client.patch(f"/v1/admin/products/{shirt['id']}",
                     json={"name": "Organic Tee", "price": 39.99, "tags": ["organic"]},
                     headers=admin["headers"])
    assert r.status_code == 200, r.text
    patched = r.json()["data"]
    assert patched["name"] == "Organic Tee" and patched["price"] == 39.99
    assert patched["tags"] == ["organic"]
    assert patched["brand"] == shirt["brand"] and patched["description"] == shirt["description"]
    assert patched["variants"][0]["price"] == 39.99  # variants without their own price follow
    assert names(client, q="organic") == ["Organic Tee"]
    assert listing(client, maxPrice="40")["pagination"]["totalItems"] == 1


def test_an_admin_adds_and_patches_a_variant(client: Any, admin: dict[str, Any],
                                             shirt: dict[str, Any]) -> None:
    h = admin["headers"]
    r = client.post(f"/v1/admin/products/{shirt['id']}/variants", json={
        "size": "L", "color": "red", "colorHex": "#DC2626", "stock": 3, "sku": "TSH-L-RED",
        "price": 54.99}, headers=h)
    assert r.status_code == 201, r.text
    variant = r.json()["data"]
    assert variant["id"].startswith("var_")
    assert (variant["size"], variant["color"], variant["stock"], variant["price"]) == (
        "L", "red", 3, 54.99)
    r = client.patch(f"/v1/admin/products/{shirt['id']}/variants/{variant['id']}",
                     json={"stock": 0, "colorHex": "#B91C1C"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {**variant, "stock": 0, "colorHex": "#B91C1C"}
    detail = client.get(f"/v1/products/{shirt['id']}").json()["data"]
    assert [v["id"] for v in detail["variants"]] == [shirt["variants"][0]["id"], variant["id"]]
    assert detail["variants"][1]["stock"] == 0


def test_a_duplicate_sku_and_unknown_products_or_variants_are_refused(
        client: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    h = admin["headers"]
    r = client.patch("/v1/admin/products/prod_" + "A" * 22, json={"name": "X"}, headers=h)
    assert r.status_code == 404, r.text
    r = client.post("/v1/admin/products/prod_" + "A" * 22 + "/variants", json={
        "size": "L", "color": "red", "colorHex": "#DC2626", "stock": 3, "sku": "NEW"}, headers=h)
    assert r.status_code == 404, r.text
    sku = shirt["variants"][0]["sku"]
    r = client.post(f"/v1/admin/products/{shirt['id']}/variants", json={
        "size": "L", "color": "red", "colorHex": "#DC2626", "stock": 3, "sku": sku}, headers=h)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["fields"][0]["field"] == "sku"
    r = client.patch(f"/v1/admin/products/{shirt['id']}/variants/var_" + "B" * 22,
                     json={"stock": 1}, headers=h)
    assert r.status_code == 404, r.text


# -- reviews ----------------------------------------------------------------------------------
def review(client: Any, h: dict[str, str], product_id: str, rating: int) -> Any:
    return client.post(f"/v1/products/{product_id}/reviews", json={
        "rating": rating, "title": "Nice", "comment": "Fits well"}, headers=h)


def buy(client: Any, h: dict[str, str], item: dict[str, Any]) -> None:
    client.post("/v1/cart/items", json={"productId": item["id"],
                                        "variantId": item["variants"][0]["id"], "quantity": 1},
                headers=h)
    r = client.post("/v1/orders", json={"shippingAddress": ADDRESS},
                    headers={**h, "Idempotency-Key": f"buy-{uuid.uuid4().hex}"})
    assert r.status_code == 201, r.text
    r = client.post("/v1/payments/orders", json={"orderId": r.json()["data"]["id"]},
                    headers={**h, "Idempotency-Key": f"pay-{uuid.uuid4().hex}"})
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/payments/sandbox/{r.json()['data']['paymentOrderId']}/pay", json={
        "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099, "cvc": "123"})
    assert r.status_code == 200, r.text
    r = client.post("/v1/payments/verify", json=r.json()["data"],
                    headers={**h, "Idempotency-Key": f"verify-{uuid.uuid4().hex}"})
    assert r.status_code == 200, r.text


def test_a_review_is_created_and_updates_the_rating(client: Any, people: Any,
                                                    shirt: dict[str, Any]) -> None:
    ada = people.register(first="Ada", last="Lovelace")
    r = review(client, ada["headers"], shirt["id"], 5)
    assert r.status_code == 201, r.text
    created = r.json()["data"]
    assert created["id"].startswith("rev_")
    assert created["rating"] == 5 and created["title"] == "Nice"
    assert created["userName"] == "Ada L." and created["userId"] == ada["id"]
    assert created["verified"] is False
    assert review(client, people.register()["headers"], shirt["id"], 2).status_code == 201
    detail = client.get(f"/v1/products/{shirt['id']}").json()["data"]
    assert detail["rating"] == {"average": 3.5, "count": 2}
    assert [r["rating"] for r in detail["reviews"]] == [5, 2]
    assert listing(client, sort="rating")["data"][0]["rating"] == {"average": 3.5, "count": 2}


def test_a_review_is_verified_once_the_reviewer_has_bought_the_product(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    ada = people.register()
    assert review(client, ada["headers"], shirt["id"], 4).json()["data"]["verified"] is False
    buy(client, ada["headers"], shirt)
    r = review(client, ada["headers"], shirt["id"], 5)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["verified"] is True


def test_an_unpaid_order_does_not_verify_a_review(client: Any, people: Any,
                                                  shirt: dict[str, Any]) -> None:
    ada = people.register()
    h = ada["headers"]
    client.post("/v1/cart/items", json={"productId": shirt["id"],
                                        "variantId": shirt["variants"][0]["id"]}, headers=h)
    r = client.post("/v1/orders", json={"shippingAddress": ADDRESS},
                    headers={**h, "Idempotency-Key": "unpaid"})
    assert r.status_code == 201, r.text
    assert review(client, h, shirt["id"], 4).json()["data"]["verified"] is False


def test_an_invalid_review_is_rejected(client: Any, people: Any,
                                       shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    for body, field in (({"rating": 0, "title": "t", "comment": "c"}, "rating"),
                        ({"rating": 6, "title": "t", "comment": "c"}, "rating"),
                        ({"rating": 3, "title": "", "comment": "c"}, "title"),
                        ({"rating": 3, "title": "t"}, "comment")):
        r = client.post(f"/v1/products/{shirt['id']}/reviews", json=body, headers=h)
        assert r.status_code == 400, (body, r.text)
        assert field in [f["field"] for f in r.json()["error"]["details"]["fields"]], body
    assert client.get(f"/v1/products/{shirt['id']}").json()["data"]["reviews"] == []


def test_reviews_need_a_signed_in_user_and_a_known_product(client: Any, people: Any,
                                                           shirt: dict[str, Any]) -> None:
    body = {"rating": 5, "title": "t", "comment": "c"}
    assert client.post(f"/v1/products/{shirt['id']}/reviews", json=body).status_code == 401
    r = client.post("/v1/products/prod_" + "A" * 22 + "/reviews", json=body,
                    headers=people.register()["headers"])
    assert r.status_code == 404, r.text


def test_a_second_review_by_the_same_person_replaces_the_first(client: Any, people: Any,
                                                               shirt: dict[str, Any]) -> None:
    """Issue 10 row 13: one person's five reviews counted once (the latest). The events are
    stored as before, so a log written before the rule reads the same way."""
    ada, bob = people.register(), people.register()
    for rating in (1, 1, 1, 1, 4):
        assert review(client, ada["headers"], shirt["id"], rating).status_code == 201
    assert review(client, bob["headers"], shirt["id"], 2).status_code == 201
    detail = client.get(f"/v1/products/{shirt['id']}").json()["data"]
    assert detail["rating"] == {"average": 3.0, "count": 2}
    assert sorted((r["userId"], r["rating"]) for r in detail["reviews"]) == sorted(
        [(ada["id"], 4), (bob["id"], 2)])
    assert listing(client, sort="rating")["data"][0]["rating"] == {"average": 3.0, "count": 2}
