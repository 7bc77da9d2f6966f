"""Flash sale: 32 buyers of one variant against 32 buyers of 32 different variants.

Each client loops add-to-cart -> place-order (the application commands, on a fresh schema of
the real PostgreSQL server) for ``--seconds``; every client is a new customer per checkout.
Four cells in one run: ``spread`` (each client buys its own product) and ``hot`` (all buy the
same variant), each with buyers taking turns per product and sharing saves (``turns``, what
the shop does: ``application/turns.py``) and racing on the product's version alone
(``race``, the baseline, as before turns existed).

Printed: checkouts/s, p50/p99 of a checkout (add + order), errors, and the
oversell check (units sold + units left == units stocked, never below zero). The target:
``hot`` at least 0.8 of ``spread``, 0 oversold, 0 errors.

Usage::

    .venv/bin/python bench/flash_sale.py                  # 32 clients, 20 s per cell
    .venv/bin/python bench/flash_sale.py --seconds 5      # quick
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.loyalty import ADDRESS, build_container  # noqa: E402

STOCK = 1_000_000
TARGET = 0.8


class Racing:
    """The baseline: every buyer decides and saves alone, racing on the product's version
    (the losers reload and decide again)."""

    def __init__(self, decide_all: Any) -> None:
        self.decide_all = decide_all

    def run(self, keys: Any, request: Any) -> Any:
        outcome = self.decide_all([request])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))] * 1000


def cell(container: Any, clients: int, seconds: float, hot: bool) -> dict[str, Any]:
    shop = container.shop
    products = []
    for n in range(1 if hot else clients):
        product_id, _ = shop.catalog.list_product(
            {"name": f"Sale item {n}", "category": "tops", "currency": "USD"}, 1999, None,
            None, [{"size": "M", "stock": STOCK}])
        products.append((product_id, next(iter(shop.catalog.product(product_id).variants))))
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def buyer(n: int) -> None:
        product_id, variant = products[n % len(products)]
        while time.perf_counter() < deadline:
            user_id = uuid.uuid4()
            start = time.perf_counter()
            try:
                shop.carts.add_item(user_id, product_id, variant, 1, {})
                shop.ordering.place(user_id, uuid.uuid4(), "standard", ADDRESS, ADDRESS, None)
            except Exception as error:  # noqa: BLE001 - counted and shown, never hidden
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(buyer, range(clients)))
    wall = time.perf_counter() - started
    sold = left = 0
    for product_id, variant in products:
        product = shop.catalog.product(product_id)
        left += product.variants[variant].stock
    sold = len(latencies)
    return {"ops": sold / wall, "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99), "errors": len(errors),
            "first_error": errors[0] if errors else "",
            "oversold": (sold + left != STOCK * len(products)) or left < 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    from adapters.logging import configure_logging

    configure_logging("WARNING")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        container, close = build_container(args.backend, Path(tmp))
        turns = container.shop.ordering.checkouts
        try:
            for mode in ("race", "turns"):
                container.shop.ordering.checkouts = (
                    turns if mode == "turns" else Racing(container.shop.ordering._place_orders))
                for hot in (False, True):
                    result = cell(container, args.clients, args.seconds, hot)
                    rows.append(("hot" if hot else "spread", mode, result))
        finally:
            close()

    load = os.getloadavg()
    print(f"\nFlash sale, {args.backend}, {args.clients} clients, {args.seconds:g} s per cell; "
          f"{platform.node()}, {os.cpu_count()} cores, load {load[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d')}\n")
    print("| buyers | mode | checkouts/s | p50 ms | p99 ms | errors | oversold |")
    print("|---|---|---:|---:|---:|---:|---|")
    for buyers, mode, r in rows:
        print(f"| {buyers} | {mode} | {r['ops']:.1f} | {r['p50']:.0f} | {r['p99']:.0f} | "
              f"{r['errors']} | {'YES' if r['oversold'] else 'no'} |")
    for _, _, r in rows:
        if r["first_error"]:
            print(f"first error: {r['first_error']}")
    by = {(b, m): r for b, m, r in rows}
    for mode in ("race", "turns"):
        share = by[("hot", mode)]["ops"] / by[("spread", mode)]["ops"]
        print(f"{mode}: hot/spread {share:.2f} "
              f"({'ok' if share >= TARGET else 'MISSED'}; target {TARGET})")


if __name__ == "__main__":
    main()
