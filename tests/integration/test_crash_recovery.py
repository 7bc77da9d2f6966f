"""A projector killed with SIGKILL in the middle of a backlog resumes where its last committed
transaction left it: no event is lost and none is applied twice."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.accounts import Address
from projections.rebuild import rebuild_online
from tests.integration.test_projections import (
    Projector,
    caught_up,
    dump,
    external_container,
    external_settings,
    projector,
    wait_until,
)

__all__ = ["external_container", "external_settings", "projector"]  # fixtures, re-used

USERS = 8
ORDERS_PER_USER = 6
PRODUCTS = 8
BULK = 60  # events per bulk save of profile edits and cart quantity changes
REVIEWS = 200  # per reviewed product, in one save
KILLS = 2


@dataclass
class Backlog:
    """What was done, counted independently of any read model."""

    users: list[uuid.UUID] = field(default_factory=list)
    products: list[uuid.UUID] = field(default_factory=list)
    orders_placed: Counter[uuid.UUID] = field(default_factory=Counter)
    spent_cents: Counter[uuid.UUID] = field(default_factory=Counter)
    reviews: Counter[uuid.UUID] = field(default_factory=Counter)
    cart_quantity: dict[uuid.UUID, int] = field(default_factory=dict)


def produce_backlog(c: Any) -> Backlog:
    """A few thousand events, recorded through the applications while no projector runs:
    real command flows (orders, payments, cancellations, refunds) plus a few large saves."""
    from domain import ids

    b = Backlog()
    for p in range(PRODUCTS):
        product_id, _ = c.shop.catalog.list_product(
            {"name": f"Tee {p}", "category": "tops", "tryonAvailable": True}, 25_00 + p, None,
            None, [{"size": s, "stock": 1_000, "sku": f"SKU-{p}-{s}"} for s in ("S", "M")])
        b.products.append(product_id)
    variants = {p: list(c.shop.catalog.product(p).variants) for p in b.products}
    for n in range(USERS):
        user_id, _ = c.accounts.register(f"crash-{n}-{uuid.uuid4().hex[:6]}@example.com",
                                         "Str0ng!Pass", f"User{n}", "Crash")
        b.users.append(user_id)
        c.accounts.add_address(user_id, ids.new("addr"), Address(city="Berlin"), True)
        user = c.accounts.get_user(user_id)
        for i in range(BULK):
            user.update_profile({"last_name": f"Crash{i}"}, {"units": {"height": f"u{i}"}})
        c.accounts.record(user)
        for r in range(ORDERS_PER_USER):
            for k in range(3):
                product_id = b.products[(n + r + k) % PRODUCTS]
                c.shop.carts.add_item(user_id, product_id, variants[product_id][r % 2], 1 + k, {})
            if r % 3 == 0:
                c.shop.carts.apply_coupon(user_id, "WELCOME10", datetime.now(UTC))
            order_id = uuid.uuid4()
            c.shop.ordering.place(user_id, order_id, "express", Address(city="Berlin"),
                                  Address(city="Berlin"), None)
            b.orders_placed[user_id] += 1
            total = c.shop.ordering.order(user_id, order_id).total.minor_units
            if r % 3 == 1:
                payment_id, _ = c.shop.payments.create(user_id, order_id)
                txn = ids.new("txn")
                c.shop.payments.authorize(payment_id, txn, {"type": "card", "last4": "4242"})
                c.shop.payments.verify(user_id, payment_id, txn)
                b.spent_cents[user_id] += total
                if n % 2:
                    c.shop.ordering.refund(order_id, "returned")
                    b.spent_cents[user_id] -= total
            elif r % 3 == 2:
                c.shop.ordering.cancel(user_id, order_id, "changed my mind")
        product_id = b.products[n % PRODUCTS]
        item_id, _ = c.shop.carts.add_item(user_id, product_id, variants[product_id][0], 1, {})
        cart = c.shop.carts.cart_of(user_id)
        for i in range(BULK):
            cart.change_quantity(item_id, 1 + (i * 7) % 99)
        c.shop.record(cart)
        b.cart_quantity[user_id] = 1 + ((BULK - 1) * 7) % 99
    for product_id in b.products[:3]:
        product = c.shop.catalog.product(product_id)
        for i in range(REVIEWS):
            product.add_review(review_id=ids.new("rev"), review={
                "userId": f"usr_x{i}", "userName": "X.", "rating": 1 + i % 5, "title": f"#{i}",
                "comment": "ok", "helpful": 0, "verified": False})
        c.shop.record(product)
        b.reviews[product_id] = REVIEWS
    return b


def committed_positions(c: Any) -> dict[tuple[str, str], int]:
    """The tracking rows as committed, read without taking the projector's write lock."""
    with c.store.read() as tx:
        rows = tx.all("SELECT projection, log, position FROM projection_tracking")
    return {(r[0], r[1]): int(r[2]) for r in rows}


def read_models_match_the_backlog(c: Any, b: Backlog) -> None:
    """Exact numbers: a lost event or one applied twice shows in stock, stats or counts."""
    from domain import ids

    for product_id in b.products:
        public = c.read.product(ids.encode("prod", product_id))
        aggregate = c.shop.catalog.product(product_id)
        assert {v["id"]: v["stock"] for v in public["variants"]} == {
            v: aggregate.stock_of(v) for v in aggregate.variants}
        assert public["rating"]["count"] == len(public["reviews"]) == b.reviews[product_id]
    for user_id in b.users:
        key = ids.encode("usr", user_id)
        profile = c.read.profile(key)
        assert profile["stats"]["ordersPlaced"] == b.orders_placed[user_id]
        assert round(profile["stats"]["totalSpent"] * 100) == b.spent_cents[user_id]
        assert profile["lastName"] == f"Crash{BULK - 1}"
        assert c.read.orders(key, None, 1, 100).pagination["totalItems"] == (
            b.orders_placed[user_id])
        cart = c.read.cart(key)
        assert [i["quantity"] for i in cart["items"]] == [b.cart_quantity[user_id]]


def test_a_projector_killed_mid_backlog_ends_exactly_like_a_rebuild(
        external_container: Any, projector: Projector) -> None:
    c = external_container
    backlog = produce_backlog(c)
    heads = {name: app.head() for name, app in (("accounts", c.accounts), ("shop", c.shop))}
    assert heads["shop"] + heads["accounts"] > 2000

    kills_mid_way = 0
    for _ in range(KILLS):
        before = committed_positions(c)
        projector.start()
        # Kill it as soon as it has committed anything: it is then in the middle of the rest.
        wait_until(lambda before=before: committed_positions(c) != before, 60,
                   lambda: "progress\n" + projector.output(), interval=0.002)
        projector.kill()
        if not caught_up(c):
            kills_mid_way += 1
    assert kills_mid_way >= 1, "the backlog was applied before any kill landed"

    projector.start()
    wait_until(lambda: caught_up(c), 120, lambda: "catching up\n" + projector.output())
    assert projector.stop() == 0, projector.output()

    recovered = dump(c)
    read_models_match_the_backlog(c, backlog)
    rebuild_online(c.runner)
    assert dump(c) == recovered


def _live(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The dump without a rebuild's shadow tracking rows (``<projection>__new``)."""
    return {table: [r for r in found if not (table == "projection_tracking"
                                            and str(r[0]).endswith("__new"))]
            for table, found in rows.items()}


def _shadow_rows(c: Any) -> int:
    """Rows in the users view's shadow table so far (-1: there is none)."""
    try:
        with c.store.read() as tx:
            found = tx.one("SELECT count(*) FROM rm_users__new")
    except Exception:  # no such table (yet, or any more)
        return -1
    return int(found[0]) if found else -1


def test_a_rebuild_killed_anywhere_leaves_the_views_serving_and_the_next_one_ends_the_same(
        external_container: Any, external_settings: Any, tmp_path: Any) -> None:
    """SIGKILL of ``tryon projections rebuild`` while it starts, once its shadow tables
    exist, and half-way through its replay (batches that do not wait for the WAL): the live
    views are untouched each time, and a rebuild run to the end gives exactly the views of
    before."""
    import signal
    import subprocess
    import time

    from projections.runner import ProjectionRunner

    c = external_container
    backlog = produce_backlog(c)
    ProjectionRunner(c.store, c.applications, c.runner.projections).catch_up()
    before = dump(c)
    cli = Projector(external_settings, tmp_path / "rebuild.log")
    env = {**cli.env(), "TRYON_REPLAY_BATCH": "20"}  # many small transactions to kill between
    command = [*cli.command(), "projections", "rebuild"]
    for moment in ("starting", "shadows made", "half-way"):
        with (tmp_path / "rebuild.log").open("ab") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        if moment == "starting":
            time.sleep(0.2)
        else:
            wanted = 0 if moment == "shadows made" else 2
            wait_until(lambda least=wanted: _shadow_rows(c) >= least, 60,
                       f"a rebuild {moment}", interval=0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        if moment == "half-way":
            assert 0 < _shadow_rows(c) < len(backlog.users)  # killed in the middle indeed
        assert _live(dump(c)) == _live(before)
    finished = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    assert dump(c) == before
    read_models_match_the_backlog(c, backlog)
