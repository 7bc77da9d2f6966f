"""Liveness, readiness (event stores, projections, broker, dispatcher, workers) and
Prometheus metrics."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.audit.chain import head_metrics as chain_head_metrics
from adapters.http.deps import EventLogs, Projections, ReadinessDep, ViewStoreDep
from adapters.http.errors import ApiError, documented
from adapters.http.responses import Envelope, Model
from adapters.http.routing import api_router

router = api_router("service", tags=["operations"])


class Liveness(Model):
    status: Literal["ok"]


class ReadinessReport(Model):
    """Each part's status (its details vary by part); broker, workers and dispatcher only
    where commands go over NATS."""

    status: Literal["ready"]
    eventStore: dict[str, Any]
    projections: dict[str, Any]
    broker: dict[str, Any] | None = None
    workers: dict[str, Any] | None = None
    dispatcher: dict[str, Any] | None = None
    checkedInMs: int


@router.get("/healthz", name="live", responses=documented(500))
def healthz() -> Envelope[Liveness]:
    return Envelope[Liveness].of({"status": "ok"})


@router.get("/readyz", name="ready", responses=documented(500, 503))
def readyz(readiness: ReadinessDep) -> Envelope[ReadinessReport]:
    """Every part with its status; 503 (ErrorResponse, details = the parts) when one fails."""
    ready, parts = readiness.report()
    if not ready:
        failing = sorted(name for name, detail in parts.items()
                         if isinstance(detail, dict) and detail.get("status") != "ok")
        raise ApiError(503, "SERVICE_UNAVAILABLE", "Not ready: " + ", ".join(failing),
                       parts, {"Retry-After": "2"})
    return Envelope[ReadinessReport].of({"status": "ready", **parts})


@router.get("/metrics", name="metrics", response_class=PlainTextResponse,
            responses=documented(500))
def metrics(request: Request, projections: Projections, logs: EventLogs,
            store: ViewStoreDep) -> PlainTextResponse:
    lines = [generate_latest(request.app.state.metrics.registry).decode()]
    lines.append("# HELP tryon_projection_lag_events Events a projection has yet to apply\n"
                 "# TYPE tryon_projection_lag_events gauge\n")
    lines += [f'tryon_projection_lag_events{{projection="{name}"}} {lag}\n'
              for name, lag in projections.lag().items()]
    lines.append("# HELP tryon_event_log_head Last notification id of each event log\n"
                 "# TYPE tryon_event_log_head gauge\n")
    lines += [f'tryon_event_log_head{{log="{name}"}} {app.head()}\n' for name, app in logs.items()]
    lines.append(chain_head_metrics(store))
    return PlainTextResponse("".join(lines), media_type=CONTENT_TYPE_LATEST)
