"""Failures keep the ErrorResponse shape and leak nothing; request ids travel both ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import PASSWORD

LEAKS = ("Traceback", 'File "', ".py", "sqlite", "psycopg", "SELECT ", "INSERT ",
         "/work/", "site-packages", "eventsourcing")


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["success"] is False
    assert set(body) == {"success", "error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "details"}
    for leak in LEAKS:
        assert leak not in r.text, leak
    return dict(body["error"])


def test_malformed_json_is_400_validation_error(client: Any, people: Any) -> None:
    for raw in (b"{", b'{"email": ', b"not json", b"[1, 2", b"\xff\xfe", b"{'a': 1}"):
        r = client.post("/v1/auth/register", content=raw,
                        headers={"Content-Type": "application/json"})
        error = assert_error(r, 400, "VALIDATION_ERROR")
        assert error["details"]["fields"][0]["field"] == "body", raw
    h = {**people.register()["headers"], "Content-Type": "application/json"}
    assert_error(client.patch("/v1/users/me", content=b"{'single': 'quotes'}", headers=h), 400,
                 "VALIDATION_ERROR")
    assert_error(client.post("/v1/auth/login", json=["a", "b"]), 400, "VALIDATION_ERROR")


def test_a_body_that_is_not_json_is_415(client: Any) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded",
                         "multipart/form-data; boundary=x", "application/xml"):
        r = client.post("/v1/auth/login",
                        content=b'{"email": "a@example.com", "password": "x"}',
                        headers={"Content-Type": content_type, "X-Request-ID": "media-1"})
        assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
        assert r.headers["X-Request-ID"] == "media-1"


def test_json_with_a_charset_is_accepted(client: Any) -> None:
    r = client.post("/v1/auth/login", content=b'{"email": "a@example.com", "password": "x"}',
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert_error(r, 401, "UNAUTHORIZED")


def test_an_unknown_path_is_404_in_the_error_shape(client: Any) -> None:
    for method, path in (("GET", "/v1/nothing-here"), ("GET", "/nowhere"),
                         ("POST", "/v1/orders/x/y/z"),
                         ("GET", "/v1/products/prod_x/reviews/unknown")):
        assert_error(client.request(method, path), 404, "NOT_FOUND")


def test_a_wrong_method_is_405_in_the_error_shape(client: Any) -> None:
    r = client.request("DELETE", "/v1/products")
    assert r.status_code == 405
    assert_error(r, 405, "METHOD_NOT_ALLOWED")


def test_a_body_over_the_limit_is_413(client: Any, settings: Any) -> None:
    big = json.dumps({"email": "a@example.com", "password": PASSWORD, "firstName": "A",
                      "lastName": "x" * (settings.max_body_bytes + 10)})
    r = client.post("/v1/auth/register", content=big,
                    headers={"Content-Type": "application/json", "X-Request-ID": "big-1"})
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert r.headers["X-Request-ID"] == "big-1"
    assert client.post("/v1/auth/login", json={"email": "a@example.com",
                                               "password": PASSWORD}).status_code == 401


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"email": "a@example.com", "password": "' + PASSWORD.encode() + b'", "x": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


@pytest.mark.parametrize("key", [None, "chunked-1"])
def test_a_streamed_body_over_the_limit_is_413(client: Any, settings: Any,
                                               key: str | None) -> None:
    """Without Content-Length the limit holds on the bytes actually received."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    r = client.post("/v1/auth/login", content=chunks(settings.max_body_bytes + 1),
                    headers=headers)
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert r.headers["X-Request-ID"]


def test_the_request_id_sent_is_echoed_back_and_made_up_otherwise(client: Any) -> None:
    for path in ("/v1/products", "/v1/nothing-here", "/v1/users/me"):
        r = client.get(path, headers={"X-Request-ID": "req-abc.123_XYZ"})
        assert r.headers["X-Request-ID"] == "req-abc.123_XYZ", path
    # Made up when missing, and never echoed when unsafe.
    first = client.get("/v1/products").headers["X-Request-ID"]
    second = client.get("/v1/products").headers["X-Request-ID"]
    assert first and second and first != second
    unsafe = client.get("/v1/products", headers={"X-Request-ID": "evil\tvalue<script>"})
    assert unsafe.headers["X-Request-ID"] not in ("evil\tvalue<script>", "")


def test_validation_errors_name_every_field_without_internals(client: Any) -> None:
    r = client.post("/v1/auth/register", json={"email": 5, "password": None,
                                               "firstName": {"a": 1}, "extra": True})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    fields = {f["field"]: f["code"] for f in error["details"]["fields"]}
    assert {"email", "password", "firstName", "lastName", "extra"} <= set(fields)
    assert fields["lastName"] == "REQUIRED" and fields["extra"] == "UNKNOWN_FIELD"
    for f in error["details"]["fields"]:
        assert set(f) == {"field", "message", "code"}


def test_an_unexpected_failure_is_500_without_a_stack_trace(client: Any, container: Any,
                                                            monkeypatch: Any) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals at /work/main/projections/queries.py")

    from fastapi.testclient import TestClient

    from adapters.http.app import create_app

    logged: list[tuple[str, dict[str, Any]]] = []

    class Log:
        def exception(self, event: str, **kw: Any) -> None:
            logged.append((event, kw))

    monkeypatch.setattr(container.read, "products", explode)
    monkeypatch.setattr("adapters.http.errors.log", Log())  # kept on our side, not sent
    with TestClient(create_app(container), raise_server_exceptions=False) as raw:
        r = raw.get("/v1/products", headers={"X-Request-ID": "boom-1"})
    assert r.headers["X-Request-ID"] == "boom-1"
    error = assert_error(r, 500, "INTERNAL_ERROR")
    assert "secret" not in json.dumps(error)
    assert logged == [("http.unhandled", {"path": "/v1/products"})]


def test_error_responses_across_the_api_have_the_same_shape(client: Any, people: Any,
                                                            shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    assert_error(client.get("/v1/users/me"), 401, "UNAUTHORIZED")
    assert_error(client.get("/v1/users/me", headers={"Authorization": "Bearer x.y.z"}), 401,
                 "INVALID_TOKEN")
    assert_error(client.post("/v1/admin/products", json={}, headers=h), 403, "FORBIDDEN")
    assert_error(client.get("/v1/orders/order_" + "A" * 22, headers=h), 404, "NOT_FOUND")
    assert_error(client.post("/v1/cart/items", json={
        "productId": shirt["id"], "variantId": shirt["variants"][0]["id"], "quantity": 99},
        headers=h), 409, "INSUFFICIENT_STOCK")
    assert_error(client.post("/v1/orders", json={}, headers=h), 400, "VALIDATION_ERROR")
