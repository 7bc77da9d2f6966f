"""Liveness, readiness (event stores, projections, broker, dispatcher, workers) and
Prometheus metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.audit.chain import head_metrics as chain_head_metrics
from adapters.bootstrap import Container
from adapters.http.deps import Ctr
from adapters.http.errors import documented

router = APIRouter(tags=["operations"])
MAX_READY_LAG = 1000
# /readyz answers within 2 s even while a dependency hangs: each check runs in a thread of
# its own, and what has not answered by then is reported as "timeout".
CHECK_DEADLINE_S = 1.5
_checks = ThreadPoolExecutor(max_workers=16, thread_name_prefix="readyz")
Check = Callable[[], tuple[bool, Any]]


@router.get("/healthz", responses=documented(500))
def healthz() -> JSONResponse:
    return JSONResponse({"success": True, "data": {"status": "ok"}})


@router.get("/readyz", responses=documented(500, 503))
def readyz(ctr: Ctr) -> JSONResponse:
    """Every part with its status; 503 (ErrorResponse, details = the parts) when one fails."""
    started = time.monotonic()
    futures = {name: _checks.submit(check) for name, check in readiness_checks(ctr).items()}
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
    if ready:
        return JSONResponse({"success": True, "data": {"status": "ready", **parts}})
    failing = sorted(name for name, detail in parts.items()
                     if isinstance(detail, dict) and detail.get("status") != "ok")
    return JSONResponse({"success": False, "error": {
        "code": "SERVICE_UNAVAILABLE", "message": "Not ready: " + ", ".join(failing),
        "details": parts}}, status_code=503, headers={"Retry-After": "2"})


def readiness_checks(ctr: Container) -> dict[str, Check]:
    breaker = ctr.extras.get("breaker")
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

    def broker() -> tuple[bool, Any]:
        health = ctr.bus.health(stale_s=settings.heartbeat_stale_s)
        return True, {"status": "ok", "url": _safe_url(settings.nats_url),
                      "commandsWaiting": health["commandsWaiting"]}

    def workers() -> tuple[bool, Any]:
        beats = ctr.bus.health(stale_s=settings.heartbeat_stale_s)["workers"]
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
    heartbeats = ctr.extras["heartbeats"]
    age = heartbeats.newest().get(kind)
    detail[f"{kind}LastBeatS"] = age
    if age is None or age > heartbeats.stale_s:
        detail["message"] = f"no {kind} heartbeat in the last {heartbeats.stale_s:g} s"
        return False
    return True


def _safe_url(url: str) -> str:
    """The broker's address without credentials."""
    return url.split("@")[-1] if "@" in url else url


@router.get("/metrics", response_class=PlainTextResponse, responses=documented(500))
def metrics(request: Request, ctr: Ctr) -> PlainTextResponse:
    registry = request.app.state.metrics.registry
    lines = [generate_latest(registry).decode()]
    lines.append("# HELP tryon_projection_lag_events Events a projection has yet to apply\n"
                 "# TYPE tryon_projection_lag_events gauge\n")
    for name, lag in ctr.runner.lag().items():
        lines.append(f'tryon_projection_lag_events{{projection="{name}"}} {lag}\n')
    lines.append("# HELP tryon_event_log_head Last notification id of each event log\n"
                 "# TYPE tryon_event_log_head gauge\n")
    for name, app in ctr.applications.items():
        lines.append(f'tryon_event_log_head{{log="{name}"}} {app.head()}\n')
    lines.append(chain_head_metrics(ctr.store))
    return PlainTextResponse("".join(lines), media_type=CONTENT_TYPE_LATEST)
