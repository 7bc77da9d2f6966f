"""Refuses NUL characters in every text a request carries: path, query, headers, JSON body.

PostgreSQL text cannot hold U+0000: a NUL that reached a query would fail it as a server error
(and could leave the connection unusable). So it is refused at the edge, before the
idempotency store or any route sees the request, as ``400 VALIDATION_ERROR``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MESSAGE = "NUL characters (U+0000) are not allowed"
# A JSON escape \u0000 is preceded by an odd number of backslashes (an even run is a literal
# backslash followed by the text "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _refusal(field: str) -> bytes:
    return json.dumps({"success": False, "error": {
        "code": "VALIDATION_ERROR", "message": MESSAGE,
        "details": {"fields": [{"field": field, "message": MESSAGE,
                                "code": "INVALID_FORMAT"}]}}}).encode()


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    media = next((v for k, v in headers if k == b"content-type"), b"")
    media = media.split(b";")[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def nul_field(scope: Scope) -> str | None:
    """Where the request's path, query or headers carry a NUL, or None."""
    if "\x00" in scope["path"] or b"\x00" in scope.get("raw_path", b""):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    for name, value in scope["headers"]:
        if b"\x00" in name or b"\x00" in value:
            return "header." + bytes(name).replace(b"\x00", b"").decode("latin-1")
    return None


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = nul_field(scope)
        if field is not None:
            await _answer(send, field)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE") \
                or not _is_json(scope["headers"]):
            await self.app(scope, receive, send)
            return
        # JSON bodies are small (the request context caps them): read, check, hand on.
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _once(message, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if b"\x00" in body or _JSON_NUL.search(body):
            await _answer(send, "body")
            return
        await self.app(scope, _once({"type": "http.request", "body": body,
                                     "more_body": False}, receive), send)


def _once(first: Message, receive: Receive) -> Receive:
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return first
        return await receive()

    return replay


async def _answer(send: Send, field: str) -> None:
    body = _refusal(field)
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# In the OpenAPI schema: free text holds no NUL, and text that must not be empty must not be
# blank either (names and the like are stripped of surrounding whitespace before their length
# is checked).
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


def document(schema: Any) -> None:
    """Adds those patterns to every string schema that has no pattern, enum or format."""
    if isinstance(schema, dict):
        names = schema.get("propertyNames")
        if isinstance(names, dict) and "type" not in names:
            names["type"] = "string"  # object keys are strings
        if schema.get("type") == "string" and not {"pattern", "enum", "format",
                                                   "const"} & schema.keys():
            schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) > 0 else NO_NUL
        for value in schema.values():
            document(value)
    elif isinstance(schema, list):
        for value in schema:
            document(value)
