"""The stack spread over "machines" on one host: two API replicas, two workers, a projector and
a dispatcher as real processes, each in its own private directory (no shared filesystem),
sharing only PostgreSQL (a fresh schema), NATS JetStream (a stream prefix of their own) and an
S3 object store (a real SeaweedFS). A scan asked of replica A completes on a worker and its
GLB downloads through replica B; renders asked of A finish although a worker and replica A
are killed while they run, each exactly once, and download through B.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.pipeline import NATS_URL
from tests.conftest import POSTGRES_URL, drop_schema, fresh_schema, postgres_available
from tests.integration.seaweed import SeaweedS3, free_ports
from tests.integration.test_nats_pipeline import delete_streams, nats_available
from tests.integration.test_smtp_mailer import PASSWORD as RELAY_PASSWORD
from tests.integration.test_smtp_mailer import USER as RELAY_USER
from tests.integration.test_smtp_mailer import Inbox, relay
from tests.waiting import stop_all, wait_until

__all__ = ["relay"]  # a fixture, re-used

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.nats]

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "http://shop.test"  # the load balancer in front of the replicas
PASSWORD = "Str0ng!Pass"
TIMEOUT_S = 150.0
RENDER = {"output": {"resolution": "720p", "format": "png", "quality": "low"}}


@dataclass
class Node:
    name: str
    process: subprocess.Popen[bytes]
    home: Path  # the node's private directory: its data dir and working directory
    port: int | None = None

    @property
    def log(self) -> str:
        return (self.home / "node.log").read_text(errors="replace")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@dataclass
class Cluster:
    tmp: Path
    s3: dict[str, str]
    smtp_url: str
    schema: str
    prefix: str
    nodes: dict[str, Node] = field(default_factory=dict)

    def _env(self, home: Path, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYON_", "AWS_"))}
        env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", TRYON_DATA_DIR=str(home / "data"),
                   TRYON_NATS_URL=NATS_URL, TRYON_NATS_STREAM_PREFIX=self.prefix,
                   TRYON_LOG_LEVEL="INFO", TRYON_LOG_JSON="true", **self.s3, **extra)
        return env

    def backend_env(self, home: Path) -> dict[str, str]:
        """API replicas, projector, dispatcher: secrets are configuration, not files."""
        return self._env(home, TRYON_MODE="production", TRYON_SECRET_KEY="k" * 64,
                         TRYON_PAYMENT_SECRET="p" * 32, TRYON_DATABASE_URL=POSTGRES_URL,
                         TRYON_DATABASE_SCHEMA=self.schema, TRYON_BUS="nats",
                         TRYON_PROJECTIONS="external", TRYON_DISPATCHER="external",
                         TRYON_PUBLIC_URL=PUBLIC_URL, TRYON_SMTP_URL=self.smtp_url,
                         TRYON_ARGON2_TIME_COST="1",
                         TRYON_ARGON2_MEMORY_KIB="8192", TRYON_ARGON2_PARALLELISM="1")

    def worker_env(self, home: Path) -> dict[str, str]:
        """A worker: NATS and the object store, no database, no secret."""
        return self._env(home, TRYON_WORKER_ACK_WAIT_S="4", TRYON_WORKER_MAX_DELIVER="4",
                         TRYON_WORKER_THREADS="1")

    def start(self, name: str, args: list[str], worker: bool = False,
              port: int | None = None) -> Node:
        home = self.tmp / name
        home.mkdir()
        env = self.worker_env(home) if worker else self.backend_env(home)
        with open(home / "node.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "adapters.cli.main", *args],
                                       cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.nodes[name] = Node(name, process, home, port)
        return self.nodes[name]

    def start_api(self, name: str, seed: bool) -> Node:
        (port,) = free_ports(1)
        args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        node = self.start(name, args + ([] if seed else ["--no-seed"]), port=port)
        wait_until(lambda: _healthy(node), 60, f"{name} to serve", self.logs)
        return node

    def objects(self) -> list[str]:
        """Every object under the deployment's prefix, read straight from the store."""
        import boto3

        bucket, prefix = self.s3["TRYON_BLOB_URL"][len("s3://"):].split("/", 1)
        client = boto3.client("s3", endpoint_url=self.s3["TRYON_S3_ENDPOINT_URL"],
                              region_name=self.s3["TRYON_S3_REGION"],
                              aws_access_key_id=self.s3["TRYON_S3_ACCESS_KEY_ID"],
                              aws_secret_access_key=self.s3["TRYON_S3_SECRET_ACCESS_KEY"])
        answer = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
        return [o["Key"] for o in answer.get("Contents", [])]

    def logs(self) -> str:
        return "\n".join(f"--- {n.name} (exit {n.process.poll()})\n{n.log[-2500:]}"
                         for n in self.nodes.values())

    def stop(self) -> None:
        stop_all((node.process for node in self.nodes.values()), timeout=10)



def _healthy(node: Node) -> bool:
    if node.process.poll() is not None:
        raise AssertionError(f"{node.name} exited:\n{node.log[-3000:]}")
    try:
        return httpx.get(node.url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def assert_nothing_on_local_disks(cluster: Cluster) -> None:
    """Secrets are configuration, files are in the bucket, mail went to the relay."""
    for node in cluster.nodes.values():
        kept = [p.relative_to(node.home) for p in node.home.rglob("*")
                if p.name != "node.log" and not p.is_dir()]
        assert not kept, f"{node.name} keeps {kept} on its disk"


def _path(url: str) -> str:
    assert url.startswith(PUBLIC_URL + "/"), url
    return url[len(PUBLIC_URL):]


@pytest.fixture
def cluster(seaweed: SeaweedS3, relay: tuple[Inbox, int], tmp_path: Path
            ) -> Iterator[Cluster]:
    if not postgres_available() or not nats_available():
        if os.environ.get("TRYON_REQUIRE_POSTGRES") or os.environ.get("TRYON_REQUIRE_NATS"):
            pytest.fail("the multi-node test needs PostgreSQL and NATS")
        pytest.skip("PostgreSQL or NATS is not reachable")
    bucket = seaweed.create_bucket()
    schema = fresh_schema()
    prefix = "MN" + uuid.uuid4().hex[:8].upper()
    smtp = f"smtp://{RELAY_USER}:{RELAY_PASSWORD}@127.0.0.1:{relay[1]}"
    c = Cluster(tmp_path, seaweed.blob_env(bucket, "shop"), smtp, schema, prefix)
    try:
        yield c
    finally:
        c.stop()
        delete_streams(prefix)
        drop_schema(schema)


def test_a_scan_and_renders_cross_replicas_and_survive_a_replica_and_a_worker_killed(
        cluster: Cluster, relay: tuple[Inbox, int]) -> None:
    import trimesh

    from adapters.bootstrap import bootstrap
    from domain import ids
    from tests.conftest import make_settings

    began = time.monotonic()
    # Workers first (they load the render engine meanwhile); replica A alone creates the
    # schema's tables and seeds the catalog before the others open the database.
    workers = [cluster.start(f"worker-{n}", ["worker"], worker=True) for n in (1, 2)]
    a = cluster.start_api("api-a", seed=True)
    dispatcher = cluster.start("dispatcher", ["dispatcher"])
    b = cluster.start_api("api-b", seed=False)
    wait_until(lambda: "dispatcher: publishing" in dispatcher.log, 60, "the dispatcher",
               cluster.logs)
    # The projector last: a process that sets up the read-model tables while the projector
    # applies events can deadlock with it (projections/runner.py setup(); docs/deploy.md).
    cluster.start("projector", ["projector"])
    wait_until(lambda: all("worker.ready" in w.log for w in workers), 90, "the workers",
               cluster.logs)
    started = time.monotonic() - began
    assert_nothing_on_local_disks(cluster)

    http_a, http_b = httpx.Client(base_url=a.url, timeout=30), httpx.Client(base_url=b.url,
                                                                           timeout=30)
    # The projector has caught up with the seeded catalog: the read models are live.
    products = wait_until(lambda: http_b.get("/v1/products?limit=50").json()["data"], 60,
                          "the seeded catalog", cluster.logs)
    r = http_a.post("/v1/auth/register", json={"email": f"{uuid.uuid4().hex[:8]}@example.com",
                                               "password": PASSWORD, "firstName": "Ada",
                                               "lastName": "Multi"})
    assert r.status_code == 201, r.text
    h = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
    assert [m["To"] for m in relay[0].messages] == [r.json()["data"]["user"]["email"]]

    # A scan asked of replica A, done by a worker, its model downloaded through replica B.
    r = http_a.post("/v1/avatars/scans", headers=h, json={
        "scanType": "body_measurement", "name": "Me",
        "userPreferences": {"height": 170, "weight": 66, "gender": "female"}})
    assert r.status_code == 202, r.text
    scan_id = r.json()["data"]["scanId"]

    def scan_done() -> dict[str, Any] | None:
        body = http_b.get(f"/v1/avatars/scans/{scan_id}", headers=h).json()["data"]
        return body if body["status"] in ("completed", "failed") else None

    scan = wait_until(scan_done, TIMEOUT_S, "the scan", cluster.logs)
    assert scan["status"] == "completed", scan
    scanned = time.monotonic() - began
    avatar = http_b.get(f"/v1/avatars/{scan['avatarId']}", headers=h).json()["data"]
    glb = http_b.get(_path(avatar["model"]["url"]))
    assert glb.status_code == 200 and glb.content[:4] == b"glTF"
    mesh = trimesh.load(io.BytesIO(glb.content), file_type="glb", force="mesh")
    assert isinstance(mesh, trimesh.Trimesh)
    assert len(mesh.faces) == avatar["model"]["polycount"]

    # Renders asked of replica A (the same Idempotency-Key again on B if A does not answer).
    product = next(p for p in products if p["name"] == "Premium Cotton T-Shirt")
    variant = http_b.get(f"/v1/products/{product['id']}").json()["data"]["variants"][0]["id"]
    keys = [f"render-{n}-{uuid.uuid4().hex[:6]}" for n in range(3)]
    body = {"avatarId": avatar["id"], "productId": product["id"], "variantId": variant,
            **RENDER}
    renders: dict[str, str] = {}

    def ask(key: str) -> None:
        for client in (http_a, http_b):
            try:
                r = client.post("/v1/tryon/renders", headers={**h, "Idempotency-Key": key},
                                json=body)
            except httpx.HTTPError:
                continue  # replica A is gone: the load balancer's retry goes to B
            assert r.status_code == 202, r.text
            renders[key] = r.json()["data"]["renderId"]
            return
        raise AssertionError(f"no replica took {key}")

    for key in keys[:2]:
        ask(key)
    # Kill the worker that is running a render, and replica A, while both renders are in flight.
    def running(w: Node) -> bool:  # it took a command it has not finished (the scan's was)
        return w.log.count("worker.started") > w.log.count("worker.done")

    busy = wait_until(lambda: next((w for w in workers if running(w)), None),
                      60, "a worker to start a render", cluster.logs)
    busy.kill()
    a.kill()
    ask(keys[2])
    for key in keys[:2]:
        ask(key)  # retried on B with the same key: the same render, not a new one
    assert len(set(renders.values())) == 3

    def all_done() -> list[dict[str, Any]] | None:
        docs = [http_b.get(f"/v1/tryon/renders/{rid}", headers=h).json()["data"]
                for rid in renders.values()]
        return docs if all(d["status"] in ("completed", "failed") for d in docs) else None

    docs = wait_until(all_done, TIMEOUT_S, "the renders", cluster.logs)
    assert [d["status"] for d in docs] == ["completed"] * 3, docs
    for doc in docs:
        png = http_b.get(_path(doc["resultUrl"]))
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    listed = http_b.get("/v1/tryon/renders", headers=h).json()["data"]
    assert len(listed) == 3  # no render twice for a retried request

    # Each render completed once in the log, the killed worker's one included.
    settings = make_settings("postgres", cluster.tmp / "observer",
                             database_schema=cluster.schema, secret_key="k" * 64)
    observer = bootstrap(settings, with_dispatcher=False)
    try:
        for rid in renders.values():
            render_uuid = ids.decode("render", rid)
            assert render_uuid is not None
            names = [type(e).__name__ for e in observer.studio.repository.event_store.get(
                render_uuid)]
            assert names.count("Completed") == 1, names
    finally:
        observer.close()
    # Erasing the person (through B) removes their model, previews and renders from the bucket.
    assert len(people_objects(cluster)) >= 6
    r = http_b.request("DELETE", "/v1/users/me", headers=h, json={"password": PASSWORD})
    assert r.status_code == 204, r.text
    assert people_objects(cluster) == []
    assert http_b.get(_path(avatar["model"]["url"])).status_code == 404

    assert_nothing_on_local_disks(cluster)
    crashed = [n.name for n in cluster.nodes.values()
               if n not in (a, busy) and n.process.poll() is not None]
    assert not crashed, f"{crashed} exited\n{cluster.logs()}"
    print(f"\nmulti-node: processes up in {started:.1f}s, scan done at {scanned:.1f}s, "
          f"all done at {time.monotonic() - began:.1f}s (load {os.getloadavg()[0]:.1f})")


def people_objects(cluster: Any) -> list[str]:
    """The bucket's objects less the shop's own (the demo catalog's product photos)."""
    return [key for key in cluster.objects() if "/products/demo/" not in key]
