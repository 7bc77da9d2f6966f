"""``tryon worker``: takes render and scan commands from JetStream, runs them, reports back.

One command at a time per worker process; start more processes to go faster. The worker
pulls from the durable consumer that every worker shares (so each command goes to one of
them), runs ``render_engine.worker.handle`` in an executor thread and, meanwhile, tells the
server every ``ack_wait / 3`` seconds that it is still working (``in_progress``), so a long
render keeps its delivery while a dead worker's command is redelivered after ``ack_wait``.

- success, or a typed failure that ``handle`` reported (broken inputs): ack;
- an unexpected exception: nak, so the command is redelivered (another worker may take it),
  except on the last delivery allowed (``max_deliver``), where the worker reports the command
  failed and terminates the message;
- the process dies (SIGKILL, out of memory): no ack; the server redelivers after ``ack_wait``,
  and past ``max_deliver`` announces a MAX_DELIVERIES advisory, which the backend turns into a
  failed report.

The worker holds no database credentials: only NATS and the blob store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog

from adapters.bus.jetstream import (
    WORKERS,
    Names,
    QueueSettings,
    ensure,
    report_message_id,
    worker_key,
)
from projections.backoff import Backoff

log = structlog.get_logger("tryon.worker")

Handle = Callable[..., None]  # render_engine.worker.handle's signature


def _default_handle(*args: Any, **kwargs: Any) -> None:
    from render_engine.worker import handle

    handle(*args, **kwargs)


def _preload() -> None:
    """Imports the render engine (torch, PyTorch3D, anny: seconds) before taking a command,
    so that the first command does not wait for it while holding its delivery."""
    import importlib

    for module in ("render_engine.render", "render_engine.body.fitted",
                   "render_engine.body.pose", "render_engine.garment"):
        try:
            importlib.import_module(module)
        except Exception:
            log.warning("worker.preload_failed", module=module, exc_info=True)
    try:  # the body model itself (a second or so once its cache exists)
        from render_engine.body.model import anny_model

        anny_model()
    except Exception:
        log.warning("worker.preload_failed", module="anny", exc_info=True)


class NatsWorker:
    def __init__(self, url: str, names: Names, queue: QueueSettings, blobs: Any,
                 handle: Handle = _default_handle, name: str | None = None,
                 preload: bool = True, beat_every_s: float = 2.0) -> None:
        self.url = url
        self.names = names
        self.queue = queue
        self.blobs = blobs
        self.handle = handle
        self.preload = preload
        self.beat_every_s = beat_every_s
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._stop: asyncio.Event | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self.processed = 0

    @classmethod
    def from_settings(cls, settings: Any, blobs: Any) -> NatsWorker:
        return cls(settings.nats_url, Names(settings.nats_stream_prefix),
                   QueueSettings.of(settings), blobs, preload=settings.worker_preload,
                   beat_every_s=settings.heartbeat_every_s)

    def request_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run(self, max_commands: int | None = None) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread
                loop.add_signal_handler(sig, self._stop.set)
        if self.preload and self.handle is _default_handle:
            await loop.run_in_executor(self._executor, _preload)
        nc = await self._connect_when_reachable()
        if nc is None:
            return
        js = nc.jetstream()
        kv = sub = None
        beat = asyncio.create_task(self._beat_forever(js))
        backoff = Backoff(0.5, 5.0)
        try:
            while not self._stop.is_set():
                try:
                    if sub is None:  # (again) after the server came back without our stream
                        await ensure(js, self.names, self.queue)
                        kv = await js.key_value(self.names.cancelled)
                        sub = await js.pull_subscribe_bind(WORKERS, stream=self.names.commands)
                        log.info("worker.ready", worker=self.name, stream=self.names.commands)
                    messages = await sub.fetch(1, timeout=1.0)
                except NatsTimeout:
                    backoff.reset()
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # The server restarting or gone for a while: the client reconnects by
                    # itself; keep asking, with a growing pause, and never exit.
                    delay = backoff.failed()
                    log.warning("worker.fetch_failed", error=type(exc).__name__,
                                retry_in_s=delay, failures=backoff.failures)
                    if backoff.failures >= 3:
                        sub = None  # bind again: the stream may have been recreated
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), delay)
                    continue
                backoff.reset()
                for msg in messages:
                    try:
                        await self._process(js, kv, msg)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:
                        # The server went away mid-command (an ack or a report failed): the
                        # command is delivered again after ack_wait, and the backend ignores
                        # reports of work it has already recorded.
                        log.warning("worker.command_interrupted", error=type(exc).__name__,
                                    seq=msg.metadata.sequence.stream)
                        continue
                    self.processed += 1
                if max_commands is not None and self.processed >= max_commands:
                    break
        finally:
            log.info("worker.stopping", worker=self.name, processed=self.processed)
            beat.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), 5)
            self._executor.shutdown(wait=False)

    async def _connect_when_reachable(self) -> Any:
        """Connects, waiting (with a growing pause) while the server is unreachable; once
        connected, the client reconnects by itself for ever. None if stopped meanwhile."""
        import nats

        backoff = Backoff(0.5, 5.0)
        while not self._stop_requested():
            try:
                return await nats.connect(self.url, name=f"tryon-worker {self.name}",
                                          max_reconnect_attempts=-1, reconnect_time_wait=1,
                                          connect_timeout=2)
            except Exception as exc:
                delay = backoff.failed()
                log.warning("worker.connect_failed", error=type(exc).__name__,
                            retry_in_s=delay)
                with contextlib.suppress(TimeoutError):
                    assert self._stop is not None
                    await asyncio.wait_for(self._stop.wait(), delay)
        return None

    def _stop_requested(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _beat_forever(self, js: Any) -> None:
        """Tells the backend this worker is alive (``/readyz`` reports stale workers), in the
        workers' key-value bucket, every ``beat_every_s`` seconds."""
        kv = None
        while True:
            try:
                if kv is None:
                    kv = await js.key_value(self.names.workers)
                await kv.put(worker_key(self.name), json.dumps(
                    {"worker": self.name, "at": time.time(),
                     "processed": self.processed}).encode())
            except asyncio.CancelledError:
                raise
            except Exception:
                kv = None  # the server is away; beat again when it is back
            await asyncio.sleep(self.beat_every_s)

    async def _process(self, js: Any, kv: Any, msg: Any) -> None:
        from nats.js.errors import KeyNotFoundError

        loop = asyncio.get_running_loop()
        try:
            command = json.loads(msg.data)
        except ValueError:
            log.error("worker.unreadable_command", seq=msg.metadata.sequence.stream)
            await msg.term()
            return
        attempt = int(msg.metadata.num_delivered)
        last = attempt >= self.queue.max_deliver > 0

        async def cancelled_async() -> bool:
            if command.get("kind") != "render":
                return False
            try:
                entry = await kv.get(str(command["renderId"]))
            except KeyNotFoundError:
                return False
            return bool(entry.value == b"1")

        def is_cancelled() -> bool:
            return asyncio.run_coroutine_threadsafe(cancelled_async(), loop).result(10)

        def report(message: dict[str, Any]) -> None:
            message = {**message, "worker": self.name}
            if message["type"] == "progress":
                message.setdefault("attempt", attempt)
            asyncio.run_coroutine_threadsafe(self._report(js, message), loop).result(30)

        if await cancelled_async():
            log.info("worker.skipped_cancelled", command=command["commandId"])
            await msg.ack_sync()
            return
        log.info("worker.started", command=command["commandId"], attempt=attempt)
        beat = asyncio.create_task(self._heartbeat(msg))
        try:
            await loop.run_in_executor(self._executor, lambda: self.handle(
                command, self.blobs, report, attempt=attempt, is_cancelled=is_cancelled))
        except Exception as exc:
            log.exception("worker.command_crashed", command=command["commandId"],
                          attempt=attempt, last=last)
            # The beat goes on until the command is settled: a crash report slow to publish
            # must not let the ack wait lapse (the server would count a lost delivery).
            if last:
                try:
                    await loop.run_in_executor(None, report, _crash_report(command, exc,
                                                                           attempt))
                finally:
                    await msg.term()
            else:
                await msg.nak(delay=min(2.0 * attempt, 10.0))
            return
        finally:
            beat.cancel()
        await msg.ack_sync()
        log.info("worker.done", command=command["commandId"], attempt=attempt)

    async def _heartbeat(self, msg: Any) -> None:
        interval = max(self.queue.ack_wait_s / 3.0, 0.2)
        while True:
            await asyncio.sleep(interval)
            try:
                await msg.in_progress()
            except Exception:
                log.warning("worker.heartbeat_failed", exc_info=True)

    async def _report(self, js: Any, message: dict[str, Any]) -> None:
        await js.publish(self.names.report_subject(str(message["kind"])),
                         json.dumps(message, separators=(",", ":")).encode(),
                         headers={"Nats-Msg-Id": report_message_id(message)})


def _crash_report(command: dict[str, Any], exc: BaseException, attempt: int) -> dict[str, Any]:
    from render_engine.worker import worker_failed

    return worker_failed(command, f"The worker failed on every attempt ({attempt}); see the "
                         "worker's logs", {"errorType": type(exc).__name__, "attempts": attempt})
