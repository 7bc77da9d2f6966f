"""Every failure leaves as the spec's ErrorResponse; nothing internal leaks."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.http.naming import request_field
from adapters.http.responses import ErrorResponse
from adapters.idempotency import KeyInUse, KeyReused
from adapters.ratelimit import RateLimited
from domain import errors

log = structlog.get_logger("tryon.http")

STATUS = {
    errors.InvalidInput: 400,
    errors.Unauthenticated: 401,
    errors.PaymentDeclined: 402,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.EmailTaken: 409,
    errors.InsufficientStock: 409,
    errors.InvalidStateTransition: 409,
    errors.ConcurrencyConflict: 409,
}

PYDANTIC_CODES = {
    "missing": "REQUIRED",
    "string_too_short": "MIN_LENGTH",
    "too_short": "MIN_LENGTH",
    "string_too_long": "MAX_LENGTH",
    "too_long": "MAX_LENGTH",
    "greater_than": "OUT_OF_RANGE",
    "greater_than_equal": "OUT_OF_RANGE",
    "less_than": "OUT_OF_RANGE",
    "less_than_equal": "OUT_OF_RANGE",
    "decimal_max_places": "INVALID_FORMAT",
    "literal_error": "INVALID_ENUM",
    "enum": "INVALID_ENUM",
    "extra_forbidden": "UNKNOWN_FIELD",
    "json_invalid": "INVALID_JSON",
}


class ApiError(Exception):
    """An HTTP-level refusal that is not a domain rule (payload size, media type, ...)."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        code = PYDANTIC_CODES.get(err.get("type", ""), "INVALID_FORMAT")
        message = str(err.get("msg", "Invalid value"))
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        fields.append({"field": ".".join(loc) or "body", "message": message, "code": code})
    return fields


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = field_errors(exc)
        if any(f["code"] == "INVALID_JSON" for f in fields):
            return error_response(400, "VALIDATION_ERROR", "The request body is not valid JSON",
                                  {"fields": [{"field": "body", "message": "Malformed JSON",
                                               "code": "INVALID_JSON"}]})
        return error_response(400, "VALIDATION_ERROR", "The request contains invalid data",
                              {"fields": fields})

    @app.exception_handler(errors.DomainError)
    async def domain_error(request: Request, exc: errors.DomainError) -> JSONResponse:
        if isinstance(exc, RateLimited):
            return rate_limited(exc)
        if isinstance(exc, errors.InvalidInput):
            return error_response(400, "VALIDATION_ERROR", exc.message, {"fields": [
                {"field": request_field(exc.field), "message": exc.message,
                 "code": exc.field_code}]})
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, exc.code, exc.message, exc.details or None, headers)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(KeyInUse)
    async def key_in_use(request: Request, exc: KeyInUse) -> JSONResponse:
        return error_response(409, "IDEMPOTENCY_KEY_IN_USE",
                              "A request with this Idempotency-Key is still being processed")

    @app.exception_handler(KeyReused)
    async def key_reused(request: Request, exc: KeyReused) -> JSONResponse:
        return error_response(422, "IDEMPOTENCY_KEY_REUSED",
                              "This Idempotency-Key was used with a different request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 401: "UNAUTHORIZED",
                 403: "FORBIDDEN"}
        if exc.status_code not in codes:
            # FastAPI could not read the body (not UTF-8, nested past the parser's depth,
            # broken multipart): a validation error of the body, as docs/api.md says.
            message = unreadable_body(exc)
            multipart = request.headers.get("content-type", "").startswith("multipart/")
            return error_response(400, "VALIDATION_ERROR", message, {"fields": [
                {"field": "body", "message": message,
                 "code": "INVALID_FORMAT" if multipart else "INVALID_JSON"}]})
        status = exc.status_code
        message = "Not found" if status == 404 else str(exc.detail)
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 405:
            headers["Allow"] = ", ".join(allowed_methods(request, headers.get("Allow", "")))
        return error_response(status, codes[status], message, headers=headers or None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unhandled", path=request.url.path)
        # This answer leaves outside the request-context middleware: carry its id here.
        request_id = getattr(request.state, "request_id", None)
        return error_response(500, "INTERNAL_ERROR", "Something went wrong on our side",
                              headers={"X-Request-ID": request_id} if request_id else None)


def unreadable_body(exc: StarletteHTTPException) -> str:
    cause = exc.__cause__
    if isinstance(cause, RecursionError):
        return "The JSON body is nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return "The request body is not valid UTF-8"
    return "The request body could not be read"


def allowed_methods(request: Request, given: str = "") -> list[str]:
    """Every method the API documents on this path (Starlette names only the first route's
    methods, though several routes may share a path)."""
    methods = {m.strip().upper() for m in given.split(",") if m.strip()}
    for pattern, operations in _path_patterns(request.app):
        if pattern.match(request.url.path):
            methods |= operations
    return sorted(methods)


def _path_patterns(app: FastAPI) -> list[tuple[re.Pattern[str], set[str]]]:
    cached: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        app.state, "_allow_patterns", None)
    if cached is None:
        cached = []
        for template, operations in app.openapi().get("paths", {}).items():
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            cached.append((re.compile(f"^{regex}$"), {m.upper() for m in operations}))
        app.state._allow_patterns = cached
    return cached


def rate_limited(exc: RateLimited) -> JSONResponse:
    import time

    retry = max(1, int(exc.reset_at - time.time()) + 1)
    return error_response(
        429, "RATE_LIMIT_EXCEEDED", exc.message,
        {"limit": exc.limit, "remaining": 0, "resetTime": exc.reset_time},
        headers={"Retry-After": str(retry),
                 "RateLimit-Policy": f"{exc.limit};w={exc.window_s}",
                 "RateLimit": f"limit={exc.limit}, remaining=0, reset={retry}"},
    )


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses a route can answer."""
    descriptions = {
        400: "Invalid request (VALIDATION_ERROR)", 401: "Missing, invalid or expired token",
        402: "Payment declined", 403: "Forbidden", 404: "Not found",
        409: "Conflict (EMAIL_TAKEN, INSUFFICIENT_STOCK, INVALID_STATE_TRANSITION, "
             "CONCURRENCY_CONFLICT, IDEMPOTENCY_KEY_IN_USE)",
        413: "Payload too large", 415: "Unsupported media type",
        422: "IDEMPOTENCY_KEY_REUSED", 429: "RATE_LIMIT_EXCEEDED",
        500: "INTERNAL_ERROR", 503: "SERVICE_UNAVAILABLE",
    }
    return {s: {"model": ErrorResponse, "description": descriptions[s]} for s in statuses}
