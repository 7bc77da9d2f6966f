"""The cart through the API: items, quantities, coupons, stock and shipping."""

from __future__ import annotations

from typing import Any

from tests.conftest import ADDRESS, shirt_body


def add(client: Any, h: dict[str, str], item: dict[str, Any], quantity: int = 1,
        variant: int = 0) -> Any:
    return client.post("/v1/cart/items", json={
        "productId": item["id"], "variantId": item["variants"][variant]["id"],
        "quantity": quantity}, headers=h)


def cart(client: Any, h: dict[str, str]) -> dict[str, Any]:
    r = client.get("/v1/cart", headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def totals(c: dict[str, Any]) -> tuple[float, ...]:
    return c["subtotal"], c["tax"], c["shipping"], c["discount"], c["total"]


def coupon(client: Any, h: dict[str, str], code: str) -> Any:
    return client.put("/v1/cart/coupon", json={"couponCode": code}, headers=h)


def test_a_new_user_has_an_empty_cart(client: Any, people: Any) -> None:
    c = cart(client, people.register()["headers"])
    assert c["id"].startswith("cart_")
    assert c["items"] == [] and c["itemCount"] == 0 and c["couponCode"] is None
    assert totals(c) == (0, 0, 0, 0, 0)


def test_the_cart_needs_a_signed_in_user(client: Any) -> None:
    r = client.get("/v1/cart")
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"


def test_adding_an_item_answers_201_with_the_priced_cart(client: Any, people: Any,
                                                         shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    r = add(client, h, shirt, 1)
    assert r.status_code == 201, r.text
    c = r.json()["data"]
    assert c == cart(client, h)
    [item] = c["items"]
    assert item["id"].startswith("cart_item_")
    assert item["product"]["id"] == shirt["id"] and item["product"]["price"] == 49.99
    assert item["variantId"] == shirt["variants"][0]["id"] and item["quantity"] == 1
    assert totals(c) == (49.99, 4.00, 5.99, 0, 59.98)
    assert c["itemCount"] == 1 and c["estimatedDelivery"] is not None


def test_adding_the_same_variant_again_raises_its_quantity(client: Any, people: Any,
                                                           shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    add(client, h, shirt, 1)
    c = add(client, h, shirt, 2).json()["data"]
    assert [i["quantity"] for i in c["items"]] == [3]
    assert c["itemCount"] == 3


def test_changing_the_quantity_reprices_the_cart(client: Any, people: Any,
                                                 shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    item_id = add(client, h, shirt).json()["data"]["items"][0]["id"]
    r = client.patch(f"/v1/cart/items/{item_id}", json={"quantity": 2}, headers=h)
    assert r.status_code == 200, r.text
    c = r.json()["data"]
    assert c["items"][0]["quantity"] == 2 and c["itemCount"] == 2
    assert totals(c) == (99.98, 8.00, 0, 0, 107.98)  # free shipping from 75.00


def test_an_out_of_range_quantity_is_a_validation_error(client: Any, people: Any,
                                                        shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    item_id = add(client, h, shirt).json()["data"]["items"][0]["id"]
    for quantity in (0, -1, 100, "two", None):
        r = client.patch(f"/v1/cart/items/{item_id}", json={"quantity": quantity}, headers=h)
        assert r.status_code == 400, (quantity, r.text)
        assert r.json()["error"]["details"]["fields"][0]["field"] == "quantity"
    assert cart(client, h)["items"][0]["quantity"] == 1


def test_removing_an_item_empties_the_cart(client: Any, people: Any,
                                           shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    item_id = add(client, h, shirt).json()["data"]["items"][0]["id"]
    r = client.delete(f"/v1/cart/items/{item_id}", headers=h)
    assert r.status_code == 200, r.text
    c = r.json()["data"]
    assert c["items"] == [] and totals(c) == (0, 0, 0, 0, 0)
    assert client.delete(f"/v1/cart/items/{item_id}", headers=h).status_code == 404


def test_another_users_cart_item_is_not_found(client: Any, people: Any,
                                              shirt: dict[str, Any]) -> None:
    owner, intruder = people.register(), people.register()
    item_id = add(client, owner["headers"], shirt).json()["data"]["items"][0]["id"]
    h = intruder["headers"]
    r = client.patch(f"/v1/cart/items/{item_id}", json={"quantity": 5}, headers=h)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "NOT_FOUND"
    assert client.delete(f"/v1/cart/items/{item_id}", headers=h).status_code == 404
    assert cart(client, owner["headers"])["items"][0]["quantity"] == 1


def test_more_than_the_stock_is_409_insufficient_stock(client: Any, people: Any,
                                                       admin: dict[str, Any]) -> None:
    r = client.post("/v1/admin/products", json=shirt_body(stock=3), headers=admin["headers"])
    item = r.json()["data"]
    h = people.register()["headers"]
    r = add(client, h, item, 4)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    assert cart(client, h)["items"] == []
    assert add(client, h, item, 2).status_code == 201
    r = add(client, h, item, 2)  # 2 in the cart + 2 more > 3
    assert r.status_code == 409 and r.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    item_id = cart(client, h)["items"][0]["id"]
    r = client.patch(f"/v1/cart/items/{item_id}", json={"quantity": 4}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "INSUFFICIENT_STOCK"
    assert cart(client, h)["items"][0]["quantity"] == 2


def test_unknown_products_and_variants_are_not_found(client: Any, people: Any,
                                                     shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    r = client.post("/v1/cart/items", json={"productId": "prod_" + "A" * 22,
                                            "variantId": shirt["variants"][0]["id"]}, headers=h)
    assert r.status_code == 404, r.text
    r = client.post("/v1/cart/items", json={"productId": shirt["id"],
                                            "variantId": "var_" + "A" * 22}, headers=h)
    assert r.status_code == 404, r.text
    r = client.post("/v1/cart/items", json={"productId": "shirt", "variantId": "v"}, headers=h)
    assert r.status_code == 400, r.text
    assert cart(client, h)["items"] == []


def test_welcome10_reproduces_the_spec_example(client: Any, people: Any,
                                               shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    add(client, h, shirt)
    r = coupon(client, h, "welcome10")  # codes are case-insensitive
    assert r.status_code == 200, r.text
    c = r.json()["data"]
    assert c["couponCode"] == "WELCOME10"
    assert totals(c) == (49.99, 4.00, 5.99, 5.00, 54.98)
    r = client.delete("/v1/cart/coupon", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["couponCode"] is None
    assert totals(r.json()["data"]) == (49.99, 4.00, 5.99, 0, 59.98)


def test_an_unknown_or_expired_coupon_is_a_validation_error_on_coupon_code(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    add(client, h, shirt)
    for code in ("NOPE", "SUMMER2024", "summer2024"):
        r = coupon(client, h, code)
        assert r.status_code == 400, (code, r.text)
        error = r.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert [f["field"] for f in error["details"]["fields"]] == ["couponCode"]
    assert cart(client, h)["couponCode"] is None


def test_free_shipping_starts_at_the_threshold(client: Any, people: Any,
                                               admin: dict[str, Any]) -> None:
    def product(price: str) -> dict[str, Any]:
        r = client.post("/v1/admin/products", json=shirt_body(price=price),
                        headers=admin["headers"])
        assert r.status_code == 201, r.text
        return dict(r.json()["data"])

    below, exactly = product("74.99"), product("75.00")
    h = people.register()["headers"]
    assert add(client, h, below).json()["data"]["shipping"] == 5.99
    client.delete(f"/v1/cart/items/{cart(client, h)['items'][0]['id']}", headers=h)
    c = add(client, h, exactly).json()["data"]
    assert c["shipping"] == 0 and c["total"] == 81.00


def test_a_product_specific_threshold_applies(client: Any, people: Any,
                                              admin: dict[str, Any]) -> None:
    body = shirt_body(price="20.00")
    body["shipping"]["freeShippingThreshold"] = 40.00
    item = client.post("/v1/admin/products", json=body, headers=admin["headers"]).json()["data"]
    h = people.register()["headers"]
    assert add(client, h, item, 1).json()["data"]["shipping"] == 5.99
    assert add(client, h, item, 1).json()["data"]["shipping"] == 0


def test_a_coupon_with_a_minimum_is_dropped_when_the_cart_falls_below_it(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    add(client, h, shirt, 1)
    r = coupon(client, h, "SAVE20")  # needs a subtotal of 100.00
    assert r.status_code == 400, r.text
    assert [f["field"] for f in r.json()["error"]["details"]["fields"]] == ["couponCode"]
    item_id = add(client, h, shirt, 2).json()["data"]["items"][0]["id"]  # 149.97
    c = coupon(client, h, "SAVE20").json()["data"]
    assert c["couponCode"] == "SAVE20" and c["discount"] == 29.99
    r = client.patch(f"/v1/cart/items/{item_id}", json={"quantity": 1}, headers=h)
    assert r.status_code == 200, r.text
    c = r.json()["data"]
    assert c["discount"] == 0 and c["couponCode"] is None
    assert totals(c) == (49.99, 4.00, 5.99, 0, 59.98)


def test_a_price_change_shows_in_the_cart_and_is_flagged(client: Any, people: Any,
                                                         admin: dict[str, Any],
                                                         shirt: dict[str, Any]) -> None:
    """Issue 10 row 6: the admin raises the price while the shirt is in a cart. The cart
    shows the new price (what the order charges), flagged with the price when added."""
    h = people.register()["headers"]
    c = add(client, h, shirt, 1).json()["data"]
    assert c["items"][0]["priceChanged"] is False
    assert c["items"][0]["priceWhenAdded"] == 49.99
    r = client.patch(f"/v1/admin/products/{shirt['id']}", json={"price": 59.99},
                     headers=admin["headers"])
    assert r.status_code == 200, r.text
    c = cart(client, h)
    [item] = c["items"]
    assert item["product"]["price"] == 59.99
    assert item["priceChanged"] is True and item["priceWhenAdded"] == 49.99
    assert totals(c) == (59.99, 4.80, 5.99, 0, 70.78)
    r = client.post("/v1/orders", json={"shippingAddress": ADDRESS},
                    headers={**h, "Idempotency-Key": "price-change"})
    assert r.status_code == 201, r.text
    order = r.json()["data"]
    assert (order["subtotal"], order["tax"], order["shipping"], order["totalAmount"]) == \
        (c["subtotal"], c["tax"], c["shipping"], c["total"])


def test_a_variant_price_change_shows_in_the_cart(client: Any, people: Any,
                                                  admin: dict[str, Any],
                                                  shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    add(client, h, shirt, 2)
    r = client.patch(f"/v1/admin/products/{shirt['id']}/variants/{shirt['variants'][0]['id']}",
                     json={"price": 30.00}, headers=admin["headers"])
    assert r.status_code == 200, r.text
    c = cart(client, h)
    assert c["items"][0]["product"]["price"] == 30.0 and c["items"][0]["priceChanged"] is True
    assert c["subtotal"] == 60.0 and c["shipping"] == 5.99  # now under the 75.00 threshold
