"""The full stack under steady load while PostgreSQL and then NATS are stopped for a while.

Everything runs as real processes on servers this scenario starts itself: its own PostgreSQL
cluster (initdb + pg_ctl on a free port) and its own NATS JetStream server, the API
(``tryon serve`` with ``TRYON_PROJECTIONS=external``, ``TRYON_DISPATCHER=external``,
``TRYON_BUS=nats``), ``tryon projector``, ``tryon dispatcher`` and a ``tryon worker``. A few
clients send reads and idempotent writes (cart adds and orders, each with its own
Idempotency-Key, retried with the same key after a 503) at a few requests a second.

What it checks (``Report.problems``): no 5xx but 503, every 503 within 2 s, no request
hanging, no process restarted or dead, every accepted command applied exactly once once the
outages are over (cart adds and orders counted through the API), and a rebuild of the read
models giving identical answers.

Run the full version (the issue's 60 s and 20 s) with
``python -m tests.integration.fullstack_faults --pg-down 60 --nats-down 20``; the CI test
(``test_full_stack_faults.py``) runs a shorter one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.faults import OwnNats, OwnPostgres, free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Str0ng!Pass"
ADDRESS = {"firstName": "John", "lastName": "Doe", "street": "123 Main St", "city": "New York",
           "state": "NY", "zipCode": "10001", "country": "US", "phone": "+1-555-0123"}
FAST_503_S = 2.0
HANG_S = 10.0  # the clients' own timeout: an answer later than this is a hang


@dataclass
class Answer:
    phase: str
    op: str
    status: int  # 0: no answer within HANG_S, -1: connection refused or reset
    seconds: float
    at: float
    detail: str = ""  # /readyz: the failing parts


@dataclass
class Report:
    pg_down_s: float
    nats_down_s: float
    answers: list[Answer] = field(default_factory=list)
    recovery_s: dict[str, float | None] = field(default_factory=dict)
    readiness: list[Answer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)

    def table(self) -> str:
        """Markdown: fault, duration, answers by status, slowest 503, recovery time."""
        rows = ["| phase | fault | duration | answers by status | slowest 503 | slowest "
                "answer | readyz during the phase | recovery |",
                "|---|---|---|---|---|---|---|---|"]
        faults = {"postgres down": ("PostgreSQL stopped (pg_ctl -m fast)", self.pg_down_s),
                  "nats down": ("NATS stopped (SIGTERM)", self.nats_down_s)}
        for phase in ("steady", "postgres down", "after postgres", "nats down", "after nats"):
            answers = [a for a in self.answers if a.phase == phase]
            if not answers:
                continue
            counts = Counter(a.status for a in answers)
            by_status = ", ".join(f"{s or 'hang'}: {n}" for s, n in sorted(counts.items()))
            slow_503 = max((a.seconds for a in answers if a.status == 503), default=None)
            ready = Counter(f"{a.status} ({a.detail})" if a.detail else str(a.status)
                            for a in self.readiness if a.phase == phase)
            fault, duration = faults.get(phase, ("none", None))
            recovery = self.recovery_s.get(phase)
            rows.append(
                f"| {phase} | {fault} | {f'{duration:g} s' if duration else '-'} | "
                f"{by_status} | {f'{slow_503:.2f} s' if slow_503 is not None else '-'} | "
                f"{max(a.seconds for a in answers):.2f} s | "
                f"{', '.join(f'{s}: {n}' for s, n in sorted(ready.items())) or '-'} | "
                f"{f'{recovery:.1f} s' if recovery is not None else '-'} |")
        return "\n".join(rows)


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pg = OwnPostgres()
        self.nats = OwnNats()
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ, "PYTHONPATH": str(ROOT), "TRYON_DATA_DIR": str(root / "data"),
            "TRYON_SECRET_KEY": "fault-secret-" + "x" * 32,
            "TRYON_PAYMENT_SECRET": "fault-payment-secret",
            "TRYON_ARGON2_TIME_COST": "1", "TRYON_ARGON2_MEMORY_KIB": "1024",
            "TRYON_ARGON2_PARALLELISM": "1", "TRYON_LOG_LEVEL": "WARNING",
            "TRYON_PROJECTIONS": "external", "TRYON_DISPATCHER": "external",
            "TRYON_BUS": "nats", "TRYON_WORKER_PRELOAD": "false",
            "TRYON_READ_YOUR_WRITES_TIMEOUT_S": "1.5", "TRYON_DB_POOL_TIMEOUT_S": "1",
            "TRYON_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "TRYON_REPLAY_PROCESSES": "1", "TRYON_RATE_LIMIT_ENABLED": "false",
        }

    def start(self) -> None:
        self.pg.start()
        self.nats.start()
        self.env["TRYON_DATABASE_URL"] = self.pg.url
        self.env["TRYON_NATS_URL"] = self.nats.url
        self.spawn("serve", "--host", "127.0.0.1", "--port", str(self.port))
        self.wait_http()
        for command in ("projector", "dispatcher", "worker"):
            self.spawn(command)

    def spawn(self, command: str, *args: str) -> None:
        log = open(self.root / f"{command}.log", "ab")  # noqa: SIM115 (the process's)
        self.processes[command] = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli.main", command, *args], cwd=ROOT,
            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_http(self, timeout: float = 180) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["serve"].poll() is not None:
                raise RuntimeError("the API exited:\n" + self.log("serve"))
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the API did not come up:\n" + self.log("serve"))

    def log(self, command: str) -> str:
        path = self.root / f"{command}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def rebuild(self) -> None:
        done = subprocess.run([sys.executable, "-m", "adapters.cli.main", "projections",
                               "rebuild"], cwd=ROOT, env=self.env, capture_output=True,
                              timeout=300)
        if done.returncode != 0:
            raise RuntimeError("rebuild failed: " + done.stderr.decode()[-3000:])

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.nats.close()
        self.pg.close()


class Shopper:
    """One client: reads, and cart adds and orders with Idempotency-Keys, a 503 retried with
    the same key (what a careful client does), until accepted."""

    def __init__(self, base: str, headers: dict[str, str], variants: list[tuple[str, str]],
                 record: Any) -> None:
        self.base, self.headers, self.variants, self.record = base, headers, variants, record
        self.added: set[str] = set()  # keys of accepted cart adds
        self.ordered: dict[str, str] = {}  # key of each accepted order -> order id
        self.pending: tuple[str, str, dict[str, Any]] | None = None  # (op, key, body)
        self.adds_since_order = 0
        self.scan_wanted = False  # set to request a body scan (the worker's work) next
        self.scans: list[str] = []  # scan ids of accepted scan requests

    def step(self, client: Any) -> None:
        if self.pending is None and self.scan_wanted:
            self.scan_wanted = False
            self.pending = ("scan", uuid.uuid4().hex, {
                "scanType": "body_measurement",
                "userPreferences": {"height": 175, "weight": 70}})
        if self.pending is None:
            roll = random.random()
            if roll < 0.45:
                op = random.choice(["products", "cart", "orders"])
                path = {"products": "/v1/products", "cart": "/v1/cart",
                        "orders": "/v1/orders"}[op]
                self.call(client, "GET", op, path)
                return
            if roll < 0.85 or self.adds_since_order == 0:
                product, variant = random.choice(self.variants)
                self.pending = ("add", uuid.uuid4().hex,
                                {"productId": product, "variantId": variant, "quantity": 1})
            else:
                self.pending = ("order", uuid.uuid4().hex, {"shippingAddress": ADDRESS})
        op, key, body = self.pending
        path = {"add": "/v1/cart/items", "order": "/v1/orders",
                "scan": "/v1/avatars/scans"}[op]
        r = self.call(client, "POST", op, path, body, key)
        if r is None or r.status_code == 503 or r.status_code == 0:
            return  # retried with the same key at the next step
        self.pending = None
        if r.status_code not in (200, 201, 202):
            return  # counted by the record; the command did not run
        if op == "add":
            self.added.add(key)
            self.adds_since_order += 1
        elif op == "scan":
            data = r.json()["data"]
            self.scans.append(data.get("scanId") or next(
                x["id"].replace("avatar_", "scan_") for x in data.get("recorded", [])
                if x["type"] == "avatar"))
        else:
            data = r.json()["data"]
            order_id = data.get("id") or next(
                (x["id"] for x in data.get("recorded", []) if x["type"] == "order"), "")
            self.ordered[key] = order_id
            self.adds_since_order = 0

    def call(self, client: Any, method: str, op: str, path: str,
             body: dict[str, Any] | None = None, key: str | None = None) -> Any:
        import httpx

        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        started = time.monotonic()
        try:
            r = client.request(method, self.base + path, json=body, headers=headers,
                               timeout=HANG_S)
            status = r.status_code
        except httpx.TimeoutException:
            r, status = None, 0
        except httpx.TransportError:
            r, status = None, -1
        self.record(op, status, time.monotonic() - started)
        return r


def run(pg_down_s: float, nats_down_s: float, root: Path, steady_s: float = 6.0,
        shoppers: int = 3, pause_s: float = 0.6, scans: int = 1) -> Report:
    """``scans``: body scans requested while NATS is down (each runs on the worker once it is
    back: the outbox, the broker and the worker's reports, end to end)."""
    import httpx

    report = Report(pg_down_s, nats_down_s)
    stack = Stack(root)
    phase = "setup"
    lock = threading.Lock()

    def record(op: str, status: int, seconds: float) -> None:
        with lock:
            report.answers.append(Answer(phase, op, status, seconds, time.monotonic()))

    try:
        stack.start()
        people = []
        with httpx.Client() as client:
            for _ in range(shoppers):
                r = _until_ok(lambda: client.post(stack.base + "/v1/auth/register", json={
                    "email": f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD,
                    "firstName": "Ada", "lastName": "Lovelace"}, timeout=30), 120)
                token = r.json()["data"]["tokens"]["accessToken"]
                people.append({"Authorization": f"Bearer {token}"})
            products = _until_ok(lambda: client.get(stack.base + "/v1/products?limit=100",
                                                    timeout=30), 120).json()["data"]
        variants = [(p["id"], v["id"]) for p in products for v in p["variants"]
                    if v.get("stock", 0) >= 10]
        if not variants:
            raise RuntimeError("no product with stock to buy")
        _until_ready(stack, 120)

        stop = threading.Event()
        clients = [Shopper(stack.base, h, variants, record) for h in people]

        def shop(shopper: Shopper) -> None:
            with httpx.Client() as client:
                while not stop.is_set():
                    shopper.step(client)
                    stop.wait(random.uniform(pause_s * 0.5, pause_s * 1.5))
                while shopper.pending is not None:  # finish what was started
                    shopper.step(client)
                    time.sleep(0.5)

        def watch_readiness() -> None:
            with httpx.Client() as client:
                while not stop.is_set():
                    started = time.monotonic()
                    detail = ""
                    try:
                        r = client.get(stack.base + "/readyz", timeout=HANG_S)
                        status = r.status_code
                        if status == 503:
                            detail = r.json()["error"]["message"].removeprefix("Not ready: ")
                    except httpx.TimeoutException:
                        status = 0
                    except httpx.TransportError:
                        status = -1
                    with lock:
                        report.readiness.append(Answer(phase, "readyz", status,
                                                       time.monotonic() - started,
                                                       time.monotonic(), detail))
                    stop.wait(1.0)

        threads = [threading.Thread(target=shop, args=(s,), daemon=True) for s in clients]
        threads.append(threading.Thread(target=watch_readiness, daemon=True))
        phase = "steady"
        for thread in threads:
            thread.start()
        time.sleep(steady_s)

        phase = "postgres down"
        stack.pg.stop()
        time.sleep(pg_down_s)
        phase = "after postgres"
        stack.pg.start()
        back = time.monotonic()
        report.recovery_s["after postgres"] = _recovery(report, lock, back, steady_s + 60)
        time.sleep(steady_s)

        phase = "nats down"
        stack.nats.stop()
        for shopper in clients[:scans]:
            shopper.scan_wanted = True
        time.sleep(nats_down_s)
        phase = "after nats"
        stack.nats.start()
        back = time.monotonic()
        report.recovery_s["after nats"] = _ready_again(report, lock, back, 90)
        time.sleep(steady_s)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

        dead = stack.dead()
        if dead:
            report.problems.append(f"processes ended: {dead}: "
                                   + "\n".join(stack.log(d) for d in dead))
        _until_ready(stack, 120)
        _check_answers(report)
        _check_exactly_once(stack, clients, report)
        _check_scans(stack, clients, report)
        before = _snapshot(stack, people)
        stack.rebuild()
        after = _snapshot(stack, people)
        if before != after:
            report.problems.append("a rebuild changed the answers")
        report.accepted = {"cart adds": sum(len(s.added) for s in clients),
                           "orders": sum(len(s.ordered) for s in clients),
                           "scans": sum(len(s.scans) for s in clients)}
    finally:
        stack.close()
    return report


def _until_ok(call: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = call()
            if r.status_code in (200, 201):
                return r
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise RuntimeError(f"no success: {r.status_code} {r.text[:300]}")
        time.sleep(0.5)


def _until_ready(stack: Stack, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            r = httpx.get(stack.base + "/readyz", timeout=5)
            if r.status_code == 200:
                return
            last = r.text
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise RuntimeError(f"not ready after {timeout} s: {last[:2000]}")


def _recovery(report: Report, lock: threading.Lock, since: float, timeout: float) -> float | None:
    """Seconds from the restart to the first accepted write after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            ok = [a.at for a in report.answers
                  if a.at > since and a.op in ("add", "order") and 200 <= a.status < 300]
        if ok:
            return min(ok) - since
        time.sleep(0.1)
    return None


def _ready_again(report: Report, lock: threading.Lock, since: float,
                 timeout: float) -> float | None:
    """Seconds from the restart to the first 200 of /readyz after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            ok = [a.at for a in report.readiness if a.at > since and a.status == 200]
        if ok:
            return min(ok) - since
        time.sleep(0.2)
    return None


def _check_answers(report: Report) -> None:
    for a in report.answers + report.readiness:
        if a.status == 0:
            report.problems.append(f"{a.op} hung (> {HANG_S} s) during {a.phase}")
        elif a.status == -1:
            report.problems.append(f"{a.op}: connection failed during {a.phase}")
        elif a.status == 503 and a.seconds > FAST_503_S:
            report.problems.append(f"{a.op}: 503 after {a.seconds:.2f} s during {a.phase}")
        elif a.status >= 500 and a.status != 503 or 400 <= a.status < 500:
            report.problems.append(f"{a.op}: {a.status} during {a.phase}")


def _check_exactly_once(stack: Stack, shoppers: list[Shopper], report: Report) -> None:
    """Every accepted cart add is in the cart or in exactly one order, every accepted order
    exists once."""
    import httpx

    for shopper in shoppers:
        orders = _all_orders(stack, shopper.headers)
        ids = [o["id"] for o in orders]
        if sorted(ids) != sorted(shopper.ordered.values()):
            report.problems.append(f"orders {sorted(ids)} != accepted "
                                   f"{sorted(shopper.ordered.values())}")
        ordered_units = 0
        for order_id in ids:
            detail = httpx.get(f"{stack.base}/v1/orders/{order_id}", headers=shopper.headers,
                               timeout=HANG_S).json()["data"]
            ordered_units += sum(int(i["quantity"]) for i in detail["items"])
        cart = httpx.get(stack.base + "/v1/cart", headers=shopper.headers,
                         timeout=HANG_S).json()["data"]
        in_cart = sum(int(i["quantity"]) for i in cart["items"])
        if ordered_units + in_cart != len(shopper.added):
            report.problems.append(
                f"{len(shopper.added)} accepted cart adds, but {ordered_units} units ordered "
                f"and {in_cart} in the cart")


def _check_scans(stack: Stack, shoppers: list[Shopper], report: Report,
                 timeout: float = 300.0) -> None:
    """Every scan accepted while NATS was down completes, with one completion event."""
    import httpx
    import psycopg

    from domain import ids

    for shopper in shoppers:
        for scan_id in shopper.scans:
            deadline = time.monotonic() + timeout
            status = ""
            while time.monotonic() < deadline:
                r = httpx.get(f"{stack.base}/v1/avatars/scans/{scan_id}",
                              headers=shopper.headers, timeout=HANG_S)
                status = r.json()["data"]["status"] if r.status_code == 200 else str(r.status_code)
                if status in ("completed", "failed"):
                    break
                time.sleep(1.0)
            if status != "completed":
                report.problems.append(f"scan {scan_id} ended {status!r}: "
                                       + stack.log("worker"))
                continue
            with psycopg.connect(stack.pg.url) as conn:
                row = conn.execute("SELECT count(*) FROM studio_events WHERE originator_id = %s "
                                   "AND topic LIKE %s",
                                   (ids.decode("scan", scan_id), "%ScanCompleted")).fetchone()
            if row is None or row[0] != 1:
                report.problems.append(f"scan {scan_id}: {row} completion events")


def _all_orders(stack: Stack, headers: dict[str, str]) -> list[dict[str, Any]]:
    import httpx

    found: list[dict[str, Any]] = []
    page = 1
    while True:
        r = httpx.get(f"{stack.base}/v1/orders?limit=100&page={page}", headers=headers,
                      timeout=HANG_S).json()
        found += r["data"]
        if page >= int(r["pagination"].get("totalPages", 1)):
            return found
        page += 1


def _snapshot(stack: Stack, people: list[dict[str, str]]) -> str:
    import httpx

    answers: dict[str, Any] = {"products": httpx.get(stack.base + "/v1/products?limit=100",
                                                     timeout=HANG_S).json()}
    for n, headers in enumerate(people):
        answers[f"cart{n}"] = httpx.get(stack.base + "/v1/cart", headers=headers,
                                        timeout=HANG_S).json()
        orders = _all_orders(stack, headers)
        answers[f"orders{n}"] = orders
        for order in orders:
            answers[order["id"]] = httpx.get(f"{stack.base}/v1/orders/{order['id']}",
                                             headers=headers, timeout=HANG_S).json()
    return json.dumps(answers, sort_keys=True)


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-down", type=float, default=60.0)
    parser.add_argument("--nats-down", type=float, default=20.0)
    parser.add_argument("--steady", type=float, default=10.0)
    parser.add_argument("--shoppers", type=int, default=3)
    parser.add_argument("--scans", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tryon-faults-"))
    started = time.time()
    report = run(args.pg_down, args.nats_down, root, steady_s=args.steady,
                 shoppers=args.shoppers, scans=args.scans)
    total = len(report.answers)
    print(f"\n{total} answers in {time.time() - started:.0f} s; accepted: {report.accepted}; "
          f"logs in {root}\n")
    print(report.table())
    print("\nproblems:" if report.problems else "\nno problems", *report.problems, sep="\n- ")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
