"""Readiness: event stores, projections, broker, dispatcher and workers, each checked in a
thread of its own so that ``/readyz`` answers within 2 s even while a dependency hangs."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from typing import Any

from adapters.bootstrap import Container

MAX_READY_LAG = 1000
# What has not answered by then is reported as "timeout". Half a second leaves three
# quarters of the 2 s promise to the request itself: on a busy machine (CI, the whole suite
# in one process) a first request that also paid the threads' start and the first queries
# took 2.03 s with a 1 s deadline.
CHECK_DEADLINE_S = 0.5
Check = Callable[[], tuple[bool, Any]]


class Readiness:
    """The checks of one application, with the threads they run in."""

    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self._threads = ThreadPoolExecutor(max_workers=16, thread_name_prefix="readyz")

    def report(self) -> tuple[bool, dict[str, Any]]:
        """Whether every part is ready, and each part's status (``checkedInMs`` besides)."""
        started = time.monotonic()
        futures = {name: self._threads.submit(check) for name, check in self.checks.items()}
        wait_all(futures.values(), timeout=CHECK_DEADLINE_S)
        parts: dict[str, Any] = {}
        ready = True
        for name, future in futures.items():
            if not future.done():
                ok, detail = False, {"status": "timeout",
                                     "message": f"no answer within {CHECK_DEADLINE_S} s"}
            elif future.exception() is not None:
                exc = future.exception()
                ok, detail = False, {"status": "unavailable", "error": type(exc).__name__}
            else:
                ok, detail = future.result()
            ready = ready and ok
            parts[name] = detail
        parts["checkedInMs"] = round((time.monotonic() - started) * 1000)
        return ready, parts

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


def readiness_checks(ctr: Container) -> dict[str, Check]:
    breaker = ctr.breaker
    settings = ctr.settings

    def database_down() -> bool:
        return breaker is not None and breaker.is_open

    def event_store() -> tuple[bool, Any]:
        if database_down():
            return False, {"status": "unavailable"}
        return True, {"status": "ok",
                      "heads": {name: app.head() for name, app in ctr.applications.items()}}

    def projections() -> tuple[bool, Any]:
        if database_down():
            return False, {"status": "unavailable"}
        lag = ctr.runner.lag()
        behind = {name: n for name, n in lag.items() if n > MAX_READY_LAG}
        detail: dict[str, Any] = {"status": "ok", "lag": lag, "maxLag": MAX_READY_LAG,
                                  "runner": settings.projections}
        ok = not behind
        if settings.projections == "external":
            ok = _fresh(ctr, "projector", detail) and ok
        elif ctr.runner.stopped_by_itself:
            detail["runnerAlive"] = False
            ok = False
        if not ok:
            detail["status"] = "failing"
        return ok, detail

    checks: dict[str, Check] = {"eventStore": event_store, "projections": projections}
    if settings.bus != "nats":
        return checks
    from adapters.bus.nats import NatsCommandBus

    def nats() -> NatsCommandBus:
        if not isinstance(ctr.bus, NatsCommandBus):
            raise RuntimeError("this process has no NATS bus")
        return ctr.bus

    def broker() -> tuple[bool, Any]:
        health = nats().health(stale_s=settings.heartbeat_stale_s)
        return True, {"status": "ok", "url": _safe_url(settings.nats_url),
                      "commandsWaiting": health["commandsWaiting"]}

    def workers() -> tuple[bool, Any]:
        beats = nats().health(stale_s=settings.heartbeat_stale_s)["workers"]
        fresh = [w for w in beats if not w["stale"]]
        detail = {"status": "ok" if fresh else "failing", "workers": beats,
                  "fresh": len(fresh), "stale": len(beats) - len(fresh)}
        if not fresh:
            detail["message"] = "no worker has sent a heartbeat lately"
        return bool(fresh), detail

    def dispatcher() -> tuple[bool, Any]:
        detail: dict[str, Any] = {"status": "ok", "runner": settings.dispatcher}
        if settings.dispatcher == "external":
            if database_down():
                return False, {"status": "unavailable"}
            ok = _fresh(ctr, "dispatcher", detail)
        else:
            ok = ctr.dispatcher is not None and ctr.dispatcher.running
        if not ok:
            detail["status"] = "failing"
        return ok, detail

    return {**checks, "broker": broker, "workers": workers, "dispatcher": dispatcher}


def _fresh(ctr: Container, kind: str, detail: dict[str, Any]) -> bool:
    """Whether the newest heartbeat of ``kind`` is recent; notes it in ``detail``."""
    heartbeats = ctr.heartbeats
    age = heartbeats.newest().get(kind)
    detail[f"{kind}LastBeatS"] = age
    if age is None or age > heartbeats.stale_s:
        detail["message"] = f"no {kind} heartbeat in the last {heartbeats.stale_s:g} s"
        return False
    return True


def _safe_url(url: str) -> str:
    """The broker's address without credentials."""
    return url.split("@")[-1] if "@" in url else url
