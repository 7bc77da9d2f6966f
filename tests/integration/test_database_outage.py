"""PostgreSQL stopped and started under the API and the long-running processes, on a cluster
this module starts itself (never the machine's shared server).

- ``tryon projector`` and ``tryon dispatcher`` reconnect after AdminShutdown and carry on;
- while the database is down, requests get a fast ``503 SERVICE_UNAVAILABLE`` (ErrorResponse,
  ``Retry-After``), never a 500 and never a hang; ``/readyz`` answers 503 within 2 s; once it
  is back, the same API serves again without a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, People, make_settings, shirt_body
from tests.faults import OwnNats, OwnPostgres
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def own_pg() -> Iterator[OwnPostgres]:
    pg = OwnPostgres()
    pg.start()
    yield pg
    pg.close()



def outage_settings(pg: OwnPostgres, tmp_path: Path, **overrides: Any) -> Any:
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return make_settings("sqlite", tmp_path, database_url=pg.url, database_schema=schema,
                         **overrides)


def environment(settings: Any, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TRYON_DATABASE_URL": settings.database_url,
            "TRYON_DATABASE_SCHEMA": settings.database_schema,
            "TRYON_DATA_DIR": str(settings.data_dir), "TRYON_SECRET_KEY": settings.secret_key,
            "TRYON_PAYMENT_SECRET": settings.payment_secret, "TRYON_LOG_LEVEL": "INFO",
            "TRYON_PROJECTIONS": "external", **extra}


def tryon(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "adapters.cli.main", command], cwd=ROOT,
                            env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_projector_and_dispatcher_carry_on_after_a_database_restart(
        own_pg: OwnPostgres, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    nats = OwnNats()
    nats.start()
    settings = outage_settings(own_pg, tmp_path, projections="external",
                               read_your_writes_timeout_s=20.0)
    env = environment(settings, TRYON_BUS="nats", TRYON_NATS_URL=nats.url,
                      TRYON_NATS_STREAM_PREFIX="OUT" + uuid.uuid4().hex[:6].upper())
    projector = tryon("projector", env, tmp_path / "projector.log")
    dispatcher = tryon("dispatcher", env, tmp_path / "dispatcher.log")
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            people = People(client, container)
            people.register()  # 201: the projector applied it (read-your-writes)
            heartbeats = container.heartbeats
            wait_until(lambda: {"projector", "dispatcher"} <= set(heartbeats.newest()), 60,
                       "both processes' first heartbeats")

            own_pg.stop()  # every session gets AdminShutdown
            time.sleep(3)
            own_pg.start()

            person = wait_until(lambda: _register(client), 60, "a registration after the "
                                "restart, applied by the projector")
            assert person.status_code == 201, person.text
            assert projector.poll() is None, (tmp_path / "projector.log").read_text()[-3000:]
            assert dispatcher.poll() is None, (tmp_path / "dispatcher.log").read_text()[-3000:]
            restarted = time.time()
            wait_until(lambda: _beat_after(container, "dispatcher", restarted), 30,
                       "a dispatcher heartbeat after the restart")
    finally:
        stop(projector)
        stop(dispatcher)
        container.close()
        nats.close()


def _succeeded(response: Any) -> Any:
    return response if response.status_code < 300 else None


def _register(client: Any) -> Any:
    r = client.post("/v1/auth/register", json={
        "email": f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD,
        "firstName": "Ada", "lastName": "Lovelace"})
    return r if r.status_code == 201 else None


def _beat_after(container: Any, kind: str, moment: float) -> bool:
    try:
        age = container.heartbeats.newest().get(kind)
    except Exception:
        return False
    return age is not None and time.time() - age > moment


def test_with_the_database_down_requests_get_a_fast_503_and_recover_without_a_restart(
        own_pg: OwnPostgres, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    settings = outage_settings(own_pg, tmp_path)
    container = bootstrap(settings, start_projections=True)
    try:
        with TestClient(create_app(container)) as client:
            people = People(client, container)
            admin = people.with_role("admin")
            item = client.post("/v1/admin/products", json=shirt_body(),
                               headers=admin["headers"]).json()["data"]
            buyer = people.register()
            add = {"productId": item["id"], "variantId": item["variants"][0]["id"],
                   "quantity": 1}
            calls: list[Callable[[], Any]] = [
                lambda: client.get("/v1/products"),
                lambda: client.get(f"/v1/products/{item['id']}"),
                lambda: client.get("/v1/cart", headers=buyer["headers"]),
                lambda: client.post("/v1/cart/items", json=add, headers={
                    **buyer["headers"], "Idempotency-Key": uuid.uuid4().hex}),
                lambda: client.post("/v1/auth/login", json={"email": buyer["email"],
                                                            "password": PASSWORD}),
            ]
            assert all(call().status_code < 300 for call in calls)

            own_pg.stop()
            try:
                for _ in range(3):
                    for call in calls:
                        started = time.monotonic()
                        r = call()
                        took = time.monotonic() - started
                        assert r.status_code == 503, r.text
                        assert took <= 2.0, f"{r.request.url} took {took:.2f} s"
                        assert r.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
                        assert r.json()["success"] is False
                        assert int(r.headers["retry-after"]) >= 1
                started = time.monotonic()
                ready = client.get("/readyz")
                assert ready.status_code == 503 and time.monotonic() - started <= 2.0
                assert ready.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
            finally:
                own_pg.start()

            wait_until(lambda: client.get("/v1/products").status_code == 200, 30,
                       "the API serving again")
            for call in calls:
                def succeeded(c: Callable[[], Any] = call) -> Any:
                    return _succeeded(c())

                answer = wait_until(succeeded, 15, "each call succeeding again")
                assert answer.status_code < 300
            cart = client.get("/v1/cart", headers=buyer["headers"]).json()["data"]
            # One add before the outage, one after it: none of the refused ones ran.
            assert [i["quantity"] for i in cart["items"]] == [2]
    finally:
        container.close()
