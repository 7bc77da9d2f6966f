"""Loyal customers are served as fast as new ones: command latency against a customer's age.

Builds, on a fresh schema of the real PostgreSQL server (or embedded SQLite with
``--backend sqlite``), one *loyal* customer with ``--checkouts`` earlier checkouts (add to cart,
place order) and ``--refreshes`` token refreshes, then times the same commands for that
customer and for *new* customers, alternating, in the same run:

* ``add-to-cart``  ``shop.carts.add_item``  (loads the customer's cart and the product)
* ``place-order``  ``shop.ordering.place``  (cart, products, new order: one atomic save)
* ``sign-in``      ``sessions.login``     (email index, user, password check, new session)
* ``refresh``      ``sessions.refresh``   (user, the session family, rotation)

The application commands are timed directly (no HTTP, no read-model wait): what grows with a
customer's history is what a command loads; the HTTP layer adds a constant. The target is the
loyal customer's median within 1.2x of the new customer's for every command.

Usage::

    .venv/bin/python bench/loyalty.py                          # 5,000 checkouts, 10,000 refreshes
    .venv/bin/python bench/loyalty.py --checkouts 200 --refreshes 400 --samples 20   # quick
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from domain.accounts import Address  # noqa: E402

POSTGRES_URL = os.environ.get("TRYON_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "Str0ng!Pass"
TARGET = 1.2
ADDRESS = Address(first_name="John", last_name="Doe", street="123 Main St", apartment="Apt 4B",
                  city="New York", state="NY", zip_code="10001", country="US",
                  phone="+1-555-0123")


class Customer:
    """A signed-up person with their current refresh token."""

    def __init__(self, container: Any) -> None:
        self.container = container
        self.email = f"{uuid.uuid4().hex[:12]}@example.com"
        signed = container.sessions.register(self.email, PASSWORD, "Ada", "Lovelace")
        self.user_id = signed.user_id
        self.refresh_token = signed.tokens.refresh_token

    def add_to_cart(self, product_id: uuid.UUID, variant: str) -> None:
        self.container.shop.carts.add_item(self.user_id, product_id, variant, 1, {})

    def place_order(self) -> None:
        self.container.shop.ordering.place(self.user_id, uuid.uuid4(), "standard", ADDRESS,
                                        ADDRESS, None)

    def sign_in(self) -> None:
        self.container.sessions.login(self.email, PASSWORD)

    def refresh(self) -> None:
        self.refresh_token = self.container.sessions.refresh(
            self.refresh_token).tokens.refresh_token


def build_container(backend: str, data_dir: Path) -> tuple[Any, Callable[[], None]]:
    import psycopg

    from adapters.bootstrap import bootstrap
    from adapters.settings import Settings

    values: dict[str, Any] = dict(
        data_dir=data_dir, argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1,
        secret_key="bench-secret-" + "x" * 32, payment_secret="bench-payment",
        log_json=True, log_level="WARNING", rate_limit_enabled=False,
        projections="external",  # nothing projects while commands are timed
    )
    schema = ""
    if backend == "postgres":
        schema = "bench_loyalty_" + uuid.uuid4().hex[:8]
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        values.update(database_url=POSTGRES_URL, database_schema=schema)
    container = bootstrap(Settings(**values), start_projections=False, with_dispatcher=False)

    def close() -> None:
        container.close()
        if schema:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")

    return container, close


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--checkouts", type=int, default=5000)
    parser.add_argument("--refreshes", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()

    from adapters.logging import configure_logging

    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        container, close = build_container(args.backend, Path(tmp))
        try:
            run(container, args)
        finally:
            close()


def run(container: Any, args: argparse.Namespace) -> None:
    shop = container.shop
    product_id, _ = shop.catalog.list_product(
        {"name": "Everyday Tee", "category": "tops", "currency": "USD"}, 1999, None, None,
        [{"size": "M", "stock": 10_000_000}])
    variant = next(iter(shop.catalog.product(product_id).variants))

    loyal = Customer(container)
    started = time.perf_counter()
    for n in range(args.checkouts):
        loyal.add_to_cart(product_id, variant)
        loyal.place_order()
        if n % 1000 == 999:
            print(f"  history: {n + 1:,} checkouts", file=sys.stderr)
    for n in range(args.refreshes):
        loyal.refresh()
        if n % 2000 == 1999:
            print(f"  history: {n + 1:,} refreshes", file=sys.stderr)
    history_s = time.perf_counter() - started

    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.samples):
        new = Customer(container)
        for who, person in (("new", new), ("loyal", loyal)):
            samples.setdefault(("add-to-cart", who), []).append(
                timed(partial(person.add_to_cart, product_id, variant)))
            samples.setdefault(("place-order", who), []).append(timed(person.place_order))
            samples.setdefault(("sign-in", who), []).append(timed(person.sign_in))
            samples.setdefault(("refresh", who), []).append(timed(person.refresh))

    load = os.getloadavg()
    print(f"\nLoyalty, {args.backend}, {args.checkouts:,} checkouts + {args.refreshes:,} "
          f"refreshes of history (built in {history_s:.0f} s), {args.samples} samples each; "
          f"{platform.node()}, {os.cpu_count()} cores, load {load[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d')}\n")
    print("| command | new p50 ms | loyal p50 ms | new p90 ms | loyal p90 ms | loyal/new |")
    print("|---|---:|---:|---:|---:|---:|")
    verdicts = []
    for command in ("add-to-cart", "place-order", "sign-in", "refresh"):
        new_s, loyal_s = samples[(command, "new")], samples[(command, "loyal")]
        p50n, p50l = statistics.median(new_s) * 1000, statistics.median(loyal_s) * 1000
        p90n = statistics.quantiles(new_s, n=10)[-1] * 1000
        p90l = statistics.quantiles(loyal_s, n=10)[-1] * 1000
        ratio = p50l / p50n
        verdicts.append(f"{command} {ratio:.2f}x ({'ok' if ratio <= TARGET else 'MISSED'})")
        print(f"| {command} | {p50n:.1f} | {p50l:.1f} | {p90n:.1f} | {p90l:.1f} | "
              f"{ratio:.2f}x |")
    print(f"\nTarget: loyal within {TARGET}x of new (medians): " + ", ".join(verdicts))


if __name__ == "__main__":
    main()
