"""The commerce contexts (catalog, carts, ordering, payments) on in-memory persistence: no
HTTP, no database, no read models; each test is one short story about the shop's rules."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from eventsourcing.domain import Snapshot

from adapters.payments_sandbox import DECLINED, SUCCEEDS, SandboxProvider
from application.carts import cart_id_for
from application.shop import Shop
from domain import ids
from domain.accounts import Address
from domain.cart import Cart, ProductSnapshot
from domain.catalog import (
    ParcelDimensions,
    Product,
    ProductImage,
    Rating,
    Shipping,
    SizeGuide,
    Sizing,
    Variant,
)
from domain.errors import InsufficientStock, InvalidInput, InvalidStateTransition, NotFound
from domain.money import Money, Quantity
from domain.ordering import OrderPaymentStatus, OrderStatus
from domain.payments import PaymentStatus, ProviderEvent

ADDRESS = Address(first_name="Ada", last_name="Lovelace", street="1 Main St", city="London",
                  zip_code="N1 1AA", country="GB", phone="+441234567890")
TODAY = datetime.now(UTC).date()


@pytest.fixture
def shop() -> Shop:
    return Shop(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                provider=SandboxProvider("test-secret"))


def a_tee(shop: Shop, stock: int = 5, price_cents: int = 49_99,
          free_shipping_cents: int | None = None) -> tuple[uuid.UUID, str]:
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "brand": "FashionBrand", "category": "tops", "currency": "USD",
         "images": [{"url": "https://cdn.example/tee.jpg"}]},
        price_cents, None, free_shipping_cents, [{"size": "M", "color": "blue", "stock": stock,
                                                  "sku": "TEE-M"}])
    return product_id, next(iter(shop.catalog.product(product_id).variants))


def an_order(shop: Shop, user: uuid.UUID, product: tuple[uuid.UUID, str],
             quantity: int = 1) -> uuid.UUID:
    shop.carts.add_item(user, product[0], product[1], quantity, {})
    order_id = uuid.uuid4()
    shop.ordering.place(user, order_id, "standard", ADDRESS, ADDRESS, None)
    return order_id


# -- carts ------------------------------------------------------------------------------------
def test_adding_the_same_variant_twice_raises_the_quantity_of_one_line(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    first, _ = shop.carts.add_item(user, *tee, 1, {"note": "gift"})
    second, _ = shop.carts.add_item(user, *tee, 2, {})
    cart = shop.carts.cart_of(user)
    assert cart is not None and first == second
    [line] = cart.items.values()
    assert (line.quantity, line.variant_id, line.metadata) == (Quantity(3), tee[1],
                                                               {"note": "gift"})
    assert (line.product.name, line.product.image) == ("Tee", "https://cdn.example/tee.jpg")
    # The price then is recorded with the line, for the cart's read model.
    [added] = [cast(Any, e) for e in shop.repository.event_store.get(cart_id_for(user))
               if type(e).__name__ == "ItemAdded"]
    assert (added.product["price_cents"], added.product["free_shipping_cents"]) == (49_99,
                                                                                    75_00)


def test_a_cart_cannot_hold_more_than_the_stock(shop: Shop) -> None:
    tee = a_tee(shop, stock=2)
    user = uuid.uuid4()
    shop.carts.add_item(user, *tee, 2, {})
    with pytest.raises(InsufficientStock):
        shop.carts.add_item(user, *tee, 1, {})


def test_a_coupon_with_a_minimum_is_dropped_when_the_cart_shrinks_below_it(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    item, _ = shop.carts.add_item(user, *tee, 3, {})  # 149.97 >= SAVE20's 100.00
    shop.carts.apply_coupon(user, "save20", TODAY)
    assert shop.carts.cart_of(user).coupon == "SAVE20"  # type: ignore[union-attr]
    shop.carts.change_quantity(user, item, 1)
    assert shop.carts.cart_of(user).coupon is None  # type: ignore[union-attr]


def test_unknown_and_expired_coupons_are_refused(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    shop.carts.add_item(user, *tee, 1, {})
    with pytest.raises(InvalidInput):
        shop.carts.apply_coupon(user, "NOPE", TODAY)
    with pytest.raises(InvalidInput):
        shop.carts.apply_coupon(user, "SUMMER2024", date(2025, 1, 1))


# -- catalog ----------------------------------------------------------------------------------
class KnownReviewers:
    """The read side's answers about reviewers: profiles by id, and who bought what."""

    def __init__(self, profiles: dict[str, dict[str, str]],
                 purchases: set[tuple[str, str]]) -> None:
        self.profiles, self.purchases = profiles, purchases

    def profile(self, user_id: str) -> dict[str, str] | None:
        return self.profiles.get(user_id)

    def has_bought(self, user_id: str, product_id: str) -> bool:
        return (user_id, product_id) in self.purchases


def reviews_of(shop: Shop, product_id: uuid.UUID) -> list[dict[str, Any]]:
    return [cast(Any, e).review for e in shop.repository.event_store.get(product_id)
            if type(e).__name__ == "Reviewed"]


def test_a_review_shows_the_first_name_and_last_initial_and_counts_once(shop: Shop) -> None:
    product_id, _ = a_tee(shop)
    ada = KnownReviewers({"usr_a": {"firstName": "Ada", "lastName": "Lovelace"}},
                         {("usr_a", ids.encode("prod", product_id))})
    shop.catalog.review(product_id, "usr_a", 1, "Meh", "Thin.", ada)
    shop.catalog.review(product_id, "usr_a", 5, "Great", "Soft.", ada)
    product = shop.catalog.product(product_id)
    assert product.rating == (5.0, 1)
    review = reviews_of(shop, product_id)[-1]
    assert review["userName"] == "Ada L." and review["verified"] is True


def test_a_review_by_someone_who_did_not_buy_is_not_verified(shop: Shop) -> None:
    product_id, _ = a_tee(shop)
    other, _ = a_tee(shop)
    bought_elsewhere = KnownReviewers({}, {("usr_b", ids.encode("prod", other))})
    shop.catalog.review(product_id, "usr_b", 4, "Fine", "Ok.", bought_elsewhere)
    review = reviews_of(shop, product_id)[-1]
    assert review["verified"] is False


def test_a_variant_revision_changes_only_what_it_names(shop: Shop) -> None:
    product_id, variant_id = a_tee(shop)
    shop.catalog.revise_variant(product_id, variant_id, {"stock": 9, "price_cents": 39_99})
    variant = shop.catalog.product(product_id).variants[variant_id]
    assert variant == Variant(size="M", color="blue", stock=9, sku="TEE-M",
                              price=Money(39_99, "USD"))


def test_the_products_document_reads_as_images_sizing_and_shipping(shop: Shop) -> None:
    guide = {"S": {"chest": 91.4, "waist": 76}, "M": {"chest": 96.5, "waist": 81.3}}
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "category": "tops", "sizing": {"fit": "slim", "sizeGuide": guide},
         "images": [{"url": "https://cdn.example/f.jpg", "type": "front"},
                    {"url": "https://cdn.example/b.jpg", "type": "back", "resolution": "4k"}],
         "shipping": {"weight": 0.2, "dimensions": {"length": 30, "width": 25, "height": 2}}},
        49_99, None, 60_00, [])
    product = shop.catalog.product(product_id)
    assert product.images == (ProductImage("https://cdn.example/f.jpg", "front"),
                              ProductImage("https://cdn.example/b.jpg", "back", "4k"))
    assert product.first_image == "https://cdn.example/f.jpg"
    assert product.sizing == Sizing("slim", SizeGuide(guide))
    assert product.size_guide.measurements_of("M") == {"chest": 96.5, "waist": 81.3}
    assert product.size_guide.measurements_of("XL") is None
    assert product.size_guide.as_content() == guide  # as the render engine takes it
    assert product.shipping == Shipping(Money(60_00, "USD"), 0.2, ParcelDimensions(30, 25, 2))
    bare = shop.catalog.product(a_tee(shop)[0])
    assert (bare.sizing, bare.shipping.dimensions) == (Sizing("regular", SizeGuide({})), None)


# -- ordering ---------------------------------------------------------------------------------
def test_placing_an_order_reserves_stock_prices_it_and_empties_the_cart(shop: Shop) -> None:
    tee = a_tee(shop, stock=5)
    user = uuid.uuid4()
    shop.carts.add_item(user, *tee, 1, {})
    shop.carts.apply_coupon(user, "WELCOME10", TODAY)
    order_id = uuid.uuid4()
    shop.ordering.place(user, order_id, "standard", ADDRESS, ADDRESS, None)
    order = shop.ordering.order(user, order_id)
    # The spec's example: 49.99 with WELCOME10, standard shipping -> 54.98.
    assert (order.total, order.currency, order.status) == (Money(54_98, "USD"), "USD",
                                                            OrderStatus.PENDING)
    assert [(line.name, line.size, line.quantity, line.unit_price) for line in order.lines
            ] == [("Tee", "M", Quantity(1), Money(49_99, "USD"))]
    assert shop.catalog.product(tee[0]).stock_of(tee[1]) == 4
    assert not shop.carts.cart_of(user).items  # type: ignore[union-attr]


def test_shipping_is_free_from_the_products_threshold(shop: Shop) -> None:
    tee = a_tee(shop, free_shipping_cents=40_00)
    user = uuid.uuid4()
    order = shop.ordering.order(user, an_order(shop, user, tee))
    assert order.total == Money(49_99 + 4_00, "USD")  # subtotal and tax, no shipping


def test_placing_again_with_the_same_id_places_one_order(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    order_id = an_order(shop, user, tee)
    assert shop.ordering.place(user, order_id, "standard", ADDRESS, ADDRESS, None) == 0


def test_an_empty_cart_cannot_be_ordered(shop: Shop) -> None:
    with pytest.raises(InvalidInput):
        shop.ordering.place(uuid.uuid4(), uuid.uuid4(), "standard", ADDRESS, ADDRESS, None)


class Book:
    def __init__(self, default: Address | None) -> None:
        self.default = default

    def address_of(self, user_id: uuid.UUID, address_id: str) -> Address:
        return replace(ADDRESS, city="Saved")

    def default_address_of(self, user_id: uuid.UUID) -> Address | None:
        return self.default


def test_an_order_ships_to_the_default_address_and_bills_it_without_the_phone(
        shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    shop.carts.add_item(user, *tee, 1, {})
    order_id = uuid.uuid4()
    shop.ordering.place_from_address_book(user, order_id, "standard", Book(ADDRESS), None,
                                          None, None, None)
    placed = shop.repository.event_store.get(order_id)
    first: Any = next(iter(placed))
    # Stored in the API's words, as every Placed event has stored it.
    stored = {"firstName": "Ada", "lastName": "Lovelace", "street": "1 Main St",
              "city": "London", "zipCode": "N1 1AA", "country": "GB"}
    assert first.shipping_address == {**stored, "phone": "+441234567890"}
    assert first.billing_address == stored


def test_without_an_address_or_a_default_an_order_is_refused(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    shop.carts.add_item(user, *tee, 1, {})
    with pytest.raises(InvalidInput):
        shop.ordering.place_from_address_book(user, uuid.uuid4(), "standard", Book(None), None,
                                              None, None, None)


def test_cancelling_a_paid_order_refunds_it_and_gives_the_stock_back(shop: Shop) -> None:
    tee = a_tee(shop, stock=3)
    user = uuid.uuid4()
    order_id = an_order(shop, user, tee, quantity=2)
    payment_id, _ = shop.payments.create(user, order_id)
    attempt = shop.payments.pay_by_card(payment_id, SUCCEEDS, 12, TODAY.year + 1, TODAY)
    assert attempt.transaction_id is not None
    shop.payments.verify(user, payment_id, attempt.transaction_id)
    shop.ordering.cancel(user, order_id, "changed my mind")
    order = shop.ordering.order(user, order_id)
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED,
                                                    OrderPaymentStatus.REFUNDED)
    assert shop.payments.payment(payment_id).status == PaymentStatus.REFUNDED
    assert shop.catalog.product(tee[0]).stock_of(tee[1]) == 3


def test_an_unpaid_order_expires_and_gives_its_stock_back(shop: Shop) -> None:
    tee = a_tee(shop, stock=1)
    user = uuid.uuid4()
    order_id = an_order(shop, user, tee)
    later = datetime.now(UTC) + timedelta(hours=1)
    assert shop.ordering.expire(order_id, later, timedelta(minutes=30)) > 0
    assert shop.ordering.order(None, order_id).status == OrderStatus.CANCELLED
    assert shop.catalog.product(tee[0]).stock_of(tee[1]) == 1


# -- payments ---------------------------------------------------------------------------------
def test_an_expired_card_is_declined_and_the_payment_stays_payable(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    payment_id, _ = shop.payments.create(user, an_order(shop, user, tee))
    attempt = shop.payments.pay_by_card(payment_id, SUCCEEDS, 1, TODAY.year - 1, TODAY)
    assert (attempt.transaction_id, attempt.declined_because) == (None, "expired_card")
    declined = shop.payments.pay_by_card(payment_id, DECLINED, 12, TODAY.year + 1, TODAY)
    assert declined.declined_because == "card_declined"
    payment = shop.payments.payment(payment_id)
    assert (payment.status, payment.declined_attempts) == (PaymentStatus.PENDING, 2)


def test_a_verified_payment_pays_the_order(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    order_id = an_order(shop, user, tee)
    payment_id, _ = shop.payments.create(user, order_id)
    attempt = shop.payments.pay_by_card(payment_id, SUCCEEDS, 12, TODAY.year + 1, TODAY)
    assert attempt.transaction_id is not None
    shop.payments.verify(user, payment_id, attempt.transaction_id)
    assert shop.ordering.order(user, order_id).status == OrderStatus.PROCESSING
    assert shop.payments.verify(user, payment_id, attempt.transaction_id) == 0  # a retry
    with pytest.raises(InvalidStateTransition):
        shop.payments.create(user, order_id)  # a paid order needs no payment


def test_the_providers_events_pay_refund_or_decline_a_payment(shop: Shop) -> None:
    tee = a_tee(shop, stock=3)
    user = uuid.uuid4()
    order_id = an_order(shop, user, tee, quantity=2)
    payment_id, _ = shop.payments.create(user, order_id)
    pay = ids.encode("pay", payment_id)

    def report(kind: Any, **data: Any) -> int:
        event = ProviderEvent(kind, {"paymentOrderId": pay, **data})
        return shop.payments.record_provider_event(event, shop.ordering)

    report("payment.failed", reason="insufficient_funds")
    assert shop.payments.payment(payment_id).declined_attempts == 1
    attempt = shop.payments.pay_by_card(payment_id, SUCCEEDS, 12, TODAY.year + 1, TODAY)
    report("payment.succeeded", transactionId=attempt.transaction_id)
    assert shop.ordering.order(user, order_id).status == OrderStatus.PROCESSING
    for missing, field in (({"amount": "1.00"}, "data.refundId"),
                           ({"refundId": "re_1", "amount": "1.001"}, "data.amount")):
        with pytest.raises(InvalidInput) as refused:
            report("payment.refunded", **missing)
        assert refused.value.field == field
    whole = shop.payments.payment(payment_id).amount.minor_units
    report("payment.refunded", refundId="re_1", amount=f"{whole // 100}.{whole % 100:02d}")
    assert shop.payments.payment(payment_id).status == PaymentStatus.REFUNDED
    assert shop.catalog.product(tee[0]).stock_of(tee[1]) == 3
    with pytest.raises(NotFound):
        shop.payments.record_provider_event(
            ProviderEvent("payment.succeeded", {"paymentOrderId": "pay_nope"}), shop.ordering)


# -- stored shapes ----------------------------------------------------------------------------
def test_a_v1_cart_snapshot_of_camel_case_dicts_loads_as_cart_lines(shop: Shop) -> None:
    user = uuid.uuid4()
    cart_id = cart_id_for(user)
    shop.save(Cart(id=cart_id, user_id=user))
    product: dict[str, Any] = {"id": ids.encode("prod", uuid.uuid4()), "name": "Tee",
                               "price_cents": 49_99, "image": None, "brand": "B",
                               "freeShipping_cents": 75_00}
    v1 = Snapshot(originator_id=cart_id, originator_version=1,
                  timestamp=datetime.now(UTC), topic="domain.cart:Cart", state={
                      "user_id": user, "coupon": None, "coupon_basis_points": 0,
                      "_created_on": datetime.now(UTC), "_modified_on": datetime.now(UTC),
                      "items": {"cart_item_1": {"product": product, "variantId": "var_1",
                                                "quantity": 2, "metadata": {}}}})
    shop.snapshots.put([v1])  # type: ignore[union-attr]
    cart: Cart = shop.repository.get(cart_id)
    [line] = cart.items.values()
    assert (line.variant_id, line.quantity, line.product) == (
        "var_1", Quantity(2), ProductSnapshot(product["id"], "Tee", None, "B"))


def test_a_v1_product_snapshot_of_dicts_loads_as_variants_and_ratings(shop: Shop) -> None:
    product_id, variant_id = a_tee(shop)
    state = v1_state(shop.catalog.product(product_id))
    state["variants"] = {variant_id: {"size": "M", "stock": 4, "sku": "TEE-M"}}
    state["reviews"] = {"rev_1": {"rating": 4, "userId": "usr_a"}}
    v1 = Snapshot(originator_id=product_id, originator_version=2,
                  timestamp=datetime.now(UTC), topic="domain.catalog:Product", state=state)
    shop.snapshots.put([v1])  # type: ignore[union-attr]
    product: Product = shop.repository.get(product_id)
    assert product.variants[variant_id] == Variant(size="M", stock=4, sku="TEE-M")
    assert product.reviews == {"rev_1": Rating(stars=4, reviewer="usr_a")}
    assert (product.price, product.free_shipping_threshold) == (Money(49_99, "USD"),
                                                                Money(75_00, "USD"))


def v1_state(product: Product) -> dict[str, Any]:
    """``product``'s state as snapshots before v3 held it: prices in cents."""
    state = {k: v for k, v in vars(product).items()
             if k not in ("_id", "_version", "_pending_events", "price", "original_price",
                          "free_shipping_threshold")}
    original = product.original_price
    return {**state, "price_cents": product.price.minor_units,
            "original_price_cents": None if original is None else original.minor_units,
            "free_shipping_cents": product.free_shipping_threshold.minor_units}


def test_a_v2_product_snapshot_in_cents_loads_with_money(shop: Shop) -> None:
    product_id, variant_id = a_tee(shop)
    shop.catalog.revise_product(product_id, {"currency": "EUR"}, None, 59_99, None)
    state = v1_state(shop.catalog.product(product_id))
    # Byte for byte what v2 stored: the variant under its retired name, its price in cents.
    state["variants"] = {variant_id: {"_type_": "variant", "_data_": {
        "size": "M", "color": "blue", "color_hex": None, "stock": 4, "sku": "TEE-M",
        "price_cents": 39_99}}}
    v2 = Snapshot(originator_id=product_id, originator_version=2,
                  timestamp=datetime.now(UTC), topic="domain.catalog:Product",
                  state={**state, "class_version": 2})
    shop.snapshots.put([v2])  # type: ignore[union-attr]
    product: Product = shop.repository.get(product_id)
    assert product.variants[variant_id] == Variant(size="M", color="blue", stock=4,
                                                   sku="TEE-M", price=Money(39_99, "EUR"))
    assert (product.price, product.original_price, product.free_shipping_threshold) == (
        Money(49_99, "EUR"), Money(59_99, "EUR"), Money(75_00, "EUR"))


def test_a_v2_cart_snapshot_with_prices_loads_as_lines_with_quantities(shop: Shop) -> None:
    user = uuid.uuid4()
    cart_id = cart_id_for(user)
    shop.save(Cart(id=cart_id, user_id=user))
    product = {"_type_": "cart_product", "_data_": {
        "product_id": "prod_x", "name": "Tee", "unit_price_cents": 49_99, "image": None,
        "brand": "B", "free_shipping_cents": 75_00}}
    stored_line = {"_type_": "cart_line", "_data_": {"product": product, "variant_id": "var_1",
                                                     "quantity": 2, "metadata": {"note": "x"}}}
    v2 = Snapshot(originator_id=cart_id, originator_version=1,
                  timestamp=datetime.now(UTC), topic="domain.cart:Cart", state={
                      "user_id": user, "coupon": "WELCOME10", "coupon_basis_points": 1000,
                      "_created_on": datetime.now(UTC), "_modified_on": datetime.now(UTC),
                      "items": {"cart_item_1": stored_line}, "class_version": 2})
    shop.snapshots.put([v2])  # type: ignore[union-attr]
    cart: Cart = shop.repository.get(cart_id)
    [line] = cart.items.values()
    assert (line.product, line.quantity, line.metadata, cart.coupon) == (
        ProductSnapshot("prod_x", "Tee", None, "B"), Quantity(2), {"note": "x"}, "WELCOME10")


def test_snapshots_of_value_objects_round_trip_through_the_store(shop: Shop) -> None:
    tee = a_tee(shop)
    user = uuid.uuid4()
    shop.carts.add_item(user, *tee, 1, {"note": "x"})
    shop.take_snapshot(cart_id_for(user))
    shop.take_snapshot(tee[0])
    assert shop.repository.get(cart_id_for(user)) == shop.carts.cart_of(user)
    assert shop.repository.get(tee[0]).variants == shop.catalog.product(tee[0]).variants
