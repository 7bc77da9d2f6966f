"""`tryon serve --web-workers 2`: two HTTP processes on PostgreSQL answer one shop. Every
request on a new connection (so they spread over both processes) reads its own writes; a scan
asked through either process is carried out by the background work of the serving process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD, drop_schema, fresh_schema, postgres_available, shirt_body
from tests.integration.test_served_links import _free_port
from tests.waiting import wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYON_")}
    env.update(TRYON_DATA_DIR=str(tmp_path / "data"), TRYON_WORKER_PRELOAD="false",
               TRYON_ARGON2_TIME_COST="1", TRYON_ARGON2_MEMORY_KIB="1024",
               TRYON_SECRET_KEY="web-workers-" + "x" * 32, TRYON_RATE_LIMIT_ENABLED="false",
               TRYON_LOG_LEVEL="WARNING", PYTHONPATH=os.getcwd(), **more)
    return env


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def two_process_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable")
    from tests.conftest import POSTGRES_URL

    schema = fresh_schema()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli.main", "serve", "--port", str(port), "--no-seed",
         "--web-workers", "2"],
        env=_env(tmp_path, TRYON_DATABASE_URL=POSTGRES_URL, TRYON_DATABASE_SCHEMA=schema),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, 120)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=60)
        drop_schema(schema)


def _call(base: str, method: str, path: str, **kwargs: object) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=60) as fresh:  # a new connection every time
        return fresh.request(method, path, **kwargs)  # type: ignore[arg-type]


def test_two_http_processes_serve_one_shop_with_read_your_writes(
        two_process_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, process = two_process_server
    assert len(_children(process.pid)) >= 2  # uvicorn's two HTTP processes

    r = _call(base, "POST", "/v1/auth/register", json={
        "email": "ada@example.com", "password": PASSWORD, "firstName": "Ada",
        "lastName": "Lovelace"})
    assert r.status_code == 201, r.text
    h = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
    # An admin, made by the CLI the way an operator would.
    r = _call(base, "POST", "/v1/auth/register", json={
        "email": "root@example.com", "password": PASSWORD, "firstName": "Root",
        "lastName": "Admin"})
    admin = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
    granted = subprocess.run(
        [sys.executable, "-m", "adapters.cli.main", "users", "grant-role", "root@example.com",
         "admin"], env={**os.environ, **_server_env(process)},
        capture_output=True, text=True, timeout=120)
    assert granted.returncode == 0, granted.stderr
    r = _call(base, "POST", "/v1/admin/products", json=shirt_body(stock=100), headers=admin)
    assert r.status_code == 201, r.text
    product = r.json()["data"]
    variant = product["variants"][0]["id"]

    for n in range(1, 13):
        r = _call(base, "POST", "/v1/cart/items", headers=h, json={
            "productId": product["id"], "variantId": variant, "quantity": 1})
        assert r.status_code == 201, r.text
        cart = _call(base, "GET", "/v1/cart", headers=h).json()["data"]
        assert cart["itemCount"] == n  # whichever process answers, it has seen the add

    r = _call(base, "POST", "/v1/orders", headers={**h, "Idempotency-Key": "o-1"}, json={
        "shippingMethod": "standard", "shippingAddress": {
            "firstName": "Ada", "lastName": "Lovelace", "street": "1 Main St",
            "city": "London", "state": "LDN", "zipCode": "N1 9GU", "country": "GB"}})
    assert r.status_code == 201, r.text
    orders = [_call(base, "GET", "/v1/orders", headers=h).json()["data"] for _ in range(4)]
    assert all([o["id"] for o in found] == [r.json()["data"]["id"]] for found in orders)
    stock = _call(base, "GET", f"/v1/products/{product['id']}").json()["data"]["variants"][0]
    assert stock["stock"] == 100 - 12

    # A scan asked through an HTTP process is dispatched and run by the serving process.
    r = _call(base, "POST", "/v1/avatars/scans", headers=h, json={
        "scanType": "body_measurement", "userPreferences": {"height": 170, "weight": 65}})
    assert r.status_code == 202, r.text
    scan_id = r.json()["data"]["scanId"]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = _call(base, "GET", f"/v1/avatars/scans/{scan_id}", headers=h).json()["data"]
        if status["status"] in ("completed", "failed"):
            break
        time.sleep(1)
    assert status["status"] == "completed", status


def _server_env(process: subprocess.Popen[bytes]) -> dict[str, str]:
    """The TRYON_* settings the server runs with (for a CLI command on the same stores)."""
    raw = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
    pairs = (item.decode().split("=", 1) for item in raw if item.startswith(b"TRYON_"))
    return dict(pairs)


def test_several_web_workers_on_embedded_sqlite_are_refused_with_the_reason(
        tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli.main", "serve", "--no-seed", "--web-workers", "2"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "need PostgreSQL" in done.stderr
