"""Liveness, readiness (event stores, projection lag) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.audit.chain import head_metrics as chain_head_metrics
from adapters.http.deps import Ctr
from adapters.http.errors import documented

router = APIRouter(tags=["operations"])
MAX_READY_LAG = 1000


@router.get("/healthz", responses=documented(500))
def healthz() -> JSONResponse:
    return JSONResponse({"success": True, "data": {"status": "ok"}})


@router.get("/readyz", responses=documented(500, 503))
def readyz(ctr: Ctr) -> JSONResponse:
    checks: dict[str, object] = {}
    ready = True
    try:
        checks["eventStore"] = {name: app.head() for name, app in ctr.applications.items()}
        lag = ctr.runner.lag()
        checks["projectionLag"] = lag
        ready = all(v <= MAX_READY_LAG for v in lag.values())
    except Exception:  # any storage failure means not ready; details stay in the logs
        ready = False
        checks["eventStore"] = "unavailable"
    body = {"success": ready, "data": {"status": "ready" if ready else "not_ready", **checks}}
    if not ready:
        body = {"success": False, "error": {"code": "SERVICE_UNAVAILABLE",
                                            "message": "Not ready", "details": checks}}
    return JSONResponse(body, status_code=200 if ready else 503)


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
