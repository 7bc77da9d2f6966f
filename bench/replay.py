"""Replay: rebuilding every projection from a large, realistic history, against the raw read
rate of the same events.

For each backend (PostgreSQL on a fresh schema, SQLite files in a temporary directory) it

1. generates a history of at least ``--events`` events (default 1,000,000) over customers
   (registration, email check, sessions, an address), a catalog of products, carts, orders
   with their stock reservations and payments (most delivered, some cancelled), body scans
   and try-on renders with their progress stages, spread over 90 days. Events come from the
   real domain aggregates and the applications' own mappers (metadata, personal-data sealing
   and all), and are written with the applications' recorders in batches;
2. settles the tables as a log is when it is read (``settle``: statistics and hint bits on
   PostgreSQL, as autovacuum would leave them), then reads every event table with a plain
   ``SELECT`` (all columns, no decoding): the raw rate;
3. rebuilds every projection the way ``tryon projections rebuild`` does (``rebuild_online``:
   replay into fresh shadow tables, by one process and by ``--processes`` processes, then
   swap them in) and reports events per second (events in the logs / wall time).

Usage::

    .venv/bin/python bench/replay.py                    # full run, writes docs/benchmarks.md
    .venv/bin/python bench/replay.py --events 20000 --no-docs   # smoke run
    .venv/bin/python bench/replay.py --backends sqlite

Target: at least 50,000 events/s on PostgreSQL and at least a third of the raw read rate.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = os.environ.get("TRYON_TEST_POSTGRES_URL",
                             "postgresql://postgres@127.0.0.1:5432/test")
DOC = ROOT / "docs" / "benchmarks.md"
TARGET_RATE, TARGET_RATIO = 50_000, 1 / 3
DAYS = 90
BATCH = 5_000  # events per insert transaction
CATEGORIES = ("tops", "bottoms", "dresses", "outerwear", "shoes", "accessories")
SCAN_STAGES = ("image_analysis", "feature_detection", "mesh_generation", "texture_mapping",
               "optimization", "finalization")
RENDER_STAGES = ("asset_loading", "mesh_fitting", "texture_mapping", "lighting_setup",
                 "rendering", "optimization")


# -- a clock for the generated history ------------------------------------------------------------
class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def at(self, when: datetime) -> None:
        self.now = when


@contextmanager
def history_clock(clock: Clock) -> Iterator[None]:
    import eventsourcing.domain as es

    original = es.datetime_now_with_tzinfo
    es.datetime_now_with_tzinfo = clock
    try:
        yield
    finally:
        es.datetime_now_with_tzinfo = original


# -- writing events in bulk -----------------------------------------------------------------------
class Writer:
    """Collects aggregates' pending events per application and inserts them in batches."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = apps
        self.pending: dict[str, list[Any]] = {name: [] for name in apps}
        self.written = 0

    def add(self, log: str, *aggregates: Any) -> None:
        mapper = self.apps[log].mapper
        for aggregate in aggregates:
            self.pending[log].extend(mapper.to_stored_event(e)
                                     for e in aggregate.collect_events())
        if len(self.pending[log]) >= BATCH:
            self.flush(log)

    def flush(self, log: str | None = None) -> None:
        for name in [log] if log else list(self.pending):
            events = self.pending[name]
            if events:
                self.apps[name].recorder.insert_events(events)
                self.written += len(events)
                self.pending[name] = []

    @property
    def count(self) -> int:
        return self.written + sum(len(v) for v in self.pending.values())


def generate(container: Any, events: int, seed: int = 7) -> int:
    """Writes a realistic history of at least ``events`` events; returns how many."""
    from application.accounts import email_index_id
    from application.carts import cart_id_for
    from application.metadata import acting_as
    from application.payments import payment_id_for
    from domain import ids, pricing
    from domain.accounts import Address, EmailIndex, User
    from domain.avatars import Avatar
    from domain.cart import Cart, PricedProduct, ProductSnapshot
    from domain.catalog import Product
    from domain.money import Money
    from domain.ordering import Order, StoredLine
    from domain.payments import PaymentOrder
    from domain.renders import Render

    rng = random.Random(seed)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    clock = Clock(start)
    writer = Writer(container.applications)
    address = {"firstName": "Sam", "lastName": "Doe", "street": "1 Main St", "city": "Austin",
               "state": "TX", "zipCode": "73301", "country": "US", "phone": "+1-555-0100"}
    with history_clock(clock), acting_as(actor="system:bench", correlationId="replay"):
        products = []
        for n in range(400):
            product = Product(id=uuid.uuid4(), fields={
                "name": f"Product {n}", "brand": f"Brand {n % 37}",
                "category": CATEGORIES[n % len(CATEGORIES)], "currency": "USD",
                "tryonAvailable": True, "description": "A garment of the benchmark catalog"},
                price_cents=rng.randrange(1500, 25000), original_price_cents=None,
                free_shipping_cents=7500)
            for size in ("S", "M", "L"):
                product.add_variant(ids.new("var"), {"size": size, "color": "blue",
                                                     "stock": 1_000_000, "sku": f"S{n}{size}"})
            products.append(product)
        writer.add("shop", *products)

        user_no = 0
        while writer.count < events:
            user_no += 1
            clock.at(start + timedelta(seconds=rng.uniform(0, DAYS * 86400)))
            email = f"user{user_no}@bench.example.com"
            user = User(id=uuid.uuid4(), email=email, password_hash="$argon2id$bench",
                        first_name="Sam", last_name=f"Bench{user_no}")
            index = EmailIndex(id=email_index_id(email), user_id=user.id)
            user.verify_email()
            family = uuid.uuid4().hex
            user.start_session(family=family, token_id=uuid.uuid4().hex,
                               expires_at=clock.now + timedelta(days=7))
            for _ in range(rng.randrange(0, 3)):
                user.rotate_session(family=family, token_id=uuid.uuid4().hex,
                                    expires_at=clock.now + timedelta(days=7))
            user.add_address(ids.new("addr"), Address(
                first_name="Sam", last_name="Doe", street="1 Main St", city="Austin",
                state="TX", zip_code="73301", country="US", phone="+1-555-0100"), True)
            writer.add("accounts", user, index)

            # A scan, then a few try-ons.
            avatar = Avatar(id=uuid.uuid4(), user_id=user.id, name="Me",
                            scan_type="body_measurement", inputs={
                                "height": 170, "weight": 65, "bodyType": None, "gender": None,
                                "measurements": {}, "photos": []})
            avatar.start_scan(1)
            for step, stage in enumerate(SCAN_STAGES):
                avatar.report_progress(stage, 10 + 15 * step, stage.replace("_", " "))
            if rng.random() < 0.05:
                avatar.fail_scan("FIT_FAILED", "The measurements could not be fitted")
                writer.add("studio", avatar)
                continue
            avatar.complete_scan({"qualityScore": round(rng.uniform(0.55, 0.98), 3),
                                  "body": {"height": 170}, "polycount": 27420})
            tried = rng.sample(products, rng.randrange(1, 4))
            renders = []
            for product in tried:
                variant = next(iter(product.variants))
                render = Render(id=uuid.uuid4(), user_id=user.id, avatar_id=avatar.id,
                                product_id=product.id, variant_id=variant,
                                spec={"output": {"format": "png", "resolution": "1080p"}},
                                garment={"category": product.fields["category"]})
                render.start(1)
                for step, stage in enumerate(RENDER_STAGES):
                    render.report_progress(stage, 10 + 15 * step)
                render.complete({"key": f"renders/{render.id}.png", "width": 1920,
                                 "height": 1080, "ms": rng.randrange(800, 2500)})
                renders.append(render)
            writer.add("studio", avatar, *renders)

            # A cart; most check out.
            cart = Cart(id=cart_id_for(user.id), user_id=user.id)
            basket = tried + rng.sample(products, rng.randrange(0, 3))
            for product in basket:
                variant = next(iter(product.variants))
                cart.add_item(ids.new("cart_item"), PricedProduct(ProductSnapshot(
                    product_id=ids.encode("prod", product.id), name=product.name, image=None,
                    brand=product.brand), product.price, product.free_shipping_threshold),
                    variant, rng.randrange(1, 3), {})
            if rng.random() < 0.25 or not cart.items:
                writer.add("shop", cart)
                continue
            order_id = uuid.uuid4()
            lines, touched = [], {}
            items: list[StoredLine] = []
            for item_id, line in cart.items.items():
                product = next(p for p in basket
                               if ids.encode("prod", p.id) == line.product.product_id)
                product.reserve_stock(line.variant_id, line.quantity, order_id)
                touched[product.id] = product
                lines.append((product.price, line.quantity))
                items.append({"id": item_id, "product": {
                    "id": line.product.product_id, "name": product.name,
                    "price_cents": product.price.minor_units, "image": None,
                    "brand": product.brand}, "variantId": line.variant_id,
                    "size": "M", "color": "blue", "quantity": line.quantity.units})
            totals = pricing.price(lines, 0, "standard", Money(75_00, "USD"), "USD")
            order = Order(id=order_id, user_id=user.id, items=items, amounts={
                "subtotal": totals.subtotal.minor_units, "tax": totals.tax.minor_units,
                "shipping": totals.shipping.minor_units,
                "discount": totals.discount.minor_units,
                "total": totals.total.minor_units}, currency="USD",
                shipping_method="standard", shipping_address=address,
                billing_address=address, notes=None,
                estimated_delivery=(clock.now + timedelta(days=5)).date().isoformat(),
                coupon=None)
            cart.check_out(order_id=order_id)
            payment = PaymentOrder(id=payment_id_for(order_id), order_id=order_id,
                                   user_id=user.id, amount=totals.total.minor_units,
                                   currency="USD")
            transaction = ids.new("txn")
            payment.authorize(transaction, {"type": "card", "last4": "4242"})
            payment.verify(transaction, clock.now)
            order.record_payment(payment_order_id=payment.id, transaction_id=transaction,
                                 method={"type": "card", "last4": "4242"}, paid_at=clock.now)
            if rng.random() < 0.1:
                order.cancel("changed my mind")
                for order_line in order.lines:
                    product = next(p for p in touched.values()
                                   if ids.encode("prod", p.id) == order_line.product_id)
                    product.release_stock(variant_id=order_line.variant_id,
                                          quantity=order_line.quantity,
                                          order_id=order_id)
            else:
                order.confirm()
                order.ship(f"1Z{rng.randrange(10**9)}", "ups")
                order.deliver()
            writer.add("shop", cart, order, payment, *touched.values())
        writer.flush()
    return writer.count


# -- measuring ------------------------------------------------------------------------------------
def settle(container: Any) -> None:
    """Brings the freshly written logs to the state a log is read in: a million rows written
    seconds ago have no statistics and no hint bits yet on PostgreSQL, and autovacuum would
    process them in the middle of the measurements, on the same two cores. ``VACUUM ANALYZE``
    does now what autovacuum does soon after any bulk write; on SQLite, the WAL is checkpointed
    into the database files."""
    settings = container.settings
    for name in container.applications:
        if settings.uses_postgres:
            import psycopg

            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                conn.execute(f"VACUUM (ANALYZE) {settings.database_schema}.{name}_events")
        else:
            db = sqlite3.connect(settings.data_dir / f"{name}-events.sqlite")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()


def raw_read(container: Any) -> tuple[int, float]:
    """A plain SELECT of every column of every event table, rows fetched, nothing decoded."""
    settings = container.settings
    rows, began = 0, time.perf_counter()
    for name in container.applications:
        if settings.uses_postgres:
            import psycopg

            with psycopg.connect(settings.database_url) as conn, conn.cursor("raw") as cur:
                cur.itersize = 10_000
                cur.execute(f"SELECT notification_id, originator_id, originator_version, topic, "
                            f"state FROM {settings.database_schema}.{name}_events "
                            "ORDER BY notification_id")
                for _ in cur:
                    rows += 1
        else:
            db = sqlite3.connect(settings.data_dir / f"{name}-events.sqlite")
            for _ in db.execute("SELECT rowid, originator_id, originator_version, topic, "
                                "state FROM stored_events ORDER BY rowid"):
                rows += 1
            db.close()
    return rows, time.perf_counter() - began


def measure(backend: str, events: int, database_url: str, profile: bool,
            processes: Sequence[int] = (1, 2)) -> list[dict[str, Any]]:
    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="replay-"))
    schema = None
    values: dict[str, Any] = dict(data_dir=tmp / "data", secret_key="bench-" + "x" * 32,
                                  payment_secret="bench", log_level="WARNING")
    if backend == "postgres":
        import psycopg

        schema = "replay_" + uuid.uuid4().hex[:10]
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        values.update(database_url=database_url, database_schema=schema)
    from adapters.logging import configure_logging

    configure_logging("WARNING", True)
    container = bootstrap(Settings(**values), with_dispatcher=False)
    try:
        began = time.perf_counter()
        stored = generate(container, events)
        generated = time.perf_counter() - began
        settle(container)
        rows, raw_seconds = raw_read(container)
        assert rows == stored, (rows, stored)
        # The live system chained the events as they were committed; a rebuild leaves the
        # chain alone (it is evidence, not a view), so chain them before the clock starts.
        from projections.runner import ProjectionRunner

        chains = [p for p in container.runner.projections if not p.rebuilt_with_all]
        ProjectionRunner(container.store, container.applications, chains,
                         batch_size=BATCH).catch_up()
        from adapters.replay import ParallelReplay
        from projections.rebuild import rebuild_online

        runs = []
        for count in processes:
            replay = ParallelReplay(container, count)
            began = time.perf_counter()
            if profile and count == 1:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                rebuild_online(container.runner, None, None, replay)
                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
            else:
                rebuild_online(container.runner, None, None, replay)
            seconds = time.perf_counter() - began
            lag = container.runner.lag()
            assert all(v == 0 for k, v in lag.items()
                       if k != "audit_chain"), lag  # every view caught up
            runs.append({"backend": backend, "events": stored, "generate_s": generated,
                         "raw_rate": rows / raw_seconds, "processes": count,
                         "rebuild_s": seconds, "rebuild_rate": stored / seconds,
                         "projections": sum(1 for p in container.runner.projections
                                            if p.rebuilt_with_all)})
        return runs
    finally:
        container.close()
        if schema:
            import psycopg

            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
        shutil.rmtree(tmp, ignore_errors=True)


# -- reporting ------------------------------------------------------------------------------------
def report(results: list[dict[str, Any]]) -> str:
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "",
        "| backend | events | generate s | raw read ev/s | processes | rebuild s "
        "| rebuild ev/s | rebuild / raw |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['backend']} | {r['events']:,} | {r['generate_s']:.1f} | "
                     f"{r['raw_rate']:,.0f} | {r['processes']} | {r['rebuild_s']:.1f} | "
                     f"{r['rebuild_rate']:,.0f} | {r['rebuild_rate'] / r['raw_rate']:.2f} |")
    lines.append("")
    for r in results:
        ratio = r["rebuild_rate"] / r["raw_rate"]
        verdicts = [f"{'at or above' if ratio >= TARGET_RATIO else 'below'} a third of the raw "
                    "read rate"]
        if r["backend"] == "postgres":
            verdicts.insert(0, f"{'meets' if r['rebuild_rate'] >= TARGET_RATE else 'misses'} "
                               f"{TARGET_RATE:,} events/s")
        lines.append(f"- {r['backend']}, {r['processes']} process"
                     f"{'es' if r['processes'] > 1 else ''}: rebuild of {r['projections']} "
                     f"projections at {r['rebuild_rate']:,.0f} events/s, {ratio:.2f} of the raw "
                     f"read rate: {' and '.join(verdicts)}.")
    lines.append(f"\nTarget: at least {TARGET_RATE:,} events/s on PostgreSQL and at least a "
                 "third of the raw read rate.")
    return "\n".join(lines)


def write_doc(results: str, path: Path = DOC) -> None:
    """Replaces the measured block of the Replay section (between its results markers) and
    keeps the hand-written text around it; creates the section when missing."""
    from bench.report import write_section  # the repository root is on sys.path by now

    write_section("replay", "Replay", results, path)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=1_000_000,
                   help="events to generate per backend (at least)")
    p.add_argument("--backends", default="postgres,sqlite", help="comma-separated")
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--profile", action="store_true",
                   help="cProfile the one-process rebuild (stderr)")
    p.add_argument("--processes", default="1,2",
                   help="comma-separated process counts to rebuild with")
    args = p.parse_args(argv)
    args.backends = [b for b in str(args.backends).split(",") if b]
    args.processes = [int(n) for n in str(args.processes).split(",") if n]
    if set(args.backends) - {"postgres", "sqlite"}:
        p.error("backends: postgres, sqlite")
    if args.events < 1_000_000:
        args.no_docs = True  # only full-size runs are recorded
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    results = []
    for backend in args.backends:
        print(f"{backend}: generating {args.events:,} events...", file=sys.stderr)
        results.extend(measure(backend, args.events, args.database_url, args.profile,
                               args.processes))
    text = report(results)
    print(text)
    if not args.no_docs:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
