"""ASGI middleware: request context (id, logs, metrics, body limit) and idempotency keys."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.idempotency import IdempotencyStore, KeyInUse, KeyReused, Stored, person_in
from adapters.outage import RETRY_AFTER_S, Breaker, open_attempts, unavailable
from adapters.security.tokens import TokenService
from application import metadata, receipts
from domain import ids
from domain.errors import Unauthenticated

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
        except Unauthenticated as exc:
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
            except Unauthenticated:
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


# Public id prefixes of the aggregates a 202 may name (never the email index: its id is
# derived from an address).
_PREFIX = {"Order": "order", "Cart": "cart", "User": "usr", "Product": "prod",
           "PaymentOrder": "pay", "Render": "render", "Avatar": "avatar", "Upload": "upl",
           "Closet": "closet"}


def accepted_body(book: list[receipts.Receipt]) -> bytes:
    """The answer of a command that was recorded but whose result cannot be shown now (the
    read models lag behind, or the database went away after the commit): what it recorded."""
    recorded = []
    for receipt in book:
        for kind, aggregate_id in receipt.aggregates:
            prefix = _PREFIX.get(kind)
            if prefix is not None:
                entry = {"type": prefix, "id": ids.encode(prefix, aggregate_id)}
                if entry not in recorded:
                    recorded.append(entry)
    return json.dumps({"success": True, "data": {
        "status": "accepted",
        "message": "Recorded. It is not visible in the read views yet; read it again shortly.",
        "recorded": recorded,
        "positions": {r.log: r.position for r in book}}}).encode()


async def send_accepted(send: Send, book: list[receipts.Receipt]) -> Stored:
    body = accepted_body(book)
    headers = {"content-type": "application/json", "retry-after": "1"}
    await _send_json(send, 202, body, [(b"retry-after", b"1")])
    return Stored(202, headers, body)


class Outages:
    """Opens the request's receipt book (``application.receipts``) and turns failures into
    the right answer:

    - a request that committed something is never answered 5xx: ``202`` with what it
      recorded (its Idempotency-Key keeps that answer, see ``Idempotency``);
    - a dependency being unreachable (``outage.unavailable``) is ``503 SERVICE_UNAVAILABLE``
      with ``Retry-After``; while the breaker is open (the database known to be down) API
      requests get that answer at once, without waiting on a pool;
    - anything else goes on to the 500 handler.
    """

    OPERATIONS = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, breaker: Breaker | None = None) -> None:
        self.app = app
        self.breaker = breaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        book = receipts.open_book()
        open_attempts()
        if (self.breaker is not None and self.breaker.is_open
                and not scope["path"].startswith(self.OPERATIONS)):
            await send_unavailable(send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            down = unavailable(exc)
            if down and self.breaker is not None:
                self.breaker.trip()
            if started:
                raise
            if book:
                log.warning("http.committed_then_failed", error=type(exc).__name__,
                            detail=str(exc)[:200])
                await send_accepted(tracked_send, book)
                return
            if not down:
                raise
            log.warning("http.unavailable", error=type(exc).__name__, detail=str(exc)[:200])
            await send_unavailable(tracked_send)


async def send_unavailable(send: Send) -> None:
    await _send_json(send, 503, _json_error(
        503, "SERVICE_UNAVAILABLE",
        "A service this request needs is unavailable; try again shortly"),
        [(b"retry-after", str(RETRY_AFTER_S).encode())])


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
            except Unauthenticated:
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
                response["started"] = True
                response["status"] = message["status"]
                response["headers"] = {k.decode("latin-1"): v.decode("latin-1")
                                       for k, v in message.get("headers", [])
                                       if k.lower() not in (b"content-length", b"x-request-id")}
            elif message["type"] == "http.response.body":
                response["body"].append(message.get("body", b""))
            await send(message)

        book = receipts.current()
        stored_response: Stored | None = None
        try:
            await self.app(scope, replay_receive, capture_send)
        except Exception:
            if not book or "started" in response:
                raise
            # Committed, then failed (read models lagging, database gone): the command must
            # not run again, so the key keeps what it recorded.
            stored_response = await send_accepted(send, book)
        finally:
            status = int(response["status"])
            body = b"".join(response["body"])
            if stored_response is None:
                stored_response = Stored(status, response["headers"], body)
            committed = bool(book)
            if not committed and _not_executed(status, body):
                await _off_the_loop(self._settle, self.store.release, owner, key)
            else:
                await _off_the_loop(self._settle, self.store.complete, owner, key,
                                    stored_response, _person(stored_response, book))

    @staticmethod
    def _settle(call: Callable[..., None], *args: Any) -> None:
        """Records (or frees) the key; with the database gone, goes on trying in the
        background rather than losing the record: a committed command whose key stayed
        "processing" could be run again once the lease ran out."""
        try:
            call(*args)
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("idempotency.settle_deferred", error=type(exc).__name__)
            threading.Thread(target=_settle_later, args=(call, *args), daemon=True,
                             name="idempotency-settle").start()


def _settle_later(call: Callable[..., None], *args: Any) -> None:
    from projections.backoff import Backoff

    backoff = Backoff(0.25, 1.0)
    while True:
        time.sleep(backoff.failed())
        try:
            call(*args)
            return
        except Exception as exc:
            if not unavailable(exc):
                log.exception("idempotency.settle_failed")
                return


def _person(response: Stored, book: list[receipts.Receipt] | None) -> str | None:
    """The person a stored response is about, when the key's owner may not say it (register,
    login, refresh and email verification run before the client holds a token): a User the
    request saved, else the user or access token the answer hands out. Erasure finds the
    stored response by it."""
    for receipt in book or ():
        for kind, aggregate_id in receipt.aggregates:
            if kind == "User":
                return ids.encode("usr", aggregate_id)
    return person_in(response.body)
