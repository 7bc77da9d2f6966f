"""The FastAPI application: routers, error handlers and middleware around one container."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from adapters import links
from adapters.bootstrap import Container
from adapters.http import errors, nul_bytes, storefront
from adapters.http.base_url import RequestBaseUrl
from adapters.http.middleware import Idempotency, Metrics, Outages, RequestContext
from adapters.http.nul_bytes import RefuseNul
from adapters.http.readiness import Readiness, readiness_checks
from adapters.http.responses import Accepted, Envelope
from adapters.http.routers import (
    audit,
    auth,
    avatars,
    cart,
    closet,
    files,
    operations,
    orders,
    payments,
    products,
    renders,
    session,
    users,
)

DESCRIPTION = """Event-sourced backend of the tryon virtual try-on shop.

Every error answers with the `ErrorResponse` shape. Authenticate with
`Authorization: Bearer <accessToken>` from `/v1/auth/register` or `/v1/auth/login`.
"""


COMMANDS = {"post", "put", "patch", "delete"}
ACCEPTED = "AcceptedEnvelope"


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}


def document_refusals_before_the_route(path: str, responses: dict[str, Any]) -> None:
    """What the middleware answers for a command before or after its route ran
    (adapters/http/middleware.py): the body's size and media type, and 202 for a command that
    was recorded but cannot be shown yet."""
    responses.setdefault("413", _error("PAYLOAD_TOO_LARGE"))
    if not path.startswith("/v1/uploads"):
        responses.setdefault("415", _error("UNSUPPORTED_MEDIA_TYPE: the body is not JSON"))
    responses.setdefault("202", {
        "description": "Recorded, not yet visible in the read views; read it again shortly",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{ACCEPTED}"}}}})


def create_app(container: Container) -> FastAPI:
    # FastAPI's own OpenTelemetry hooks off: the service has its metrics (/metrics) and
    # structured logs, and the hooks looked up the global providers on every request.
    app = FastAPI(title="tryon API", version="1.0.0", description=DESCRIPTION,
                  telemetry={"tracing": False, "metrics": False, "logs": False,
                             "operation_spans": False})
    app.state.container = container  # read only by adapters.http.deps
    app.state.metrics = Metrics()
    app.state.readiness = Readiness(readiness_checks(container))
    for module in (auth, users, products, cart, orders, payments, files, avatars, renders,
                   closet, operations, audit, session):
        app.include_router(module.router)
    storefront.mount(app, container.settings.public_url
                     if links.public_url_is_set(container.settings) else "")
    errors.install(app)
    app.add_middleware(Idempotency, store=container.idempotency, tokens=container.tokens)
    # Outside Idempotency: 503 while a dependency is down, 202 for what committed.
    app.add_middleware(Outages, breaker=container.breaker)
    app.add_middleware(RefuseNul)  # outside the idempotency store: no NUL reaches a database
    app.add_middleware(RequestContext, metrics=app.state.metrics,
                       max_body_bytes=container.settings.max_body_bytes,
                       tokens=container.tokens)
    app.add_middleware(RequestBaseUrl, trusted_proxies=container.settings.trusted_proxies,
                       follow_request=not links.public_url_is_set(container.settings))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        # Request validation answers 400 (documented on every route), never FastAPI's 422.
        for path_name, path in schema.get("paths", {}).items():
            for method, operation in path.items():
                responses = operation.get("responses", {})
                if "422" in responses and "HTTPValidationError" in str(responses["422"]):
                    del responses["422"]
                responses.setdefault("400", {
                    "description": "Invalid request (VALIDATION_ERROR)",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}})
                if method in COMMANDS:
                    document_refusals_before_the_route(path_name, responses)
                # Any route may meet a dependency that is down (docs/resilience.md).
                responses.setdefault("503", {
                    "description": "SERVICE_UNAVAILABLE: a dependency is down; see Retry-After",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}})
                # Routes that answer HTML or text still answer errors as JSON ErrorResponse
                # (FastAPI files them under the route's own media type).
                for status, response in responses.items():
                    content = response.get("content", {})
                    if status >= "400" and "application/json" not in content:
                        error = next((c for c in content.values()
                                      if "ErrorResponse" in str(c.get("schema"))), None)
                        if error is not None:
                            response["content"] = {"application/json": error}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        accepted = Envelope[Accepted].model_json_schema(
            ref_template="#/components/schemas/{model}")
        components.update(accepted.pop("$defs", {}))
        components[ACCEPTED] = {**accepted, "title": ACCEPTED}
        nul_bytes.document(schema)  # what RefuseNul enforces, said in the schema
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
