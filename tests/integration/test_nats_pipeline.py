"""Try-on renders through the real NATS JetStream of this machine and `tryon worker` processes:
delivery once per command, redelivery after a crash, the delivery bound, cancellation; and the
same scenarios through the embedded in-process bus where they apply.

Streams are unique per stack (a prefix of their own). Tests that kill workers or need an empty
queue get a stack each; the others share one stack with two workers and follow their own
renders by id. A scanned avatar is prepared directly (its scan completed with a fixed body) so
that the tests pay for renders only.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image

from bench.pipeline import BODY, NATS_URL, SPEC, t_shirt
from tests.conftest import drop_schema, make_settings, postgres_available, shirt_body
from tests.waiting import stop_all, wait_until

ROOT = Path(__file__).resolve().parents[2]
# Long enough that a worker busy in Python-heavy render code (its in-progress beats wait for
# the interpreter) keeps its delivery on a loaded two-core machine; a killed worker's render
# still comes back after this.
ACK_WAIT_S = 8.0
MAX_DELIVER = 2
RENDER_TIMEOUT_S = 240.0


def nats_available() -> bool:
    async def probe() -> None:
        import nats

        nc = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0,
                                allow_reconnect=False)
        await nc.jetstream().account_info()
        await nc.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), 5))
        return True
    except Exception:
        return False


@pytest.fixture(scope="module")
def nats_up() -> None:
    if not nats_available():
        if os.environ.get("TRYON_REQUIRE_NATS"):
            pytest.fail("NATS JetStream is required (TRYON_REQUIRE_NATS) but not reachable")
        pytest.skip("NATS JetStream is not reachable")


class Tap:
    """A plain NATS subscription on the stack's subjects: sees every message published,
    duplicates included (JetStream drops those only when storing them)."""

    def __init__(self, subject: str) -> None:
        from adapters.bus.jetstream import LoopThread

        self.messages: list[dict[str, Any]] = []
        self._loop = LoopThread("tap")
        self._lock = threading.Lock()
        self._nc = self._loop.run(self._subscribe(subject))

    async def _subscribe(self, subject: str) -> Any:
        import nats

        nc = await nats.connect(NATS_URL)

        async def on_message(msg: Any) -> None:
            with self._lock:
                self.messages.append(json.loads(msg.data))

        await nc.subscribe(subject, cb=on_message)
        await nc.flush()
        return nc

    def of(self, command_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m.get("commandId") == command_id
                    and (kind is None or m.get("type") == kind)]

    def close(self) -> None:
        self._loop.run(self._nc.close())
        self._loop.stop()


def delete_streams(prefix: str) -> None:
    from adapters.bus.jetstream import delete_streams as delete

    delete(NATS_URL, prefix)



class Stack:
    """The backend (API, projections, dispatcher, report consumer) in this process, on a bus;
    workers as `tryon worker` processes (NATS) or the embedded one (in-process)."""

    def __init__(self, tmp_path: Path, bus: str, backend: str = "sqlite",
                 **overrides: Any) -> None:
        from fastapi.testclient import TestClient

        from adapters.bootstrap import bootstrap
        from adapters.http.app import create_app
        from tests.conftest import People

        self.tmp_path = tmp_path
        self.bus_kind = bus
        self.prefix = "T" + uuid.uuid4().hex[:12].upper()
        self.settings = make_settings(
            backend, tmp_path, bus=bus, nats_url=NATS_URL, nats_stream_prefix=self.prefix,
            worker_ack_wait_s=ACK_WAIT_S, worker_max_deliver=MAX_DELIVER, **overrides)
        self.container = bootstrap(self.settings)
        self.client = TestClient(create_app(self.container)).__enter__()
        self.people = People(self.client, self.container)
        self.workers: list[subprocess.Popen[bytes]] = []
        self._reports: Tap | None = None
        self._commands: Tap | None = None
        if bus == "nats":
            self._reports = Tap(f"{self.prefix.lower()}.reports.>")
            self._commands = Tap(f"{self.prefix.lower()}.commands.>")
        self.ada = self.people.register()
        admin = self.people.with_role("admin")
        r = self.client.post("/v1/admin/products", json=shirt_body(), headers=admin["headers"])
        assert r.status_code == 201, r.text
        self.shirt = r.json()["data"]
        self.avatar_id = self._scanned_avatar()
        self.container.start_background()

    @property
    def reports(self) -> Tap:
        """The workers' reports seen on NATS (a NATS stack's only)."""
        assert self._reports is not None, "an in-process stack has no NATS taps"
        return self._reports

    @property
    def commands(self) -> Tap:
        """The commands seen on NATS (a NATS stack's only)."""
        assert self._commands is not None, "an in-process stack has no NATS taps"
        return self._commands

    def _scanned_avatar(self) -> str:
        """An avatar whose scan completed (recorded as a worker would report it); its scan
        command is not sent, so that the workers only see renders."""
        r = self.client.post("/v1/avatars/scans", headers=self.ada["headers"], json={
            "scanType": "body_measurement", "userPreferences": {"height": 175, "weight": 70}})
        assert r.status_code == 202, r.text
        scan_id = r.json()["data"]["scanId"]
        self.container.studio.apply_report({
            "kind": "scan", "commandId": "test", "scanId": scan_id, "type": "completed",
            "result": {"body": BODY, "measurements": {"height": 175.0}, "qualityScore": 0.9}})
        # As if the dispatcher had sent the scan command and a worker had done it.
        assert self.container.dispatcher is not None
        self.container.dispatcher._record(self.container.studio.recorder.max_notification_id()
                                          or 0)
        return str(scan_id).replace("scan_", "avatar_")

    # -- workers ---------------------------------------------------------------------------------
    def environment(self, **extra: str) -> dict[str, str]:
        """What a worker gets: NATS and the blob directory, nothing of the database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRYON_")}
        env.update(TRYON_DATA_DIR=str(self.settings.data_dir), TRYON_NATS_URL=NATS_URL,
                   TRYON_NATS_STREAM_PREFIX=self.prefix, TRYON_BUS="nats",
                   TRYON_WORKER_ACK_WAIT_S=str(ACK_WAIT_S),
                   TRYON_WORKER_MAX_DELIVER=str(MAX_DELIVER), TRYON_LOG_LEVEL="INFO",
                   PYTHONUNBUFFERED="1", **extra)
        return env

    def start_dispatcher(self) -> subprocess.Popen[bytes]:
        """`tryon dispatcher` on the same database, as in the compose file."""
        s = self.settings
        env = self.environment(TRYON_DATABASE_URL=s.database_url,
                               TRYON_DATABASE_SCHEMA=s.database_schema,
                               TRYON_SECRET_KEY=s.secret_key,
                               TRYON_PAYMENT_SECRET=s.payment_secret,
                               TRYON_PROJECTIONS="external", TRYON_DISPATCHER="external")
        log = open(self.tmp_path / f"worker-{len(self.workers)}-dispatcher.log",  # noqa: SIM115
                   "wb")
        proc = subprocess.Popen([sys.executable, "-m", "adapters.cli.main", "dispatcher"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def start_worker(self, **extra_env: str) -> subprocess.Popen[bytes]:
        env = self.environment(**extra_env)
        log = open(self.tmp_path / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "adapters.cli.main", "worker"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def worker_logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-4000:]
                         for p in sorted(self.tmp_path.glob("worker-*.log")))

    # -- renders ---------------------------------------------------------------------------------
    def request_render(self, **spec: Any) -> str:
        r = self.client.post("/v1/tryon/renders", headers=self.ada["headers"], json={
            "avatarId": self.avatar_id, "productId": self.shirt["id"],
            "variantId": self.shirt["variants"][0]["id"], **(spec or SPEC)})
        assert r.status_code == 202, r.text
        return str(r.json()["data"]["renderId"])

    def broken_render(self, **garment: Any) -> str:
        """A render recorded with inputs the API would never build (a worker must cope)."""
        from domain import ids
        from domain.renders import Render

        render_id = uuid.uuid4()
        user_id = ids.decode("usr", self.ada["id"])
        avatar_id = ids.decode("avatar", self.avatar_id)
        product_id = ids.decode("prod", self.shirt["id"])
        assert user_id is not None and avatar_id is not None and product_id is not None
        good = {**t_shirt().as_engine_input(), "body": BODY}
        self.container.studio.record(Render(
            id=render_id, user_id=user_id, avatar_id=avatar_id, product_id=product_id,
            variant_id=self.shirt["variants"][0]["id"], spec=dict(SPEC),
            garment={k: v for k, v in {**good, **garment}.items() if v is not None}))
        return ids.encode("render", render_id)

    def status(self, render_id: str) -> dict[str, Any]:
        r = self.client.get(f"/v1/tryon/renders/{render_id}", headers=self.ada["headers"])
        assert r.status_code == 200, r.text
        return dict(r.json()["data"])

    def wait_finished(self, render_id: str, timeout: float = RENDER_TIMEOUT_S
                      ) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            status = self.status(render_id)
            return status if status["status"] in ("completed", "failed", "cancelled") else None

        return dict(wait_until(finished, timeout, f"render {render_id} to finish",
                               self.worker_logs))

    def events(self, render_id: str) -> list[Any]:
        from domain import ids

        decoded = ids.decode("render", render_id)
        assert decoded is not None
        return list(self.container.studio.repository.event_store.get(decoded))

    def count(self, render_id: str, name: str) -> int:
        return sum(type(e).__name__ == name for e in self.events(render_id))

    def close(self) -> None:
        stop_all(self.workers, timeout=10)
        self.client.__exit__(None, None, None)
        self.container.close()
        for tap in (self._reports, self._commands):
            if tap is not None:
                tap.close()
        if self.bus_kind == "nats":
            delete_streams(self.prefix)
        if self.settings.database_schema:
            drop_schema(self.settings.database_schema)


def command_id(render_id: str) -> str:
    from domain import ids

    return f"render:{ids.decode('render', render_id)}"


@pytest.fixture
def nats_stack(nats_up: None, tmp_path: Path) -> Iterator[Stack]:
    """A stack of its own, for tests that kill workers or need an empty queue."""
    stack = Stack(tmp_path, "nats")
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def shared(nats_up: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack with two `tryon worker` processes on one queue, for the tests that only
    request renders (each test follows its own renders by id)."""
    stack = Stack(tmp_path_factory.mktemp("shared"), "nats")
    stack.start_worker()
    stack.start_worker()
    yield stack
    stack.close()


@contextmanager
def dispatcher_paused(stack: Stack) -> Iterator[None]:
    """Stops the stack's dispatcher thread, and starts a new one after (like a restart)."""
    from adapters.dispatcher import Dispatcher

    ctr = stack.container
    assert ctr.dispatcher is not None
    ctr.dispatcher.stop()
    try:
        yield
    finally:
        assert ctr.bus is not None
        ctr.dispatcher = Dispatcher(ctr.studio, ctr.bus, ctr.store)
        ctr.dispatcher.start()


@pytest.fixture
def embedded_stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(tmp_path, "in-process")
    yield stack
    stack.close()


def image_of(stack: Stack, status: dict[str, Any]) -> Image.Image:
    path = status["resultUrl"].split("://", 1)[1].split("/", 1)[1]
    served = stack.client.get("/" + path)
    assert served.status_code == 200
    return Image.open(io.BytesIO(served.content))


# -- through NATS JetStream and `tryon worker` ----------------------------------------------------
nats_test = pytest.mark.nats


@nats_test
def test_a_render_completes_through_a_worker_process_with_one_completion_event(
        shared: Stack) -> None:
    render_id = shared.request_render(output={"resolution": "720p", "format": "png",
                                              "quality": "low", "background": "transparent"})
    status = shared.wait_finished(render_id)
    assert status["status"] == "completed", status
    image = image_of(shared, status)
    assert image.format == "PNG" and image.mode == "RGBA"
    assert image.size == (720, 1280)  # 720p is portrait: 720 x 1280
    corners = [(0, 0), (719, 0), (0, 1279), (719, 1279)]
    assert [cast(tuple[int, ...], image.getpixel(c))[3] for c in corners] == [0, 0, 0, 0]
    assert shared.count(render_id, "Completed") == 1
    started = shared.reports.of(command_id(render_id), "started")
    assert [r["attempt"] for r in started] == [1]


@nats_test
def test_the_render_event_stream_shows_every_stage_in_order(shared: Stack) -> None:
    from domain.renders import RENDER_STAGES

    render_id = shared.request_render()
    with shared.client.stream("GET", f"/v1/tryon/renders/{render_id}/events",
                              headers=shared.ada["headers"]) as r:
        text = "".join(r.iter_text())
    updates = [json.loads(line[len("data: "):]) for block in text.split("\n\n")
               for line in block.splitlines() if line.startswith("data: ")
               and "event: status" in block]
    stages = [u["stage"] for u in updates if "stage" in u]
    assert stages[0] == "queued" and updates[-1]["status"] == "completed", updates
    order = [RENDER_STAGES.index(s) for s in stages]
    assert order == sorted(order), stages
    assert set(RENDER_STAGES) <= set(stages)
    assert "event: result" in text


@nats_test
def test_a_dispatcher_that_crashes_between_publish_and_record_does_not_run_a_render_twice(
        shared: Stack) -> None:
    from adapters.dispatcher import Dispatcher

    ctr = shared.container
    assert ctr.bus is not None
    with dispatcher_paused(shared):
        crashing = Dispatcher(ctr.studio, ctr.bus, ctr.store)

        def crash(position: int) -> None:
            raise RuntimeError("the dispatcher died before recording its position")

        crashing._record = crash  # type: ignore[method-assign]
        render_id = shared.request_render()
        with pytest.raises(RuntimeError):
            crashing.dispatch_pending()
        restarted = Dispatcher(ctr.studio, ctr.bus, ctr.store)
        assert restarted.dispatch_pending() == 1  # the same command, published again
    wait_until(lambda: len(shared.commands.of(command_id(render_id))) == 2, 5,
               "both publications")
    assert shared.wait_finished(render_id)["status"] == "completed"
    time.sleep(2)  # a second copy, had the stream kept one, would be running by now
    assert len(shared.reports.of(command_id(render_id), "started")) == 1
    assert shared.count(render_id, "Started") == 1


@nats_test
def test_two_workers_on_one_queue_never_run_the_same_render(shared: Stack) -> None:
    renders = [shared.request_render() for _ in range(4)]
    for render_id in renders:
        assert shared.wait_finished(render_id)["status"] == "completed"
    time.sleep(1)
    for render_id in renders:
        started = shared.reports.of(command_id(render_id), "started")
        assert len(started) == 1, started
        assert shared.count(render_id, "Completed") == 1
    workers = {shared.reports.of(command_id(r), "started")[0]["worker"] for r in renders}
    assert len(workers) == 2  # both took part


@nats_test
def test_a_render_with_broken_inputs_fails_with_an_error_code_and_the_queue_keeps_flowing(
        shared: Stack) -> None:
    shared.container.blobs.put("products/prod_corrupt/model.glb", b"glTF\x02garbage" * 9,
                               "model/gltf-binary")
    unknown_body = shared.broken_render(body={"model": "anny", "phenotype": {"wings": 2}})
    missing_model = shared.broken_render(modelKey="products/prod_missing/model.glb")
    corrupt_model = shared.broken_render(modelKey="products/prod_corrupt/model.glb")
    fine = shared.request_render()
    for render_id in (unknown_body, missing_model, corrupt_model):
        status = shared.wait_finished(render_id)
        assert status["status"] == "failed"
        assert status["error"]["code"] not in ("", "WORKER_FAILED"), status["error"]
        assert status["error"]["message"]
        # No retry helps broken inputs: one delivery, failed at once.
        assert len(shared.reports.of(command_id(render_id), "started")) == 1
    assert shared.status(missing_model)["error"]["code"] == "MODEL_UNAVAILABLE"
    assert shared.wait_finished(fine)["status"] == "completed"


@nats_test
def test_a_render_that_crashes_the_worker_code_fails_after_the_delivery_bound(
        shared: Stack) -> None:
    crashing = shared.broken_render(size=None)  # a KeyError inside the worker
    fine = shared.request_render()
    status = shared.wait_finished(crashing)
    assert status["status"] == "failed"
    assert status["error"]["code"] == "WORKER_FAILED" and status["error"]["message"]
    # Settled by the worker's crash report on the last attempt, or, when that attempt's ack
    # wait ran out first on a starved machine, by the server's delivery-limit advisory: either
    # way after exactly the bound, never before it.
    details = status["error"]["details"]
    assert details.get("attempts", details.get("deliveries")) == MAX_DELIVER, details
    assert shared.wait_finished(fine)["status"] == "completed"


@nats_test
def test_a_worker_killed_in_the_middle_of_a_render_loses_nothing_and_it_completes_once(
        nats_stack: Stack) -> None:
    first = nats_stack.start_worker()
    render_id = nats_stack.request_render()
    wait_until(lambda: nats_stack.reports.of(command_id(render_id), "progress"), 120,
               "the first progress report", nats_stack.worker_logs)
    first.send_signal(signal.SIGKILL)
    first.wait()
    nats_stack.start_worker()
    status = nats_stack.wait_finished(render_id)
    assert status["status"] == "completed", status
    assert nats_stack.count(render_id, "Completed") == 1
    attempts = [r["attempt"] for r in nats_stack.reports.of(command_id(render_id), "started")]
    assert attempts == [1, 2]


@nats_test
def test_a_worker_that_dies_on_the_last_delivery_still_ends_the_render_failed(
        nats_stack: Stack) -> None:
    render_id = nats_stack.request_render()
    for attempt in range(1, MAX_DELIVER + 1):
        worker = nats_stack.start_worker(TRYON_WORKER_PRELOAD="false")
        def started(a: int = attempt) -> list[dict[str, Any]]:
            return [r for r in nats_stack.reports.of(command_id(render_id), "started")
                    if r["attempt"] == a]

        wait_until(started, 60, f"delivery {attempt}", nats_stack.worker_logs)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    nats_stack.start_worker()  # pulls, so the server notices the delivery bound
    status = nats_stack.wait_finished(render_id, timeout=60)
    assert status["status"] == "failed"
    assert status["error"]["code"] == "WORKER_FAILED"
    assert status["error"]["details"]["deliveries"] == MAX_DELIVER
    fine = nats_stack.request_render()
    assert nats_stack.wait_finished(fine)["status"] == "completed"


@nats_test
def test_a_render_cancelled_while_queued_is_never_run(nats_stack: Stack) -> None:
    render_id = nats_stack.request_render()
    r = nats_stack.client.delete(f"/v1/tryon/renders/{render_id}",
                                 headers=nats_stack.ada["headers"])
    assert r.status_code == 204
    from adapters.bus.nats import NatsCommandBus

    bus = nats_stack.container.bus
    assert isinstance(bus, NatsCommandBus)
    wait_until(lambda: bus.is_cancelled(render_id), 10, "the cancellation to reach NATS")
    nats_stack.start_worker()
    fine = nats_stack.request_render()
    assert nats_stack.wait_finished(fine)["status"] == "completed"
    assert nats_stack.status(render_id)["status"] == "cancelled"
    assert nats_stack.reports.of(command_id(render_id)) == []


@nats_test
@pytest.mark.postgres
def test_a_render_completes_with_the_dispatcher_and_the_worker_in_their_own_processes(
        nats_up: None, tmp_path: Path) -> None:
    if not postgres_available():
        if os.environ.get("TRYON_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (TRYON_REQUIRE_POSTGRES) but not reachable")
        pytest.skip("PostgreSQL is not reachable")
    stack = Stack(tmp_path, "nats", backend="postgres", dispatcher="external")
    try:
        stack.start_dispatcher()
        stack.start_worker()
        render_id = stack.request_render()
        status = stack.wait_finished(render_id)
        assert status["status"] == "completed", status
        assert stack.count(render_id, "Completed") == 1
        completed = [e for e in stack.events(render_id) if type(e).__name__ == "Completed"]
        from application.metadata import metadata_of

        assert metadata_of(completed[0])["actor"] == "system:worker"
        assert metadata_of(completed[0])["causationId"] == command_id(render_id)
    finally:
        stack.close()


# -- the same through the embedded in-process bus ------------------------------------------------
def test_a_render_completes_through_the_embedded_worker_with_one_completion_event(
        embedded_stack: Stack) -> None:
    render_id = embedded_stack.request_render()
    status = embedded_stack.wait_finished(render_id)
    assert status["status"] == "completed", status
    assert image_of(embedded_stack, status).size == (720, 1280)
    assert embedded_stack.count(render_id, "Completed") == 1
    assert embedded_stack.count(render_id, "Started") == 1


def test_a_dispatcher_restart_does_not_run_an_embedded_render_twice(
        embedded_stack: Stack) -> None:
    from adapters.dispatcher import Dispatcher

    ctr = embedded_stack.container
    assert ctr.dispatcher is not None and ctr.bus is not None
    ctr.dispatcher.stop()
    crashing = Dispatcher(ctr.studio, ctr.bus, ctr.store)

    def crash(position: int) -> None:
        raise RuntimeError("the dispatcher died before recording its position")

    crashing._record = crash  # type: ignore[method-assign]
    render_id = embedded_stack.request_render()
    with pytest.raises(RuntimeError):
        crashing.dispatch_pending()
    Dispatcher(ctr.studio, ctr.bus, ctr.store).dispatch_pending()
    assert embedded_stack.wait_finished(render_id)["status"] == "completed"
    from adapters.bus.inprocess import InProcessBus

    assert isinstance(ctr.bus, InProcessBus)
    wait_until(ctr.bus.idle, 60, "the embedded queue to drain")
    assert embedded_stack.count(render_id, "Started") == 1
    assert embedded_stack.count(render_id, "Completed") == 1


def test_an_embedded_render_with_broken_inputs_fails_with_an_error_code_and_the_queue_flows(
        embedded_stack: Stack) -> None:
    unknown_body = embedded_stack.broken_render(body={"model": "anny", "phenotype": {"x": 2}})
    crashing = embedded_stack.broken_render(size=None)
    fine = embedded_stack.request_render()
    status = embedded_stack.wait_finished(unknown_body)
    assert status["status"] == "failed"
    assert status["error"]["code"] not in ("", "WORKER_FAILED") and status["error"]["message"]
    assert embedded_stack.count(unknown_body, "Started") == 1
    status = embedded_stack.wait_finished(crashing)
    assert status["status"] == "failed" and status["error"]["code"] == "WORKER_FAILED"
    assert embedded_stack.count(crashing, "Started") == MAX_DELIVER
    assert embedded_stack.wait_finished(fine)["status"] == "completed"


def test_an_embedded_render_cancelled_while_queued_is_never_run(embedded_stack: Stack) -> None:
    ctr = embedded_stack.container
    assert ctr.dispatcher is not None
    ctr.dispatcher.stop()  # hold the command back until the render is cancelled
    render_id = embedded_stack.request_render()
    r = embedded_stack.client.delete(f"/v1/tryon/renders/{render_id}",
                                     headers=embedded_stack.ada["headers"])
    assert r.status_code == 204
    ctr.dispatcher.dispatch_pending()
    fine = embedded_stack.request_render()
    ctr.dispatcher.dispatch_pending()
    assert embedded_stack.wait_finished(fine)["status"] == "completed"
    assert embedded_stack.status(render_id)["status"] == "cancelled"
    assert embedded_stack.count(render_id, "Started") == 0
