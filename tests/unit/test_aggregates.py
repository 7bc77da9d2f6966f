"""The aggregates, alone: replaying their events rebuilds exactly the state that was saved,
rejected commands change nothing, and the lifecycle rules hold. No I/O, no Application."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given, settings
from hypothesis import strategies as st

from application.metadata import MetadataMapper
from domain.accounts import PROFILE_FIELDS, ROLES, Address, Profile, User
from domain.cart import MAX_QUANTITY, Cart, PricedProduct, ProductSnapshot
from domain.catalog import Product
from domain.errors import DomainError, InsufficientStock, InvalidStateTransition, NotFound
from domain.money import Money, Quantity
from domain.ordering import Order
from domain.payments import PaymentOrder

Command = tuple[Any, ...]


def _mapper() -> MetadataMapper:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return MetadataMapper(transcoder=transcoder)


MAPPER = _mapper()


def replay(events: Sequence[Any]) -> Any:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def state(aggregate: Aggregate) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def assert_events_rebuild(aggregate: Aggregate) -> None:
    """The pending events, replayed as they are and after the trip through the stored form
    (JSON, as the event store keeps them), give back the aggregate, attribute for attribute."""
    events = aggregate.collect_events()
    assert events, "the aggregate recorded nothing"
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    rebuilt = replay(events)
    assert type(rebuilt) is type(aggregate)
    assert vars(rebuilt) == vars(aggregate)
    stored = [MAPPER.to_stored_event(e) for e in events]
    reloaded = replay([MAPPER.to_domain_event(s) for s in stored])
    assert vars(reloaded) == vars(aggregate)


def run(aggregate: Aggregate, commands: list[Command],
        execute: Callable[[Any, Command], None],
        invariant: Callable[[Any], None] = lambda _: None) -> None:
    """Runs each command; one the domain rejects must leave no event and no change behind."""
    for command in commands:
        before, pending = state(aggregate), len(aggregate.pending_events)
        try:
            execute(aggregate, command)
        except DomainError:
            assert len(aggregate.pending_events) == pending, command
            assert state(aggregate) == before, command
        invariant(aggregate)


texts = st.text(max_size=12)
timestamps = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                          timezones=st.just(UTC))
picks = st.integers(0, 6)  # an index into what exists; past the end: something unknown


def pick(existing: Any, index: int, unknown: str = "missing") -> Any:
    keys = list(existing)
    return keys[index] if index < len(keys) else unknown


# -- User -------------------------------------------------------------------------------------
address_fields = st.builds(
    Address, first_name=st.none() | texts, city=st.none() | texts, zip_code=st.none() | texts,
    country=st.sampled_from([None, "US", "DE"]))
preferences = st.dictionaries(
    st.sampled_from(["notifications", "privacy", "units", "other"]),
    st.dictionaries(st.sampled_from(["email", "push", "height"]), st.booleans() | texts,
                    max_size=2),
    max_size=2)
user_commands = st.lists(st.one_of(
    st.tuples(st.just("verify")),
    st.tuples(st.just("profile"),
              st.dictionaries(st.sampled_from([*PROFILE_FIELDS, "email", "roles"]), texts,
                              max_size=3),
              st.none() | preferences),
    st.tuples(st.just("password"), texts),
    st.tuples(st.just("role"), st.sampled_from(ROLES)),
    st.tuples(st.just("add_address"), address_fields, st.booleans()),
    st.tuples(st.just("update_address"), picks, address_fields,
              st.sampled_from([None, True, False])),
    st.tuples(st.just("remove_address"), picks),
    st.tuples(st.just("start_session"), st.sampled_from("abc"), texts, timestamps),
    st.tuples(st.just("rotate_session"), st.sampled_from("abc"), texts, timestamps),
    st.tuples(st.just("revoke_session"), st.sampled_from("abcd"), texts),
    st.tuples(st.just("erase")),
), max_size=30)


def execute_user(user: User, c: Command) -> None:
    match c:
        case ("verify",):
            user.verify_email()
        case ("profile", changes, prefs):
            user.update_profile(changes, prefs)
        case ("password", new_hash):
            user.change_password(password_hash=new_hash)
        case ("role", role):
            user.grant_role(role=role)
        case ("add_address", fields, is_default):
            user.add_address(f"addr_{uuid.uuid4().hex}", fields, is_default)
        case ("update_address", index, changes, is_default):
            user.update_address(pick(user.addresses, index), changes, is_default)
        case ("remove_address", index):
            user.remove_address(pick(user.addresses, index))
        case ("start_session", family, token, expires):
            user.start_session(family=family, token_id=token, expires_at=expires)
        case ("rotate_session", family, token, expires):
            user.rotate_session(family=family, token_id=token, expires_at=expires)
        case ("revoke_session", family, reason):
            user.revoke_session(family=family, reason=reason)
        case ("erase",):
            user.erase()


def exactly_one_default_address(user: User) -> None:
    if user.addresses:
        assert user.default_address in user.addresses
    else:
        assert user.default_address is None


def new_user() -> User:
    return User(id=uuid.uuid4(), email="ada@example.com", password_hash="h",
                first_name="Ada", last_name="Lovelace")


@given(user_commands)
def test_replaying_a_users_events_rebuilds_the_user(commands: list[Command]) -> None:
    user = new_user()
    run(user, commands, execute_user, exactly_one_default_address)
    assert_events_rebuild(user)


@given(st.lists(st.one_of(
    st.tuples(st.just("add_address"), address_fields, st.booleans()),
    st.tuples(st.just("update_address"), picks, address_fields,
              st.sampled_from([None, True, False])),
    st.tuples(st.just("remove_address"), picks),
), max_size=40))
def test_addresses_keep_exactly_one_default_whenever_any_exist(commands: list[Command]) -> None:
    user = new_user()
    run(user, commands, execute_user, exactly_one_default_address)


def test_the_first_address_becomes_the_default_and_a_new_default_takes_over() -> None:
    user = new_user()
    user.add_address("addr_1", Address(city="A"), is_default=False)
    assert user.default_address == "addr_1"
    user.add_address("addr_2", Address(city="B"), is_default=True)
    assert user.default_address == "addr_2"
    user.remove_address("addr_2")
    assert user.default_address == "addr_1"
    user.remove_address("addr_1")
    assert user.default_address is None


def test_the_only_address_cannot_stop_being_the_default() -> None:
    user = new_user()
    user.add_address("addr_1", Address(city="A"), is_default=True)
    with pytest.raises(DomainError):
        user.update_address("addr_1", Address(), is_default=False)
    assert user.default_address == "addr_1"


def test_un_defaulting_an_address_passes_the_default_to_another() -> None:
    user = new_user()
    user.add_address("addr_1", Address(city="A"), is_default=True)
    user.add_address("addr_2", Address(city="B"), is_default=False)
    user.update_address("addr_1", Address(), is_default=False)
    assert user.default_address == "addr_2"


@pytest.mark.parametrize("name", ["first_name", "last_name"])
@pytest.mark.parametrize("value", [None, ""])
def test_a_user_cannot_lose_their_name(name: str, value: str | None) -> None:
    user = new_user()
    with pytest.raises(DomainError):
        user.update_profile({name: value}, None)
    assert user.profile == Profile(first_name="Ada", last_name="Lovelace")


def test_a_reused_refresh_token_is_told_apart_from_the_current_one() -> None:
    user = new_user()
    expires = datetime(2100, 1, 1, tzinfo=UTC)
    user.start_session(family="f", token_id="t1", expires_at=expires)
    user.rotate_session(family="f", token_id="t2", expires_at=expires)
    assert user.session_state("f", "t2") == "current"
    assert user.session_state("f", "t1") == "reused"
    assert user.session_state("g", "t1") == "unknown"
    user.change_password(password_hash="h2")
    assert user.session_state("f", "t2") == "revoked"


# -- Product ----------------------------------------------------------------------------------
variant_bodies = st.fixed_dictionaries(
    {"size": st.sampled_from(["S", "M", "L"]), "stock": st.integers(0, 50)},
    optional={"sku": st.sampled_from(["SKU-1", "SKU-2", "SKU-3"]),
              "price_cents": st.integers(1, 100_000), "color": texts, "ignored": texts})
product_commands = st.lists(st.one_of(
    st.tuples(st.just("revise"),
              st.fixed_dictionaries({}, optional={"name": texts, "brand": texts,
                                                  "tags": st.lists(texts, max_size=2),
                                                  "notAField": texts}),
              st.none() | st.integers(1, 100_000), st.none() | st.integers(1, 100_000),
              st.none() | st.integers(0, 100_000)),
    st.tuples(st.just("add_variant"), variant_bodies),
    st.tuples(st.just("revise_variant"), picks,
              st.fixed_dictionaries({}, optional={"stock": st.integers(0, 50),
                                                  "price_cents": st.integers(1, 100_000),
                                                  "colorHex": st.just("#FFFFFF")})),
    st.tuples(st.just("reserve"), picks, st.integers(1, 30)),
    st.tuples(st.just("release"), picks, st.integers(1, 30)),
    st.tuples(st.just("review"), st.integers(1, 5), texts),
), max_size=30)


def execute_product(product: Product, c: Command) -> None:
    match c:
        case ("revise", fields, price, original, free):
            product.revise(fields=fields, price_cents=price, original_price_cents=original,
                           free_shipping_cents=free)
        case ("add_variant", body):
            product.add_variant(f"var_{uuid.uuid4().hex}", body)
        case ("revise_variant", index, changes):
            product.revise_variant(pick(product.variants, index), changes)
        case ("reserve", index, quantity):
            product.reserve_stock(pick(product.variants, index), Quantity(quantity),
                                  uuid.uuid4())
        case ("release", index, quantity):
            if product.variants:
                variant = pick(product.variants, index % len(product.variants))
                product.release_stock(variant_id=variant, quantity=Quantity(quantity),
                                      order_id=uuid.uuid4())
        case ("review", rating, title):
            product.add_review(review_id=f"rev_{uuid.uuid4().hex}",
                               review={"rating": rating, "title": title})  # type: ignore[typeddict-item]  # partial on purpose: only what the test reads


def stock_never_negative_and_skus_unique(product: Product) -> None:
    assert all(v.stock >= 0 for v in product.variants.values())
    skus = [v.sku for v in product.variants.values() if v.sku]
    assert len(skus) == len(set(skus))


def new_product() -> Product:
    return Product(id=uuid.uuid4(), fields={"name": "Tee", "category": "tops", "secret": 1},
                   price_cents=49_99, original_price_cents=None, free_shipping_cents=75_00)


@given(product_commands)
def test_replaying_a_products_events_rebuilds_the_product(commands: list[Command]) -> None:
    product = new_product()
    run(product, commands, execute_product, stock_never_negative_and_skus_unique)
    assert_events_rebuild(product)


def test_reserving_more_than_the_stock_is_refused_and_changes_nothing() -> None:
    product = new_product()
    product.add_variant("var_1", {"size": "M", "stock": 2})
    product.reserve_stock("var_1", Quantity(2), uuid.uuid4())
    with pytest.raises(InsufficientStock):
        product.reserve_stock("var_1", Quantity(1), uuid.uuid4())
    assert product.stock_of("var_1") == 0


def test_a_garment_draws_the_products_own_photos_front_then_back() -> None:
    product = Product(id=uuid.uuid4(), fields={
        "name": "Tee", "category": "tops", "subcategory": "t-shirts", "tryonAvailable": True,
        "material": "cotton", "tags": ["jersey"],
        "sizing": {"fit": "slim", "sizeGuide": {"M": {"chest": 96.5}}},
        "images": [{"url": "https://elsewhere.example/front.jpg", "type": "front"},
                   {"url": "https://shop/b/back.jpg", "type": "back"},
                   {"url": "https://shop/b/front.jpg", "type": "front"}]},
        price_cents=20_00, original_price_cents=None, free_shipping_cents=75_00)
    product.add_variant("var_1", {"size": "M"})
    own = {"https://shop/b/back.jpg": "b/back.jpg", "https://shop/b/front.jpg": "b/front.jpg"}
    assert product.garment("var_1", own.get).as_engine_input() == {
        "category": "tops", "size": "M", "colorHex": "#808080",
        "sizeGuide": {"M": {"chest": 96.5}}, "fit": "slim",
        "imageKeys": ["b/front.jpg", "b/back.jpg"], "subcategory": "t-shirts",
        "material": "cotton jersey"}


def test_a_garment_hands_over_the_products_own_glb_model_when_the_store_holds_it() -> None:
    fields = {"name": "Tee", "category": "tops", "tryonAvailable": True,
              "model3D": {"url": "https://shop/b/tee.glb", "format": "glb"}}
    own = {"https://shop/b/tee.glb": "b/tee.glb"}

    def garment(model: dict[str, str] | None) -> dict[str, object]:
        product = Product(id=uuid.uuid4(), fields={**fields, "model3D": model}, price_cents=1,
                          original_price_cents=None, free_shipping_cents=75_00)
        product.add_variant("var_1", {"size": "M"})
        return product.garment("var_1", own.get).as_engine_input()

    assert garment(fields["model3D"])["modelKey"] == "b/tee.glb"  # type: ignore[arg-type]
    # another site's model is never fetched; fbx and gltf are not drawn
    assert "modelKey" not in garment({"url": "https://elsewhere/tee.glb", "format": "glb"})
    assert "modelKey" not in garment({"url": "https://shop/b/tee.glb", "format": "fbx"})
    assert "modelKey" not in garment(None)


def test_a_product_not_offered_for_try_on_is_no_garment() -> None:
    product = new_product()
    product.add_variant("var_1", {"size": "M"})
    with pytest.raises(InvalidStateTransition):
        product.garment("var_1", lambda url: None)
    with pytest.raises(NotFound):
        product.garment("var_2", lambda url: None)


# -- Cart -------------------------------------------------------------------------------------
cart_commands = st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["var_a", "var_b", "var_c"]),
              st.integers(-1, MAX_QUANTITY + 5), st.dictionaries(texts, texts, max_size=1)),
    st.tuples(st.just("change"), picks, st.integers(-1, MAX_QUANTITY + 5)),
    st.tuples(st.just("remove"), picks),
    st.tuples(st.just("coupon"), st.sampled_from([("WELCOME10", 1000), ("SAVE20", 2000)])),
    st.tuples(st.just("uncoupon")),
    st.tuples(st.just("checkout")),
), max_size=30)


def execute_cart(cart: Cart, c: Command) -> None:
    match c:
        case ("add", variant, quantity, metadata):
            product = PricedProduct(ProductSnapshot(product_id="prod_x", name="Tee"),
                                    Money(49_99, "USD"), Money(75_00, "USD"))
            cart.add_item(f"cart_item_{uuid.uuid4().hex}", product, variant, quantity, metadata)
        case ("change", index, quantity):
            cart.change_quantity(pick(cart.items, index), quantity)
        case ("remove", index):
            cart.remove_item(pick(cart.items, index))
        case ("coupon", (code, basis_points)):
            cart.apply_coupon(code=code, basis_points=basis_points)
        case ("uncoupon",):
            cart.remove_coupon()
        case ("checkout",):
            cart.check_out(order_id=uuid.uuid4())


def one_line_per_variant_within_limits(cart: Cart) -> None:
    variants = [line.variant_id for line in cart.items.values()]
    assert len(variants) == len(set(variants))
    assert all(1 <= line.quantity.units <= MAX_QUANTITY for line in cart.items.values())


@given(cart_commands)
def test_replaying_a_carts_events_rebuilds_the_cart(commands: list[Command]) -> None:
    cart = Cart(id=uuid.uuid4(), user_id=uuid.uuid4())
    run(cart, commands, execute_cart, one_line_per_variant_within_limits)
    assert_events_rebuild(cart)


# -- Order ------------------------------------------------------------------------------------
ACTIONS = ("pay", "confirm", "ship", "deliver", "cancel", "refund")
# The spec's lifecycle, written out on its own: (from, action) -> to.
LIFECYCLE = {
    ("pending", "pay"): "processing",
    ("processing", "confirm"): "confirmed",
    ("confirmed", "ship"): "shipped",
    ("shipped", "deliver"): "delivered",
    ("pending", "cancel"): "cancelled",
    ("processing", "cancel"): "cancelled",
    ("confirmed", "cancel"): "cancelled",
    ("processing", "refund"): "refunded",
    ("confirmed", "refund"): "refunded",
    ("shipped", "refund"): "refunded",
    ("delivered", "refund"): "refunded",
}
STATUSES = ("pending", "processing", "confirmed", "shipped", "delivered", "cancelled",
            "refunded")
PATH_TO = {
    "pending": (), "processing": ("pay",), "confirmed": ("pay", "confirm"),
    "shipped": ("pay", "confirm", "ship"), "delivered": ("pay", "confirm", "ship", "deliver"),
    "cancelled": ("cancel",), "refunded": ("pay", "refund"),
}


def new_order() -> Order:
    return Order(
        id=uuid.uuid4(), user_id=uuid.uuid4(),
        items=[{"id": "cart_item_1", "product": {"id": "prod_x", "name": "Tee",  # type: ignore[typeddict-item]  # partial on purpose: only what the test reads
                                                 "price_cents": 49_99},
                "variantId": "var_1", "size": "M", "color": "blue", "quantity": 1}],
        amounts={"subtotal": 49_99, "tax": 4_00, "shipping": 5_99, "discount": 5_00,
                 "total": 54_98},
        currency="USD", shipping_method="standard", shipping_address={"city": "NYC"},
        billing_address={"city": "NYC"}, notes=None, estimated_delivery="2024-05-08",
        coupon="WELCOME10")


def act(order: Order, action: str) -> None:
    match action:
        case "pay":
            order.record_payment(payment_order_id=uuid.uuid4(), transaction_id="txn_1",
                                 method={"type": "card", "last4": "4242"},
                                 paid_at=datetime(2024, 5, 3, tzinfo=UTC))
        case "confirm":
            order.confirm()
        case "ship":
            order.ship("1Z999", "ups")
        case "deliver":
            order.deliver()
        case "cancel":
            order.cancel("changed my mind")
        case "refund":
            order.refund("damaged")


@given(st.lists(st.sampled_from(ACTIONS), max_size=12))
def test_an_order_follows_the_spec_lifecycle_and_replays(actions: list[str]) -> None:
    order = new_order()
    for action in actions:
        expected = LIFECYCLE.get((order.status, action))
        before = state(order)
        if expected is None:
            with pytest.raises(InvalidStateTransition):
                act(order, action)
            assert state(order) == before
        else:
            act(order, action)
            assert order.status == expected
    assert_events_rebuild(order)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_outside_the_lifecycle_is_refused(status: str, action: str) -> None:
    order = new_order()
    for step in PATH_TO[status]:
        act(order, step)
    assert order.status == status
    if (status, action) in LIFECYCLE:
        act(order, action)
        assert order.status == LIFECYCLE[(status, action)]
    else:
        pending = len(order.pending_events)
        with pytest.raises(InvalidStateTransition):
            act(order, action)
        assert order.status == status and len(order.pending_events) == pending


def test_cancelling_a_paid_order_refunds_it_and_an_unpaid_one_is_just_cancelled() -> None:
    unpaid, paid = new_order(), new_order()
    unpaid.cancel(None)
    act(paid, "pay")
    paid.cancel(None)
    assert unpaid.payment_status == "cancelled"
    assert paid.payment_status == "refunded"


def test_only_orders_not_yet_shipped_hold_stock() -> None:
    holding = {s for s in STATUSES if _holds(s)}
    assert holding == {"pending", "processing", "confirmed"}


def _holds(status: str) -> bool:
    order = new_order()
    for step in PATH_TO[status]:
        act(order, step)
    return order.holds_stock


# -- PaymentOrder -----------------------------------------------------------------------------
payment_commands = st.lists(st.one_of(
    st.tuples(st.just("authorize"), st.sampled_from(["txn_1", "txn_2"])),
    st.tuples(st.just("decline"), texts),
    st.tuples(st.just("verify"), st.sampled_from(["txn_1", "txn_2"]), timestamps),
), max_size=10)


def execute_payment(payment: PaymentOrder, c: Command) -> None:
    match c:
        case ("authorize", txn):
            payment.authorize(txn, {"type": "card", "last4": "4242", "brand": "visa"})
        case ("decline", reason):
            payment.decline(reason, {"type": "card", "last4": "0002"})
        case ("verify", txn, when):
            payment.verify(txn, when)


def only_forward_moves(payment: PaymentOrder) -> None:
    assert payment.status in ("pending", "authorized", "verified", "declined")
    if payment.status in ("authorized", "verified"):
        assert payment.transaction_id is not None


@given(payment_commands)
def test_replaying_a_payments_events_rebuilds_the_payment(commands: list[Command]) -> None:
    payment = PaymentOrder(id=uuid.uuid4(), order_id=uuid.uuid4(), user_id=uuid.uuid4(),
                           amount=54_98, currency="USD")
    run(payment, commands, execute_payment, only_forward_moves)
    assert_events_rebuild(payment)


def test_a_payment_is_verified_only_for_its_own_transaction_and_only_once() -> None:
    payment = PaymentOrder(id=uuid.uuid4(), order_id=uuid.uuid4(), user_id=uuid.uuid4(),
                           amount=100, currency="USD")
    with pytest.raises(InvalidStateTransition):
        payment.verify("txn_1", datetime.now(UTC))
    payment.authorize("txn_1", {})
    with pytest.raises(DomainError):
        payment.verify("txn_2", datetime.now(UTC))
    payment.verify("txn_1", datetime.now(UTC))
    version = payment.version
    payment.verify("txn_1", datetime.now(UTC))  # a retry records nothing more
    assert payment.version == version and payment.status == "verified"
    with pytest.raises(InvalidStateTransition):
        payment.decline("late", {})


@settings(max_examples=25)
@given(st.data())
def test_aggregates_rebuild_across_several_saves(data: st.DataObject) -> None:
    """Events collected in several batches (as several saves would) replay as one history."""
    cart = Cart(id=uuid.uuid4(), user_id=uuid.uuid4())
    history: list[Any] = []
    for _ in range(data.draw(st.integers(1, 4))):
        run(cart, data.draw(cart_commands), execute_cart, one_line_per_variant_within_limits)
        history.extend(cart.collect_events())
    assert vars(replay(history)) == vars(cart)


def test_a_product_counts_each_reviewer_once() -> None:
    from domain.catalog import Product

    product = Product(id=uuid.uuid4(), fields={"name": "Tee"}, price_cents=100,
                      original_price_cents=None, free_shipping_cents=0)
    for n, rating in enumerate((1, 1, 5)):
        product.add_review(review_id=f"rev_{n}", review={"rating": rating, "userId": "usr_a"})  # type: ignore[typeddict-item]  # partial on purpose: only what the test reads
    product.add_review(review_id="rev_b", review={"rating": 3, "userId": "usr_b"})  # type: ignore[typeddict-item]  # partial on purpose: only what the test reads
    assert product.rating == (4.0, 2)
    assert product.review_by("usr_a") == "rev_2"
