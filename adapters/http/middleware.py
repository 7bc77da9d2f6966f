"""ASGI middleware: request context (id, logs, metrics, body limit) and idempotency keys."""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.idempotency import IdempotencyStore, KeyInUse, KeyReused, Stored
from adapters.security.tokens import TokenService
from application import metadata
from domain.errors import NotAuthenticated

log = structlog.get_logger("tryon.http")
T = TypeVar("T")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def _json_error(status: int, code: str, message: str) -> bytes:
    return json.dumps({"success": False, "error": {"code": code, "message": message}}).encode()


async def _send_json(send: Send, status: int, body: bytes,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


async def _off_the_loop(call: Callable[..., T], *args: Any) -> T:
    """A blocking call (the idempotency store's database transactions) in the threadpool,
    so that the event loop keeps serving every other request meanwhile; shielded, so that a
    cancelled request still records or releases its key."""
    with anyio.CancelScope(shield=True):
        result = await anyio.to_thread.run_sync(call, *args)
    return result


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("tryon_http_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("tryon_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], registry=self.registry)


def access_claims(scope: Scope, tokens: TokenService, token: str) -> dict[str, Any]:
    """The claims of the request's access token, decoded once per request: the request
    context, the idempotency owner and the route's principal all ask for them. Raises what
    ``TokenService.decode`` raises, every time it is asked."""
    state = scope.setdefault("state", {})
    cached = state.get("_access_claims")
    if cached is None or cached[0] != token:
        try:
            cached = (token, tokens.decode(token, "access"), None)
        except NotAuthenticated as exc:
            cached = (token, None, exc)
        state["_access_claims"] = cached
    if cached[2] is not None:
        raise cached[2]
    return dict(cached[1])


class RequestContext:
    """Request id (``X-Request-ID`` in and out), structured access logs, metrics, and a cap on
    body size enforced on the bytes actually received, not only on Content-Length."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int,
                 tokens: TokenService) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.tokens = tokens

    def _actor(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if auth.lower().startswith("bearer "):
            try:
                return str(access_claims(scope, self.tokens, auth[7:].strip())["sub"])
            except NotAuthenticated:
                pass
        return "anonymous"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        correlation = headers.get(b"x-correlation-id", b"").decode("latin-1")
        correlation_id = correlation if _REQUEST_ID.match(correlation) else request_id
        scope.setdefault("state", {})["request_id"] = request_id
        actor = self._actor(scope, headers)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, user_id=actor,
                                               correlation_id=correlation_id)
        # Every event this request causes records who, which request and which conversation.
        metadata.bind(actor=actor, requestId=request_id, correlationId=correlation_id,
                      causationId=request_id)
        limit = self.max_body
        if scope["path"].startswith("/v1/uploads"):
            limit = 100 * 1024 * 1024 + 64 * 1024
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_json(send, 413, _json_error(413, "PAYLOAD_TOO_LARGE",
                                                    "The request body is too large"),
                             [(b"x-request-id", request_id.encode())])
            return
        if _not_json(scope["method"], scope["path"], headers):
            await _send_json(send, 415, _json_error(
                415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON (application/json)"),
                [(b"x-request-id", request_id.encode())])
            return
        received = 0
        too_large = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _TooLarge()
            return message

        status = 500
        started = time.perf_counter()

        async def tracked_send(message: Message) -> None:
            nonlocal status
            if too_large:
                # The app caught our refusal while reading the body and answered with its own
                # error (FastAPI turns it into a 400): answer 413 instead, once.
                if message["type"] == "http.response.start":
                    status = 413
                    await _send_json(send, 413, _json_error(413, "PAYLOAD_TOO_LARGE",
                                                            "The request body is too large"),
                                     [(b"x-request-id", request_id.encode())])
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            status = 413
            await _send_json(send, 413, _json_error(413, "PAYLOAD_TOO_LARGE",
                                                    "The request body is too large"),
                             [(b"x-request-id", request_id.encode())])
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], path, str(status)).inc()
            self.metrics.latency.labels(scope["method"], path).observe(elapsed)
            log.info("http.request", method=scope["method"], path=scope["path"], status=status,
                     ms=round(elapsed * 1000, 2), too_large=too_large or None)


class _TooLarge(Exception):
    pass


def _not_json(method: str, path: str, headers: dict[bytes, bytes]) -> bool:
    """A body declared as something other than JSON, on a route that only reads JSON
    (uploads are the multipart exception)."""
    if method not in ("POST", "PUT", "PATCH", "DELETE") or path.startswith("/v1/uploads"):
        return False
    media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
    return bool(media) and has_body and not (media == b"application/json"
                                             or media.endswith(b"+json"))


def _not_executed(status: int, body: bytes) -> bool:
    """Like Stripe: a result is kept only when the request ran. Refusals before it ran
    (invalid input, auth, size, media type, rate limit), a lost race and server errors leave
    the key free, so that a corrected retry with the same key can still go through."""
    if status >= 500 or status in (400, 401, 403, 413, 415, 429):
        return True
    return status == 409 and b'"CONCURRENCY_CONFLICT"' in body


class Idempotency:
    """Replays the first response of a POST retried with the same ``Idempotency-Key``."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore, tokens: TokenService) -> None:
        self.app = app
        self.store = store
        self.tokens = tokens

    def _owner(self, scope: Scope) -> str:
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if auth.lower().startswith("bearer "):
            try:
                return "user:" + str(access_claims(scope, self.tokens, auth[7:].strip())["sub"])
            except NotAuthenticated:
                pass
        client = scope.get("client") or ("unknown", 0)
        return f"client:{client[0]}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key_raw = dict(scope["headers"]).get(b"idempotency-key")
        if key_raw is None:
            await self.app(scope, receive, send)
            return
        key = key_raw.decode("latin-1")
        if not 1 <= len(key) <= 255:
            await self.app(scope, receive, send)  # the route's header validation answers
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        owner = self._owner(scope)
        fingerprint = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"?"
            + scope.get("query_string", b"") + b"\n" + body).hexdigest()
        try:
            stored = await _off_the_loop(self.store.claim, owner, key, fingerprint)
        except KeyInUse:
            await _send_json(send, 409, _json_error(
                409, "IDEMPOTENCY_KEY_IN_USE",
                "A request with this Idempotency-Key is still being processed"))
            return
        except KeyReused:
            await _send_json(send, 422, _json_error(
                422, "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was used with a different request"))
            return
        if stored is not None:
            headers = [(k.encode(), v.encode()) for k, v in stored.headers.items()]
            await send({"type": "http.response.start", "status": stored.status,
                        "headers": [*headers, (b"idempotent-replayed", b"true")]})
            await send({"type": "http.response.body", "body": stored.body})
            return

        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        response: dict[str, Any] = {"status": 500, "headers": {}, "body": []}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = {k.decode("latin-1"): v.decode("latin-1")
                                       for k, v in message.get("headers", [])
                                       if k.lower() not in (b"content-length", b"x-request-id")}
            elif message["type"] == "http.response.body":
                response["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            status = int(response["status"])
            body = b"".join(response["body"])
            if _not_executed(status, body):
                await _off_the_loop(self.store.release, owner, key)
            else:
                await _off_the_loop(self.store.complete, owner, key,
                                    Stored(status, response["headers"], body))
