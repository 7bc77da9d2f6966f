"""What the backend and the workers share about NATS JetStream: names, stream setup, a loop.

Streams (``PREFIX`` is ``settings.nats_stream_prefix``, ``root`` its lower case):

- ``PREFIX_COMMANDS``: work queue of render and scan commands on ``root.commands.<kind>``,
  message id = command id, duplicates dropped for ``duplicate_window_s``. One durable pull
  consumer, ``workers``, shared by every worker: explicit ack, ``ack_wait_s``, ``max_deliver``.
- ``PREFIX_REPORTS``: work queue of worker reports on ``root.reports.<kind>``, message id =
  command id + type (+ attempt, stage and progress for ``started`` and ``progress``), read by
  the backend's durable consumer ``backend``.
- ``PREFIX_ADVISORIES``: keeps JetStream's MAX_DELIVERIES advisories of the ``workers``
  consumer, so the backend sees a command that no worker finished even if it was down then.
- KV bucket ``PREFIX_CANCELLED``: render ids the backend has cancelled; workers read it.
- KV bucket ``PREFIX_WORKERS``: each worker's heartbeat (``{"worker", "at", "processed"}``
  every ``heartbeat_every_s``); ``/readyz`` reports workers whose beat is older than
  ``heartbeat_stale_s``. Entries of dead workers expire after an hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,40}$")
WORKERS = "workers"
BACKEND = "backend"
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_=-]")


def worker_key(name: str) -> str:
    """A worker's name as a key of the heartbeat bucket (``host:pid`` has a colon)."""
    return _KEY_CHARS.sub("_", name)[:200] or "worker"


@dataclass(frozen=True)
class Names:
    prefix: str = "TRYON"

    def __post_init__(self) -> None:
        if not PREFIX.match(self.prefix):
            raise ValueError(f"not a usable stream prefix: {self.prefix!r}")

    @property
    def root(self) -> str:
        return self.prefix.lower()

    @property
    def commands(self) -> str:
        return f"{self.prefix}_COMMANDS"

    @property
    def reports(self) -> str:
        return f"{self.prefix}_REPORTS"

    @property
    def advisories(self) -> str:
        return f"{self.prefix}_ADVISORIES"

    @property
    def cancelled(self) -> str:
        return f"{self.prefix}_CANCELLED"

    @property
    def workers(self) -> str:
        return f"{self.prefix}_WORKERS"

    def command_subject(self, kind: str) -> str:
        return f"{self.root}.commands.{kind}"

    def report_subject(self, kind: str) -> str:
        return f"{self.root}.reports.{kind}"

    @property
    def max_deliveries_subject(self) -> str:
        return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.commands}.{WORKERS}"


@dataclass(frozen=True)
class QueueSettings:
    ack_wait_s: float = 30.0
    max_deliver: int = 3
    duplicate_window_s: float = 3600.0

    @classmethod
    def of(cls, settings: Any) -> QueueSettings:
        return cls(ack_wait_s=float(settings.worker_ack_wait_s),
                   max_deliver=int(settings.worker_max_deliver),
                   duplicate_window_s=float(settings.nats_duplicate_window_s))


def report_message_id(report: dict[str, Any]) -> str:
    """Reports of one attempt are deduplicated; a new attempt's reports are new facts."""
    parts = [str(report["commandId"]), str(report["type"])]
    if report["type"] in ("started", "progress"):
        parts.append(str(report.get("attempt", 1)))
    if report["type"] == "progress":
        parts += [str(report.get("stage", "")), str(report.get("progress", ""))]
    return ":".join(parts)


async def ensure(js: Any, names: Names, queue: QueueSettings) -> None:
    """Creates (or brings up to date) the streams, consumers and bucket. Idempotent."""
    from nats.js.api import (
        AckPolicy,
        ConsumerConfig,
        RetentionPolicy,
        StorageType,
        StreamConfig,
    )
    from nats.js.errors import BadRequestError, NotFoundError

    streams = [
        StreamConfig(name=names.commands, subjects=[f"{names.root}.commands.>"],
                     retention=RetentionPolicy.WORK_QUEUE, storage=StorageType.FILE,
                     duplicate_window=queue.duplicate_window_s, max_age=7 * 24 * 3600.0),
        StreamConfig(name=names.reports, subjects=[f"{names.root}.reports.>"],
                     retention=RetentionPolicy.WORK_QUEUE, storage=StorageType.FILE,
                     duplicate_window=queue.duplicate_window_s, max_age=7 * 24 * 3600.0),
        StreamConfig(name=names.advisories, subjects=[names.max_deliveries_subject],
                     retention=RetentionPolicy.WORK_QUEUE, storage=StorageType.FILE,
                     max_age=7 * 24 * 3600.0),
    ]
    for config in streams:
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            with contextlib.suppress(BadRequestError):  # created meanwhile elsewhere
                await js.add_stream(config)
        else:
            await js.update_stream(config)
    consumers = [
        (names.commands, ConsumerConfig(
            durable_name=WORKERS, ack_policy=AckPolicy.EXPLICIT, ack_wait=queue.ack_wait_s,
            max_deliver=queue.max_deliver, max_ack_pending=10_000)),
        (names.reports, ConsumerConfig(
            durable_name=BACKEND, ack_policy=AckPolicy.EXPLICIT, ack_wait=60.0,
            max_deliver=-1)),
        (names.advisories, ConsumerConfig(
            durable_name=BACKEND, ack_policy=AckPolicy.EXPLICIT, ack_wait=60.0,
            max_deliver=-1)),
    ]
    for stream, consumer in consumers:
        # A durable that exists with another configuration (an older ack_wait, say) is kept.
        with contextlib.suppress(BadRequestError):
            await js.add_consumer(stream, consumer)
    for bucket, ttl in ((names.cancelled, 7 * 24 * 3600.0), (names.workers, 3600.0)):
        try:
            await js.key_value(bucket)
        except Exception:
            with contextlib.suppress(BadRequestError):
                await js.create_key_value(bucket=bucket, history=1, ttl=ttl)


class LoopThread:
    """A private asyncio loop in a daemon thread, for sync callers (the dispatcher thread,
    the render executor)."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Cancels what still runs on the loop, then stops it."""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            with contextlib.suppress(Exception):
                self.run(cancel_all(), timeout=5)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


def delete_streams(url: str, prefix: str) -> None:
    """Removes the streams and the cancellation bucket of ``prefix`` (tests, benchmarks)."""
    import asyncio
    import contextlib

    import nats

    names = Names(prefix)

    async def drop() -> None:
        nc = await nats.connect(url)
        js = nc.jetstream()
        for stream in (names.commands, names.reports, names.advisories):
            with contextlib.suppress(Exception):
                await js.delete_stream(stream)
        for bucket in (names.cancelled, names.workers):
            with contextlib.suppress(Exception):
                await js.delete_key_value(bucket)
        await nc.close()

    asyncio.run(drop())
