"""The command bus on NATS JetStream: the backend's side.

``publish`` (sync, called from the dispatcher thread) puts a command on the work-queue stream
with its command id as ``Nats-Msg-Id``: a command the dispatcher publishes again after a crash
is dropped by the stream's duplicate window. ``cancel`` marks a render in the KV bucket that
workers read. ``start(record)`` follows the reports stream and the MAX_DELIVERIES advisories
with durable consumers, hands each report to ``record`` (which stores it on the aggregate) and
acknowledges only after it returned: a backend that dies in between gets the report again,
and the aggregates ignore what they have already recorded.

The network work happens on a private asyncio loop in its own thread (see ``LoopThread``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

import structlog

from adapters.bus.jetstream import BACKEND, LoopThread, Names, QueueSettings, ensure

log = structlog.get_logger("tryon.bus.nats")

Record = Callable[[dict[str, Any]], None]


def lost_command_report(command: dict[str, Any], deliveries: int) -> dict[str, Any]:
    """The failure recorded for a command that no worker finished within the delivery bound."""
    from render_engine.worker import worker_failed

    return worker_failed(command, f"No worker finished this {command['kind']} in {deliveries} "
                         "deliveries; see the workers' logs", {"deliveries": deliveries})


class NatsCommandBus:
    def __init__(self, url: str = "nats://127.0.0.1:4222", prefix: str = "TRYON",
                 queue: QueueSettings | None = None, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.names = Names(prefix)
        self.queue = queue or QueueSettings()
        self.connect_timeout = connect_timeout
        self._loop: LoopThread | None = None
        self._nc: Any = None
        self._js: Any = None
        self._kv: Any = None
        self._record: Record | None = None
        self._stopping = False
        self._connecting = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any) -> NatsCommandBus:
        return cls(settings.nats_url, settings.nats_stream_prefix, QueueSettings.of(settings))

    # -- connection ----------------------------------------------------------------------------
    def _connected(self) -> LoopThread:
        with self._connecting:
            return self._connect_once()

    def _connect_once(self) -> LoopThread:
        if self._loop is None:
            loop = LoopThread("nats-bus")
            try:
                loop.run(self._connect(), timeout=self.connect_timeout + 30)
            except BaseException:
                loop.stop()
                raise
            self._loop = loop
        return self._loop

    async def _connect(self) -> None:
        import nats

        self._nc = await nats.connect(self.url, name="tryon-backend",
                                      connect_timeout=self.connect_timeout,
                                      max_reconnect_attempts=-1, reconnect_time_wait=1)
        self._js = self._nc.jetstream()
        await ensure(self._js, self.names, self.queue)
        self._kv = await self._js.key_value(self.names.cancelled)

    # -- health --------------------------------------------------------------------------------
    def health(self, timeout: float = 1.0, stale_s: float = 15.0) -> dict[str, Any]:
        """The broker as ``/readyz`` reports it: connected or not, commands waiting, and each
        worker's last heartbeat (seconds ago). Raises when the broker cannot be reached, and
        at once while another thread is connecting (a first connection to a broker that is
        down retries for up to ``connect_timeout + 30`` s: readiness must not wait on it)."""
        loop = self._loop
        if loop is None:  # not connected yet: connect, unless another thread is at it
            if not self._connecting.acquire(blocking=False):
                raise ConnectionError("connecting to NATS")
            try:
                loop = self._connect_once()
            finally:
                self._connecting.release()
        if not self._nc.is_connected:
            raise ConnectionError("not connected to NATS (reconnecting)")
        return loop.run(asyncio.wait_for(self._health(stale_s), timeout),
                        timeout=timeout + 0.5)

    async def _health(self, stale_s: float) -> dict[str, Any]:
        import time

        from nats.js.errors import NoKeysError

        info = await self._js.stream_info(self.names.commands)
        workers: list[dict[str, Any]] = []
        kv = await self._js.key_value(self.names.workers)
        try:
            keys = await kv.keys()
        except NoKeysError:
            keys = []
        now = time.time()
        for key in keys:
            entry = await kv.get(key)
            try:
                beat = json.loads(entry.value or b"{}")
                age = round(now - float(beat["at"]), 1)
            except (ValueError, KeyError, TypeError):
                continue
            workers.append({"worker": str(beat.get("worker", key)), "lastBeatS": age,
                            "stale": age > stale_s})
        return {"commandsWaiting": int(info.state.messages), "workers": workers}

    # -- commands ------------------------------------------------------------------------------
    def publish(self, command: dict[str, Any]) -> None:
        self._connected().run(self._publish(command))

    async def _publish(self, command: dict[str, Any]) -> None:
        ack = await self._js.publish(
            self.names.command_subject(str(command["kind"])),
            json.dumps(command, separators=(",", ":")).encode(),
            headers={"Nats-Msg-Id": str(command["commandId"])})
        if ack.duplicate:
            log.info("bus.duplicate_dropped", command=command["commandId"])

    def cancel(self, render_id: str) -> None:
        """Marks a render cancelled for the workers (idempotent)."""
        self._connected().run(self._kv.put(render_id, b"1"))

    def is_cancelled(self, render_id: str) -> bool:
        return self._connected().run(self._is_cancelled(render_id))

    async def _is_cancelled(self, render_id: str) -> bool:
        from nats.js.errors import KeyNotFoundError

        try:
            entry = await self._kv.get(render_id)
        except KeyNotFoundError:
            return False
        return bool(entry.value == b"1")

    # -- reports -------------------------------------------------------------------------------
    def start(self, record: Record) -> None:
        """Follows reports and delivery-limit advisories until ``stop``."""
        loop = self._connected()
        self._record = record
        for follow in (self._follow_reports, self._follow_advisories):
            asyncio.run_coroutine_threadsafe(follow(), loop.loop)

    def start_when_reachable(self, record: Record,
                             stop: threading.Event | None = None) -> None:
        """``start``, or, while the broker cannot be reached, ``start`` again in a background
        thread with a growing pause until it can (a process started during an outage of NATS
        carries on instead of exiting)."""
        try:
            self.start(record)
            return
        except Exception as exc:
            log.warning("bus.unreachable", url=self.url, error=type(exc).__name__)
        stop = stop or threading.Event()

        def retry() -> None:
            from projections.backoff import Backoff

            backoff = Backoff(0.5, 5.0)
            while not stop.wait(backoff.failed()):
                try:
                    self.start(record)
                    log.info("bus.connected", url=self.url)
                    return
                except Exception as exc:
                    log.warning("bus.unreachable", url=self.url, error=type(exc).__name__)

        threading.Thread(target=retry, name="nats-connect", daemon=True).start()

    async def _pull(self, stream: str, handle: Callable[[Any], Any]) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        sub = await self._js.pull_subscribe_bind(BACKEND, stream=stream)
        while not self._stopping:
            try:
                messages = await sub.fetch(50, timeout=1.0)
            except (TimeoutError, NatsTimeout):
                continue  # (nats-py also turns a cancellation inside fetch into a timeout)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bus.fetch_failed", stream=stream)
                await asyncio.sleep(1.0)
                continue
            for msg in messages:
                try:
                    await handle(msg)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("bus.report_failed", stream=stream)
                    await msg.nak(delay=1.0)
                else:
                    await msg.ack()

    async def _follow_reports(self) -> None:
        async def handle(msg: Any) -> None:
            report = json.loads(msg.data)
            await asyncio.get_running_loop().run_in_executor(None, self._apply, report)

        await self._pull(self.names.reports, handle)

    async def _follow_advisories(self) -> None:
        from nats.js.errors import NotFoundError

        async def handle(msg: Any) -> None:
            advisory = json.loads(msg.data)
            seq, deliveries = int(advisory["stream_seq"]), int(advisory.get("deliveries", 0))
            try:
                raw = await self._js.get_msg(self.names.commands, seq)
            except NotFoundError:
                return  # a worker ended it meanwhile (a failed report and a term)
            command = json.loads(raw.data)
            log.warning("bus.delivery_limit_reached", command=command["commandId"],
                        deliveries=deliveries)
            await asyncio.get_running_loop().run_in_executor(
                None, self._apply, lost_command_report(command, deliveries))
            with contextlib.suppress(NotFoundError):
                await self._js.delete_msg(self.names.commands, seq)

        await self._pull(self.names.advisories, handle)

    def _apply(self, report: dict[str, Any]) -> None:
        from domain.errors import NotFound

        assert self._record is not None
        try:
            self._record(report)
        except NotFound:
            # Not ours (another deployment on the same streams, or erased): nothing to record.
            log.warning("bus.report_for_unknown_work", command=report.get("commandId"))

    def stop(self) -> None:
        if self._loop is None:
            return
        loop, self._loop = self._loop, None
        with contextlib.suppress(Exception):
            loop.run(self._shutdown(), timeout=10)
        loop.stop()

    async def _shutdown(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()
                 and getattr(t.get_coro(), "__qualname__", "").startswith("NatsCommandBus.")]
        self._stopping = True
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=3)
        await self._nc.close()
