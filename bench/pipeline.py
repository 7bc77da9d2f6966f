"""The render pipeline end to end: renders per minute at 720p with 1 and 2 workers, and queue
latency (render accepted -> a worker started it), on the real NATS JetStream of this machine.

The backend runs in this process (event store and read models on SQLite in a temporary
directory, the dispatcher and the report consumer on their own threads, as ``tryon serve``
runs them with ``TRYON_BUS=nats``); the workers are ``tryon worker`` processes. Renders are
requested through the studio application (what ``POST /v1/tryon/renders`` calls), 720p PNG at
quality ``low`` on one fixed body in a t-shirt.

For each worker count:

* warm-up: one render per worker first (imports, the body model's cache), not measured;
* ``burst``: ``--renders`` renders requested at once; throughput = renders / (last completion
  - first request), and each render's queue latency, which includes waiting behind the others;
* ``idle``: ``--idle`` renders one after the other, each requested when every worker is idle:
  the latency of the pipeline itself (dispatcher poll, JetStream, the worker's fetch).

Latencies come from the event log: the render's ``Requested`` event and its first ``Started``
event (recorded when the worker's ``started`` report reaches the backend).

Usage::

    .venv/bin/python bench/pipeline.py                  # full run, writes docs/benchmarks.md
    .venv/bin/python bench/pipeline.py --quick          # 1 worker, 2 renders, writes nothing
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.catalog import Garment

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "benchmarks.md"
NATS_URL = os.environ.get("TRYON_TEST_NATS_URL", "nats://127.0.0.1:4222")
# A body of the anny model, as a completed scan records it (render_engine.body.fitted).
BODY = {"model": "anny", "modelVersion": "0.6.2",
        "phenotype": {"gender": 0.474338, "age": 0.666628, "muscle": 0.368914,
                      "weight": 0.633417, "height": 0.416129, "proportions": 0.509112},
        "skinColor": [0.8, 0.62, 0.52]}
SPEC = {"output": {"resolution": "720p", "format": "png", "quality": "low"}}


def t_shirt() -> Garment:
    """A plain t-shirt in M (photos left out: each render draws the same swatch)."""
    from domain.catalog import Category, Garment, SizeGuide, Sizing

    return Garment(product_id=uuid.uuid4(), variant_id="v1", category=Category.TOPS,
                   subcategory=None, size="M", color_hex="#2563EB",
                   sizing=Sizing("regular", SizeGuide({"M": {"chest": 96.5, "waist": 81.3}})),
                   fabric=None, photo_keys=())


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class Row:
    workers: int
    renders: int = 0
    wall_s: float = 0.0
    burst_latencies: list[float] = field(default_factory=list)
    idle_latencies: list[float] = field(default_factory=list)
    failed: int = 0
    render_seconds: list[float] = field(default_factory=list)

    @property
    def per_minute(self) -> float:
        return 60.0 * self.renders / self.wall_s if self.wall_s else float("nan")


class Pipeline:
    def __init__(self, data_dir: Path, prefix: str) -> None:
        from adapters.bootstrap import bootstrap
        from adapters.logging import configure_logging
        from adapters.settings import Settings

        configure_logging("WARNING", True)

        self.data_dir = data_dir
        self.prefix = prefix
        self.settings = Settings(
            data_dir=data_dir, secret_key="bench-" + "x" * 40, payment_secret="bench",
            bus="nats", nats_url=NATS_URL, nats_stream_prefix=prefix, worker_ack_wait_s=30,
            worker_max_deliver=3, log_level="WARNING", log_json=True)
        self.container = bootstrap(self.settings)
        self.user = uuid.uuid4()
        self.avatar = self._avatar()
        self.container.start_background()
        self.workers: list[subprocess.Popen[bytes]] = []

    def _avatar(self) -> uuid.UUID:
        from domain import ids

        studio = self.container.studio
        avatar = uuid.uuid4()
        studio.request_scan(self.user, avatar, "Bench", "body_measurement", {
            "height": 175, "weight": None, "bodyType": None, "gender": None, "measurements": {}})
        studio.apply_report({"kind": "scan", "commandId": "bench", "type": "completed",
                             "scanId": ids.encode("scan", avatar),
                             "result": {"body": BODY, "measurements": {"height": 175.0}}})
        # As if its scan command had been sent already: the workers see renders only.
        assert self.container.dispatcher is not None
        self.container.dispatcher._record(studio.recorder.max_notification_id() or 0)
        return avatar

    def start_workers(self, count: int, log_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRYON_")}
        threads = max(1, (os.cpu_count() or 1) // count)
        env.update(TRYON_DATA_DIR=str(self.data_dir), TRYON_NATS_URL=NATS_URL,
                   TRYON_NATS_STREAM_PREFIX=self.prefix, TRYON_LOG_LEVEL="WARNING",
                   TRYON_WORKER_ACK_WAIT_S="30", TRYON_WORKER_MAX_DELIVER="3",
                   TRYON_WORKER_THREADS=str(threads))
        for n in range(count):
            log = open(log_dir / f"worker-{len(self.workers)}-{n}.log", "wb")  # noqa: SIM115
            self.workers.append(subprocess.Popen(
                [sys.executable, "-m", "adapters.cli.main", "worker"], cwd=ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT))

    def stop_workers(self) -> None:
        from tests.waiting import stop_all

        stop_all(self.workers, timeout=60)
        self.workers = []

    def request(self) -> uuid.UUID:
        render = uuid.uuid4()
        self.container.studio.request_render(self.user, render, self.avatar, t_shirt(),
                                             dict(SPEC))
        return render

    def finished(self, render: uuid.UUID) -> bool:
        return bool(self.container.studio.render_of(None, render).finished)

    def wait(self, renders: Sequence[uuid.UUID], timeout: float) -> float:
        deadline = time.monotonic() + timeout
        pending = list(renders)
        while pending:
            pending = [r for r in pending if not self.finished(r)]
            if not pending:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} renders did not finish in {timeout}s")
            if any(p.poll() is not None for p in self.workers):
                raise RuntimeError("a worker exited; see its log")
            time.sleep(0.05)
        return time.monotonic()

    def timing(self, render: uuid.UUID) -> tuple[float, float | None, str]:
        """(queue latency s, render s from started to completed, final status)."""
        events: list[Any] = list(self.container.studio.repository.event_store.get(render))
        requested, done = events[0].timestamp, events[-1]
        started = next((e.timestamp for e in events if type(e).__name__ == "Started"), None)
        if started is None:
            return float("nan"), None, type(done).__name__
        seconds = ((done.timestamp - started).total_seconds()
                   if type(done).__name__ == "Completed" else None)
        return (started - requested).total_seconds(), seconds, type(done).__name__

    def close(self) -> None:
        self.stop_workers()
        self.container.close()
        from adapters.bus.jetstream import delete_streams

        delete_streams(NATS_URL, self.prefix)


def measure(pipeline: Pipeline, workers: int, renders: int, idle: int, log_dir: Path,
            timeout: float, verbose: bool) -> Row:
    row = Row(workers)
    pipeline.start_workers(workers, log_dir)
    warm = [pipeline.request() for _ in range(workers)]
    pipeline.wait(warm, timeout)
    if verbose:
        print(f"  {workers} worker(s) warm", file=sys.stderr)
    start = time.monotonic()
    burst = [pipeline.request() for _ in range(renders)]
    end = pipeline.wait(burst, timeout)
    row.renders, row.wall_s = renders, end - start
    for render in burst:
        latency, seconds, status = pipeline.timing(render)
        row.burst_latencies.append(latency)
        row.failed += status != "Completed"
        if seconds is not None:
            row.render_seconds.append(seconds)
    for _ in range(idle):
        render = pipeline.request()
        pipeline.wait([render], timeout)
        latency, _, status = pipeline.timing(render)
        row.idle_latencies.append(latency)
        row.failed += status != "Completed"
    if verbose:
        print(f"  {workers} worker(s): {row.per_minute:.2f} renders/min", file=sys.stderr)
    pipeline.stop_workers()
    return row


def table(rows: Sequence[Row]) -> str:
    lines = ["| workers | renders | wall s | renders/min | render s p50 | queue p50 ms (idle) "
             "| queue p99 ms (idle) | queue p50 s (burst) | queue p99 s (burst) | failed |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r.workers} | {r.renders} | {r.wall_s:.1f} | {r.per_minute:.2f} "
            f"| {percentile(r.render_seconds, 50):.2f} "
            f"| {1000 * percentile(r.idle_latencies, 50):.0f} "
            f"| {1000 * percentile(r.idle_latencies, 99):.0f} "
            f"| {percentile(r.burst_latencies, 50):.2f} "
            f"| {percentile(r.burst_latencies, 99):.2f} | {r.failed} |")
    return "\n".join(lines)


def machine() -> str:
    from importlib.metadata import version

    cores = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.machine()}, {cores} cores (load average {load} "
            f"at the end), Python {platform.python_version()}, nats-py {version('nats-py')}, "
            f"backend on SQLite, workers on CPU with cores / workers torch threads each")


def write_doc(results: str, path: Path = DOC) -> None:
    """Replaces the results block inside this benchmark's section (the text around it stays);
    creates the section, or the file, when missing."""
    from bench.report import write_section  # the repository root is on sys.path by now

    write_section("pipeline", "Pipeline", results, path)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    p.add_argument("--renders", type=int, default=8, help="renders per burst")
    p.add_argument("--idle", type=int, default=5, help="renders one at a time (latency)")
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--quick", action="store_true", help="1 worker, 2 renders; writes nothing")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    args.workers = [int(n) for n in str(args.workers).split(",") if n]
    if args.quick:
        args.workers, args.renders, args.idle, args.no_docs = [1], 2, 1, True
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tryon-pipeline-") as tmp:
        pipeline = Pipeline(Path(tmp) / "data", "BENCH" + uuid.uuid4().hex[:8].upper())
        try:
            for workers in args.workers:
                rows.append(measure(pipeline, workers, args.renders, args.idle, Path(tmp),
                                    args.timeout, args.verbose))
        except Exception:
            for log in sorted(Path(tmp).glob("worker-*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}",
                      file=sys.stderr)
            raise
        finally:
            pipeline.close()
    results = (f"Run {time.strftime('%Y-%m-%d %H:%M')} on {machine()}; "
               f"{args.renders} renders per burst, {args.idle} idle renders.\n\n{table(rows)}")
    print(results)
    if not args.no_docs:
        write_doc(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
