"""Runs the render worker inside the API process (the embedded default).

Reports go straight to the studio application, recorded under the worker's own actor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from application import metadata
from domain import ids


def report_recorder(studio: Any) -> Callable[[dict[str, Any]], None]:
    """Records a report that came over the bus (NATS): the backend's side of the workers."""

    def record(message: dict[str, Any]) -> None:
        with metadata.acting_as(actor="system:worker", causationId=str(message["commandId"])):
            studio.apply_report(message)

    return record


def embedded_worker(studio: Any, blobs: Any) -> tuple[
        Callable[[dict[str, Any], int], None], Callable[[dict[str, Any], Exception], None]]:

    def report(message: dict[str, Any]) -> None:
        with metadata.acting_as(actor="system:worker:embedded",
                                causationId=message["commandId"]):
            studio.apply_report(message)

    def handle(command: dict[str, Any], attempt: int) -> None:
        from render_engine.worker import handle as run

        def cancelled() -> bool:
            return command["kind"] == "render" and bool(studio.is_cancelled(
                ids.decode("render", command["renderId"])))

        if cancelled():
            return
        run(command, blobs, report, attempt=attempt, is_cancelled=cancelled)

    def give_up(command: dict[str, Any], exc: Exception) -> None:
        from render_engine.worker import worker_failed

        report(worker_failed(command, "The worker failed on every attempt; see the worker's "
                             "logs", {"errorType": type(exc).__name__}))

    return handle, give_up
