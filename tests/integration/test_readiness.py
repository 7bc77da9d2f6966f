"""``/readyz`` reports each part the API depends on, with details, and says 503 when one
fails: the event stores, the projections (lag, and the projector's heartbeat when it runs
apart), the broker (NATS), the dispatcher and the workers' heartbeats. Run against a NATS
server this test starts and stops itself, and real projector, dispatcher and worker
processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    POSTGRES_URL,
    drop_schema,
    fresh_schema,
    make_settings,
    postgres_available,
)
from tests.faults import OwnNats

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def wait_for_readiness(client: Any, condition: Callable[[int, dict[str, Any]], bool],
                       timeout: float, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        started = time.monotonic()
        r = client.get("/readyz")
        assert time.monotonic() - started <= 2.0, "readyz took more than 2 s"
        parts = r.json()["data"] if r.status_code == 200 else r.json()["error"]["details"]
        last = (r.status_code, parts)
        if condition(r.status_code, parts):
            return dict(parts)
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def test_readiness_reports_broker_projections_dispatcher_and_stale_workers(
        tmp_path: Path) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable")
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    nats = OwnNats()  # started later: the processes come up before their broker
    schema = fresh_schema()
    prefix = "RDY" + uuid.uuid4().hex[:6].upper()
    settings = make_settings("postgres", tmp_path, database_schema=schema,
                             projections="external", bus="nats", dispatcher="external",
                             nats_url=nats.url, nats_stream_prefix=prefix,
                             heartbeat_every_s=0.5, heartbeat_stale_s=4.0)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRYON_DATABASE_URL": POSTGRES_URL,
           "TRYON_DATABASE_SCHEMA": schema, "TRYON_DATA_DIR": str(settings.data_dir),
           "TRYON_SECRET_KEY": settings.secret_key, "TRYON_LOG_LEVEL": "WARNING",
           "TRYON_PAYMENT_SECRET": settings.payment_secret, "TRYON_PROJECTIONS": "external",
           "TRYON_BUS": "nats", "TRYON_NATS_URL": nats.url, "TRYON_NATS_STREAM_PREFIX": prefix,
           "TRYON_HEARTBEAT_EVERY_S": "0.5", "TRYON_WORKER_PRELOAD": "false"}
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(command: str) -> None:
        processes[command] = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli.main", command], cwd=ROOT, env=env,
            stdout=open(tmp_path / f"{command}.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT)

    container = bootstrap(settings)
    try:
        with TestClient(create_app(container)) as client:
            # Nothing but the API, and no broker: every missing part is named.
            parts = wait_for_readiness(client, lambda s, p: s == 503, 10, "a 503")
            assert parts["eventStore"]["status"] == "ok"
            assert parts["broker"]["status"] in ("unavailable", "timeout")
            assert parts["projections"]["status"] == "failing"
            assert "projector" in parts["projections"]["message"]
            assert parts["dispatcher"]["status"] == "failing"
            assert parts["workers"]["status"] in ("unavailable", "timeout")

            # The processes start while NATS is still down: they wait for it, none exits.
            for command in ("projector", "dispatcher", "worker"):
                start(command)
            time.sleep(8)
            assert [name for name, p in processes.items() if p.poll() is not None] == []
            nats.start()
            parts = wait_for_readiness(client, lambda s, p: s == 200, 90, "ready")
            assert parts["projections"]["lag"] and parts["workers"]["fresh"] == 1
            assert set(parts) >= {"eventStore", "projections", "broker", "dispatcher",
                                  "workers"}

            # A killed worker's heartbeat goes stale: reported by name, not ready. (A busy
            # machine may first answer a check's "timeout": a 503 too, but not the report
            # waited for.)
            processes["worker"].send_signal(signal.SIGKILL)
            # (and another part may answer 503 first while the worker still counts as fresh)
            parts = wait_for_readiness(
                client, lambda s, p: s == 503 and p.get("workers", {}).get("stale", 0) >= 1,
                20, "a stale worker")
            assert parts["workers"]["stale"] == 1 and parts["workers"]["fresh"] == 0
            assert parts["workers"]["workers"][0]["stale"] is True
            start("worker")
            wait_for_readiness(client, lambda s, p: s == 200, 60, "ready again")

            # Projector killed while events keep coming: its heartbeat and the lag say so.
            processes["projector"].send_signal(signal.SIGKILL)
            for _ in range(3):
                client.post("/v1/auth/register", json={
                    "email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "Str0ng!Pass",
                    "firstName": "Ada", "lastName": "Lovelace"})
            parts = wait_for_readiness(
                client, lambda s, p: s == 503 and p["projections"]["status"] == "failing",
                20, "the projector reported missing")
            assert parts["projections"]["lag"]["users"] >= 3
            start("projector")
            wait_for_readiness(client, lambda s, p: s == 200, 60, "ready again")

            # The broker down: 503 within 2 s, the broker named.
            nats.stop()
            parts = wait_for_readiness(client, lambda s, p: s == 503, 10, "broker down")
            assert parts["broker"]["status"] in ("unavailable", "timeout")
            nats.start()
            wait_for_readiness(client, lambda s, p: s == 200, 60, "ready after NATS is back")
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        container.close()
        nats.close()
        drop_schema(schema)
