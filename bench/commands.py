"""Command throughput and latency on PostgreSQL: the HTTP API against the library floor.

Four commands (register, add-to-cart, place-order, and checkout = add-to-cart then
place-order, the saturation figure), each with 1, 8 and 32 concurrent clients, along these
paths in the same run, on a fresh schema of the real PostgreSQL server:

* ``http``: the real server (``tryon serve`` in a subprocess: uvicorn + create_app + in-process
  projections, access logs on) driven by one keep-alive ``httpx.Client`` per client thread.
  Each request does everything a client gets: validation, auth, idempotency, the command,
  the read-model wait (read-your-writes) and the validated JSON response.
* ``http-2p``: the same server with ``--web-workers 2`` (two HTTP processes, one per core).
* ``direct``: the same application command called from the same number of threads in this
  process (``container.accounts.register``, ``container.shop.carts.add_item``,
  ``container.shop.ordering.place``): no HTTP, no read-model wait. No server is running
  while these cells run, so it takes no CPU from them.

Every operation works on its own fresh subject (a new email, a new user with an empty cart, a
new user whose cart holds one unit of a product of its own; for checkout, a new user and a
product of its own), so per-operation cost does not
grow along a cell and concurrent orders do not collide on one hot product. Password hashing
uses a light argon2 setting (time cost 1, 8 MiB) on both paths; subjects are prepared before
the cells with a precomputed hash.

Usage::

    .venv/bin/python bench/commands.py                 # full run, writes docs/benchmarks.md
    .venv/bin/python bench/commands.py --requests 400  # more requests per cell
    .venv/bin/python bench/commands.py --quick         # smoke run, writes nothing

``--web-workers 1`` measures the one-process server only. The table's ``ratio`` is direct
ops/s divided by HTTP ops/s at the same concurrency (how many
times slower the HTTP path is); the target is at most 2 at 32 clients.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = os.environ.get("TRYON_TEST_POSTGRES_URL",
                             "postgresql://postgres@127.0.0.1:5432/test")
COMMANDS = ("register", "add-to-cart", "place-order", "checkout")
CLIENTS = (1, 8, 32)
WEB_WORKERS = (1, 2)
PASSWORD = "Str0ng!Pass"
TARGET_RATIO = 2.0
DOC = ROOT / "docs" / "benchmarks.md"
ADDRESS = {"firstName": "John", "lastName": "Doe", "street": "123 Main St",
           "apartment": "Apt 4B", "city": "New York", "state": "NY", "zipCode": "10001",
           "country": "US", "phone": "+1-555-0123"}


# -- results -----------------------------------------------------------------------------------
@dataclass
class Cell:
    command: str
    clients: int
    path: str
    latencies: list[float] = field(default_factory=list)  # seconds, one per successful op
    wall: float = 0.0
    errors: int = 0
    first_error: str = ""

    @property
    def ops(self) -> float:
        return len(self.latencies) / self.wall if self.wall > 0 else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))] * 1000


def http_path(web_workers: int) -> str:
    """The path's name in the table: ``http`` for one server process, ``http-2p`` for two."""
    return "http" if web_workers == 1 else f"http-{web_workers}p"


def ratio(cells: Sequence[Cell], command: str, clients: int,
          path: str = "http") -> float | None:
    found = {c.path: c for c in cells if c.command == command and c.clients == clients}
    if path not in found or "direct" not in found or found[path].ops == 0:
        return None
    return found["direct"].ops / found[path].ops


def table(cells: Sequence[Cell]) -> str:
    lines = ["| command | clients | path | ops/s | p50 ms | p99 ms | errors | HTTP/direct |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]
    for cell in cells:
        r = (ratio(cells, cell.command, cell.clients, cell.path)
             if cell.path.startswith("http") else None)
        shown = "" if r is None else f"{r:.2f}x slower"
        lines.append(f"| {cell.command} | {cell.clients} | {cell.path} | {cell.ops:,.0f} | "
                     f"{cell.percentile(0.50):.1f} | {cell.percentile(0.99):.1f} | "
                     f"{cell.errors} | {shown} |")
    return "\n".join(lines)


def verdict(cells: Sequence[Cell], clients: int) -> str:
    parts = []
    paths = sorted({c.path for c in cells if c.path.startswith("http")})
    for command in COMMANDS:
        for path in paths:
            r = ratio(cells, command, clients, path)
            if r is not None:
                mark = "ok" if r <= TARGET_RATIO else "MISSED"
                parts.append(f"{command} {path} {r:.2f}x ({mark})")
    return (f"Target: HTTP within {TARGET_RATIO:g}x of direct at {clients} clients: "
            + (", ".join(parts) or "not measured"))


# -- machine -----------------------------------------------------------------------------------
def machine(database_url: str) -> dict[str, str]:
    import psycopg

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        date = subprocess.run(["date", "-u"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        date = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())
    try:
        cpus = subprocess.run(["nproc"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cpus = str(os.cpu_count())
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {"date": date, "cpus": cpus, "cpu": model, "load": _load(),
            "postgres": str(row[0]) if row else "unknown",
            "python": platform.python_version()}


# -- the system under test ---------------------------------------------------------------------
def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def fresh_schema(database_url: str) -> str:
    import psycopg

    name = "bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return name


def drop_schema(database_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def environment(database_url: str, schema: str, data_dir: Path, log_level: str) -> dict[str, str]:
    """The ``TRYON_*`` settings shared by this process and the server subprocess."""
    return {
        "TRYON_DATABASE_URL": database_url, "TRYON_DATABASE_SCHEMA": schema,
        "TRYON_DATA_DIR": str(data_dir), "TRYON_SECRET_KEY": "bench-secret-" + "x" * 32,
        "TRYON_PAYMENT_SECRET": "bench-payment-secret",
        "TRYON_ARGON2_TIME_COST": "1", "TRYON_ARGON2_MEMORY_KIB": "8192",
        # Every registration comes from 127.0.0.1: the per-address limits would refuse them.
        "TRYON_RATE_LIMIT_ENABLED": "false",
        "TRYON_LOG_LEVEL": log_level, "TRYON_LOG_JSON": "true",
    }


class _Precomputed:
    """A hasher that hashes once: the subjects are set up without paying argon2 each time."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.value = real.hash(PASSWORD)

    def hash(self, password: str) -> str:
        return str(self.value)

    def verify(self, password_hash: str, password: str) -> bool:
        return bool(self.real.verify(password_hash, password))


class Server:
    """``tryon serve`` in a subprocess on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], log_path: Path, web_workers: int = 1) -> None:
        self.env = {**os.environ, **env}
        self.web_workers = web_workers
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        import httpx

        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli.main", "serve", "--no-seed",
             "--host", "127.0.0.1", "--port", str(self.port),
             "--web-workers", str(self.web_workers)],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited:\n" + self.log_tail())
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not answer /healthz in time:\n" + self.log_tail())

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- subjects ----------------------------------------------------------------------------------
@dataclass
class Subject:
    """What one operation works on."""

    email: str = ""
    user_id: uuid.UUID | None = None
    headers: dict[str, str] = field(default_factory=dict)
    product_id: uuid.UUID | None = None
    variant_id: str = ""
    key: str = ""


class Fixtures:
    def __init__(self, container: Any, run: str, workers: int = 8) -> None:
        self.container = container
        self.run = run
        self.workers = workers
        self.shared: tuple[uuid.UUID, str] | None = None

    def product(self, stock: int) -> tuple[uuid.UUID, str]:
        from adapters.http.requests import ProductIn, cents

        body = ProductIn.model_validate({
            "name": "Premium Cotton T-Shirt", "description": "Cotton tee", "price": 49.99,
            "currency": "USD", "brand": "FashionBrand", "category": "tops",
            "subcategory": "shirts", "tryonAvailable": True,
            "images": [{"url": "https://cdn.example.com/p/front.jpg", "type": "front",
                        "resolution": "high"}],
            "variants": [{"size": "M", "color": "blue", "colorHex": "#2563EB", "stock": stock,
                          "sku": "TSH-" + uuid.uuid4().hex[:8]}],
        })
        fields = body.model_dump(mode="json", exclude_unset=True,
                                 exclude={"price", "originalPrice", "variants"})
        variants = [v.model_dump(exclude={"price"}) for v in body.variants]
        product_id, _ = self.container.shop.catalog.list_product(
            fields, cents(body.price) or 0, None, None, variants)
        product = self.container.shop.catalog.product(product_id)
        return product_id, next(iter(product.variants))

    def user(self, label: str) -> Subject:
        from domain import ids

        email = f"{label}-{uuid.uuid4().hex[:12]}@bench.example.com"
        user_id, _ = self.container.accounts.register(email, PASSWORD, "Ada", "Lovelace")
        token = self.container.tokens.issue(user_id, email).access_token
        assert ids.encode("usr", user_id)
        return Subject(email=email, user_id=user_id,
                       headers={"Authorization": f"Bearer {token}"})

    def prepare(self, command: str, path: str, count: int) -> list[Subject]:
        label = f"{self.run}-{command}-{path}"
        if command == "register":
            return [Subject(email=f"{label}-{i}-{uuid.uuid4().hex[:8]}@bench.example.com")
                    for i in range(count)]
        if command == "add-to-cart":
            if self.shared is None:
                self.shared = self.product(stock=1_000_000)
            product_id, variant_id = self.shared

            def cart_user(_: int) -> Subject:
                subject = self.user(label)
                subject.product_id, subject.variant_id = product_id, variant_id
                return subject

            return self._parallel(cart_user, count)

        def buyer(i: int) -> Subject:
            subject = self.user(label)
            subject.product_id, subject.variant_id = self.product(stock=10)
            if command == "place-order":  # a checkout puts the item in the cart itself
                self.container.shop.carts.add_item(subject.user_id, subject.product_id,
                                                   subject.variant_id, 1, {})
            subject.key = f"order-{i}-{uuid.uuid4().hex[:8]}"
            return subject

        return self._parallel(buyer, count)

    def _parallel(self, make: Callable[[int], Subject], count: int) -> list[Subject]:
        accounts = self.container.accounts
        real = accounts.hasher
        accounts.hasher = _Precomputed(real)
        try:
            with ThreadPoolExecutor(self.workers) as pool:
                return list(pool.map(make, range(count)))
        finally:
            accounts.hasher = real


# -- the operations ----------------------------------------------------------------------------
def direct_operation(container: Any, command: str) -> Callable[[Any, Subject], None]:
    from adapters.http.naming import in_domain_words
    from application.ordering import order_id_for
    from domain.accounts import Address

    shipping = Address(**in_domain_words(ADDRESS))
    billing = replace(shipping, phone=None)

    def register(_: Any, s: Subject) -> None:
        container.accounts.register(s.email, PASSWORD, "Ada", "Lovelace")

    def add_to_cart(_: Any, s: Subject) -> None:
        container.shop.carts.add_item(s.user_id, s.product_id, s.variant_id, 1, {})

    def place_order(_: Any, s: Subject) -> None:
        assert s.user_id is not None
        position = container.shop.ordering.place(s.user_id, order_id_for(s.user_id, s.key),
                                              "standard", shipping, billing, None)
        if position <= 0:
            raise RuntimeError("the order was not placed")

    def checkout(_: Any, s: Subject) -> None:
        add_to_cart(_, s)
        place_order(_, s)

    return {"register": register, "add-to-cart": add_to_cart, "place-order": place_order,
            "checkout": checkout}[command]


def http_operation(command: str) -> Callable[[Any, Subject], None]:
    from domain import ids

    def expect(response: Any, status: int) -> None:
        if response.status_code != status:
            raise RuntimeError(f"{response.status_code} {response.text[:300]}")

    def register(client: Any, s: Subject) -> None:
        expect(client.post("/v1/auth/register", json={
            "email": s.email, "password": PASSWORD, "firstName": "Ada",
            "lastName": "Lovelace"}), 201)

    def add_to_cart(client: Any, s: Subject) -> None:
        expect(client.post("/v1/cart/items", headers=s.headers, json={
            "productId": ids.encode("prod", s.product_id), "variantId": s.variant_id,
            "quantity": 1}), 201)

    def place_order(client: Any, s: Subject) -> None:
        expect(client.post("/v1/orders", headers={**s.headers, "Idempotency-Key": s.key},
                           json={"shippingAddress": ADDRESS, "shippingMethod": "standard"}), 201)

    def checkout(client: Any, s: Subject) -> None:
        add_to_cart(client, s)
        place_order(client, s)

    return {"register": register, "add-to-cart": add_to_cart, "place-order": place_order,
            "checkout": checkout}[command]


def run_cell(cell: Cell, subjects: list[Subject], operation: Callable[[Any, Subject], None],
             session: Callable[[], Any] | None = None) -> Cell:
    """``cell.clients`` threads take the subjects one by one; each keeps its own session
    (an HTTP connection) for the whole cell. The clock runs from the start barrier to the
    last completion."""
    lock = threading.Lock()
    nxt = iter(subjects)
    barrier = threading.Barrier(cell.clients + 1)
    finished: list[float] = []

    def client() -> None:
        own = session() if session is not None else None
        try:
            if own is not None:
                own.get("/healthz")  # open the keep-alive connection before the clock starts
            barrier.wait()
            while True:
                with lock:
                    subject = next(nxt, None)
                if subject is None:
                    break
                started = time.perf_counter()
                try:
                    operation(own, subject)
                except Exception as exc:  # counted and shown; the run goes on
                    with lock:
                        cell.errors += 1
                        cell.first_error = cell.first_error or f"{type(exc).__name__}: {exc}"
                else:
                    elapsed = time.perf_counter() - started
                    with lock:
                        cell.latencies.append(elapsed)
            with lock:
                finished.append(time.perf_counter())
        finally:
            if own is not None:
                own.close()

    threads = [threading.Thread(target=client, name=f"bench-{i}") for i in range(cell.clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    cell.wall = (max(finished) if finished else time.perf_counter()) - started
    return cell


# -- the run -----------------------------------------------------------------------------------
def benchmark(args: argparse.Namespace) -> tuple[list[Cell], dict[str, str]]:
    import httpx

    from adapters.bootstrap import bootstrap
    from adapters.logging import configure_logging
    from adapters.settings import Settings

    info = machine(args.database_url)
    schema = fresh_schema(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="tryon-bench-"))
    env = environment(args.database_url, schema, workdir / "data", args.server_log_level)
    settings = Settings.model_validate({k[len("TRYON_"):].lower(): v for k, v in env.items()})
    configure_logging("WARNING", True)
    container = bootstrap(settings)
    paths = ["direct"] + [http_path(n) for n in args.web_workers]
    servers: list[Server] = []
    run = uuid.uuid4().hex[:6]
    cells: list[Cell] = []
    try:
        fixtures = Fixtures(container, run)

        def say(text: str) -> None:
            if args.verbose:
                print(text, file=sys.stderr, flush=True)

        plan = [(command, clients) for command in args.commands for clients in args.clients]
        subjects: dict[tuple[str, int, str], list[Subject]] = {}
        started = time.perf_counter()
        for command, clients in plan:
            for path in paths:
                count = args.requests + args.warmup
                subjects[command, clients, path] = fixtures.prepare(command, path, count)
        say(f"subjects ready in {time.perf_counter() - started:.1f}s")

        # The direct path first, while no server runs: it gets the machine to itself.
        for command, clients in plan:
            operation = direct_operation(container, command)
            cell = Cell(command, clients, "direct")
            prepared = subjects[command, clients, "direct"]
            run_cell(Cell(command, clients, "direct"), prepared[:args.warmup], operation)
            cells.append(run_cell(cell, prepared[args.warmup:], operation))
            say(f"{command:12} {clients:3} direct {cell.ops:8.0f} ops/s")

        for web_workers in args.web_workers:  # one server at a time, alone on the machine
            path = http_path(web_workers)
            server = Server(env, workdir / f"server-{path}.log", web_workers)
            servers.append(server)
            started = time.perf_counter()
            server.start()  # it catches the read models up before it answers
            say(f"{path} server up on {server.url} in {time.perf_counter() - started:.1f}s")
            for command, clients in plan:
                operation = http_operation(command)
                prepared = subjects[command, clients, path]

                def session(url: str = server.url) -> Any:
                    return httpx.Client(base_url=url, timeout=60.0)

                run_cell(Cell(command, clients, path), prepared[:args.warmup], operation,
                         session)
                cell = run_cell(Cell(command, clients, path), prepared[args.warmup:],
                                operation, session)
                cells.append(cell)
                say(f"{command:12} {clients:3} {path:7} {cell.ops:8.0f} ops/s")
            server.stop()
    finally:
        for server in servers:
            server.stop()
        container.close()
        if not args.keep_schema:
            drop_schema(args.database_url, schema)
            shutil.rmtree(workdir, ignore_errors=True)
    order = {(c, n, p): i for i, (c, n, p) in enumerate(
        (c, n, p) for c in args.commands for n in args.clients for p in paths)}
    cells.sort(key=lambda c: order[c.command, c.clients, c.path])
    info["schema"] = schema
    info["load_after"] = _load()
    return cells, info


def report(cells: Sequence[Cell], info: dict[str, str], args: argparse.Namespace) -> str:
    lines = [
        f"Run: {info['date']}; {info['cpus']} CPU cores (`nproc`), {info['cpu']}; "
        f"PostgreSQL {info['postgres']}; Python {info['python']}.",
        f"{args.requests} requests per cell after {args.warmup} warm-up requests; "
        "argon2 time cost 1, 8 MiB; server access logs at "
        f"{args.server_log_level}. Load average (1/5/15 min) {info['load']} before, "
        f"{info['load_after']} after: other work on the machine skews the numbers.",
        "",
        table(cells),
        "",
        verdict(cells, max(args.clients)),
    ]
    failed = [c for c in cells if c.errors]
    for cell in failed:
        lines.append(f"\n{cell.command}/{cell.clients}/{cell.path}: {cell.errors} errors, "
                     f"first: {cell.first_error}")
    return "\n".join(lines)


def write_doc(results: str, path: Path = DOC) -> None:
    """Replaces the results block inside this benchmark's section (the hand-written analysis
    around it stays); creates the section, or the file, when missing."""
    from bench.report import write_section  # the repository root is on sys.path by now

    write_section("commands", "Commands", results, path)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--requests", type=int, default=300, help="measured requests per cell")
    p.add_argument("--warmup", type=int, default=None, help="warm-up requests per cell")
    p.add_argument("--clients", default=",".join(map(str, CLIENTS)),
                   help="comma-separated concurrency levels")
    p.add_argument("--commands", default=",".join(COMMANDS),
                   help="comma-separated subset of " + ", ".join(COMMANDS))
    p.add_argument("--quick", action="store_true",
                   help="smoke run: few requests, nothing written to docs/")
    p.add_argument("--web-workers", default=",".join(map(str, WEB_WORKERS)),
                   help="comma-separated HTTP process counts of the server, one run each")
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--server-log-level", default="INFO",
                   help="the server's log level (INFO: one JSON access log per request)")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--keep-schema", action="store_true",
                   help="keep the schema and the server's data directory for inspection")
    p.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    args = p.parse_args(argv)
    args.clients = [int(n) for n in str(args.clients).split(",") if n]
    args.commands = [c for c in str(args.commands).split(",") if c]
    args.web_workers = [int(n) for n in str(args.web_workers).split(",") if n]
    unknown = set(args.commands) - set(COMMANDS)
    if unknown:
        p.error(f"unknown commands: {', '.join(sorted(unknown))}")
    if args.quick:
        args.requests = min(args.requests, 16)
        args.no_docs = True
    if args.warmup is None:
        args.warmup = 2 if args.quick else 16
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    cells, info = benchmark(args)
    text = report(cells, info, args)
    print(text)
    if not args.no_docs:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")
    return 1 if any(c.errors for c in cells) else 0


if __name__ == "__main__":
    sys.exit(main())
