"""Turns Render and Scan events into commands for the workers (a transactional outbox).

It follows the studio log with its own tracking position, publishing first and recording the
position after. A crash in between publishes the same commands again on restart; they carry
the same command id, which the bus deduplicates (JetStream's message-id window, the in-process
queue's pending set), and a worker report for finished work is ignored by the aggregate. So a
command is never lost, and never runs twice in effect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from application.ports import CommandBus
from application.studio import Studio
from domain import ids
from domain.avatars import Avatar, feedback_folder
from domain.renders import Render
from projections.backoff import Backoff
from projections.store import ViewStore

log = structlog.get_logger("tryon.dispatcher")
TABLE = ("CREATE TABLE IF NOT EXISTS dispatcher_tracking (name TEXT PRIMARY KEY, "
         "position BIGINT NOT NULL)")


def render_command(e: Any) -> dict[str, Any]:
    render_id = ids.encode("render", e.originator_id)
    fmt = str(e.spec.get("output", {}).get("format", "png"))
    return {"kind": "render", "commandId": f"render:{e.originator_id}", "renderId": render_id,
            "spec": e.spec, "garment": e.garment,
            "resultKey": f"renders/{render_id}.{'jpg' if fmt == 'jpg' else fmt}"}


def scan_command(e: Any) -> dict[str, Any]:
    avatar_id = ids.encode("avatar", e.originator_id)
    return {"kind": "scan", "commandId": f"scan:{e.originator_id}",
            "scanId": ids.encode("scan", e.originator_id), "scanType": e.scan_type,
            "inputs": e.inputs,
            "outputKeys": {"model": f"avatars/{avatar_id}/model.glb",
                           "thumbnail": f"avatars/{avatar_id}/thumbnail.jpg",
                           "preview": f"avatars/{avatar_id}/preview.jpg",
                           "overlays": feedback_folder(e.user_id, e.originator_id)}}


class Dispatcher:
    name = "commands"

    def __init__(self, studio: Studio, bus: CommandBus, store: ViewStore,
                 batch_size: int = 100) -> None:
        self.studio = studio
        self.bus = bus
        self.store = store
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Called after a failed pass of the loop (to drop broken connections, say).
        self.on_failure: Callable[[BaseException], None] | None = None
        with self.store.transaction() as tx:
            tx.execute(TABLE)

    def position(self) -> int:
        with self.store.transaction() as tx:
            row = tx.one("SELECT position FROM dispatcher_tracking WHERE name = ?", (self.name,))
        return 0 if row is None else int(row[0])

    def _record(self, position: int) -> None:
        with self.store.transaction() as tx:
            tx.execute("INSERT INTO dispatcher_tracking (name, position) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                       (self.name, position))

    def dispatch_pending(self) -> int:
        """Publishes the commands of events after the tracking position; returns how many."""
        published = 0
        with self._lock:
            position = self.position()
            while True:
                notifications = self.studio.recorder.select_notifications(
                    start=position, limit=self.batch_size, inclusive_of_start=False,
                    topics=())
                if not notifications:
                    return published
                for n in notifications:
                    event = self.studio.mapper.to_domain_event(n)
                    command = None
                    if isinstance(event, Render.Requested):
                        command = render_command(event)
                    elif isinstance(event, Avatar.ScanRequested):
                        command = scan_command(event)
                    elif isinstance(event, Render.Cancelled) and hasattr(self.bus, "cancel"):
                        # Tells remote workers (NATS KV); the embedded one asks the studio.
                        self.bus.cancel(ids.encode("render", event.originator_id))
                    if command is not None:
                        self.bus.publish(command)
                        published += 1
                position = notifications[-1].id
                self._record(position)

    def redeliver_unfinished(self) -> int:
        """For the in-process bus, whose queue does not survive a restart: publish again the
        commands of every render and scan that has not finished."""
        count = 0
        with self._lock:
            start = 0
            while True:
                notifications = self.studio.recorder.select_notifications(
                    start=start, limit=500, inclusive_of_start=False)
                if not notifications:
                    return count
                for n in notifications:
                    event = self.studio.mapper.to_domain_event(n)
                    command = None
                    if isinstance(event, Render.Requested) and not self.studio.render_of(
                            None, event.originator_id).finished:
                        command = render_command(event)
                    elif isinstance(event, Avatar.ScanRequested) and not self.studio.avatar_of(
                            None, event.originator_id).finished:
                        command = scan_command(event)
                    if command is not None:
                        self.bus.publish(command)
                        count += 1
                start = notifications[-1].id

    def start(self, interval: float = 0.1,
              heartbeat: Callable[[], None] | None = None) -> None:
        self._thread = threading.Thread(target=self._loop, args=(interval, heartbeat),
                                        daemon=True, name="dispatcher")
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self, interval: float, heartbeat: Callable[[], None] | None = None) -> None:
        """Never ends on its own: a failure (the database or the broker gone for a while) is
        logged and retried with a growing pause."""
        backoff = Backoff()
        while not self._stop.is_set():
            try:
                self.dispatch_pending()
                if heartbeat is not None:
                    heartbeat()
            except Exception as exc:
                delay = backoff.failed()
                log.warning("dispatcher.failed", error=type(exc).__name__,
                            detail=str(exc)[:200], retry_in_s=delay,
                            failures=backoff.failures, exc_info=backoff.failures == 1)
                if self.on_failure is not None:
                    self.on_failure(exc)
                self._stop.wait(delay)
                continue
            backoff.reset()
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
