"""Property-based conformance of the whole API to its own OpenAPI schema (Schemathesis v4,
in process, on the ASGI app): no server errors, only documented status codes, content types,
headers and bodies, for an authenticated user over every endpoint."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ADDRESS, PASSWORD, shirt_body

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


class Shop:
    """The app under test, one signed-in user with every role, and ids that really exist."""

    def __init__(self, tmp: Path) -> None:
        from fastapi.testclient import TestClient

        from adapters.bootstrap import bootstrap
        from adapters.http.app import create_app
        from domain import ids
        from tests.conftest import make_settings

        self.container = bootstrap(make_settings("sqlite", tmp, rate_limit_enabled=False))
        self.app = create_app(self.container)
        client = TestClient(self.app)
        r = client.post("/v1/auth/register", json={
            "email": "fuzz@example.com", "password": PASSWORD, "firstName": "Fuzz",
            "lastName": "Tester"})
        assert r.status_code == 201, r.text
        user = r.json()["data"]["user"]
        user_id = ids.decode("usr", user["id"])
        assert user_id is not None
        for role in ("admin", "auditor", "analyst"):
            self.container.accounts.grant_role(user_id, role)
        self.container.runner.catch_up()
        self.headers = {"Authorization":
                        f"Bearer {r.json()['data']['tokens']['accessToken']}"}
        r = client.post("/v1/admin/products", json=shirt_body(stock=500), headers=self.headers)
        assert r.status_code == 201, r.text
        product = r.json()["data"]
        r = client.post("/v1/users/me/addresses", json=ADDRESS, headers=self.headers)
        assert r.status_code == 201, r.text
        address = r.json()["data"]["id"]
        r = client.post("/v1/cart/items", headers=self.headers, json={
            "productId": product["id"], "variantId": product["variants"][0]["id"],
            "quantity": 1})
        assert r.status_code == 201, r.text
        item = r.json()["data"]["items"][0]["id"]
        r = client.post("/v1/orders", json={"shippingMethod": "standard"},
                        headers={**self.headers, "Idempotency-Key": "seed-order"})
        assert r.status_code == 201, r.text
        order = r.json()["data"]["id"]
        r = client.post("/v1/payments/orders", json={"orderId": order},
                        headers={**self.headers, "Idempotency-Key": "seed-payment"})
        assert r.status_code == 201, r.text
        payment = r.json()["data"]["paymentOrderId"]
        self.known = {"productId": product["id"], "variantId": product["variants"][0]["id"],
                      "addressId": address, "itemId": item, "orderId": order,
                      "paymentOrderId": payment}
        self.turn = itertools.count()

    def use_real_ids(self, case: Any) -> None:
        """Every other case aims at resources that exist, so that the success paths (and
        their response schemas) are exercised too, not only 404s."""
        if next(self.turn) % 2 or not case.path_parameters:
            return
        for name in case.path_parameters:
            if name in self.known:
                case.path_parameters[name] = self.known[name]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    s = Shop(tmp_path_factory.mktemp("schemathesis"))
    yield s
    s.container.close()


@pytest.fixture(scope="module")
def api_schema(shop: Shop) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", shop.app)


def test_every_endpoint_conforms_to_the_openapi_schema(shop: Shop, api_schema: Any) -> None:
    """Each operation, with valid and with invalid input. (One test that walks the operations:
    schemathesis' lazy ``from_fixture`` loader does not run on this pytest version.)"""
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=15 if mode is GenerationMode.POSITIVE else 8,
                      deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def conforms(case: Any) -> None:
                shop.use_real_ids(case)
                case.call_and_validate(headers=shop.headers, checks=CHECKS)

            try:
                conforms()
            except Unsatisfiable:
                # No invalid input exists for this operation (no parameters, or only free
                # strings): there is nothing to generate in the negative mode.
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except (Exception, BaseExceptionGroup) as exc:  # collected: report every operation
                failures[f"{operation.label} ({mode.value})"] = f"{type(exc).__name__}: {exc}"
    assert not failures, "\n\n".join(f"== {k}\n{v}" for k, v in failures.items())


# -- what the fuzzing found, pinned as plain regression tests ---------------------------------
def test_a_profile_patch_cannot_blank_the_name(client: Any, people: Any) -> None:
    ada = people.register()
    r = client.patch("/v1/users/me", headers=ada["headers"], json={"firstName": None})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["fields"][0]["field"] == "firstName"
    assert client.get("/v1/users/me", headers=ada["headers"]).json()["data"]["firstName"] == "Ada"


def test_a_product_patch_cannot_null_a_field_every_product_has(
        client: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    h = admin["headers"]
    for field in ("name", "specifications", "shipping", "tags", "images", "category"):
        r = client.patch(f"/v1/admin/products/{shirt['id']}", headers=h, json={field: None})
        assert r.status_code == 400, (field, r.text)
        assert r.json()["error"]["details"]["fields"][0]["field"] == field
    r = client.patch(f"/v1/admin/products/{shirt['id']}/variants/{shirt['variants'][0]['id']}",
                     headers=h, json={"stock": None})
    assert r.status_code == 400, r.text
    # The catalog still projects and answers.
    r = client.patch(f"/v1/admin/products/{shirt['id']}", headers=h, json={"brand": "Other"})
    assert r.status_code == 200 and r.json()["data"]["brand"] == "Other"
    assert client.get(f"/v1/products/{shirt['id']}").json()["data"]["variants"][0]["stock"] == 25


def test_a_non_ascii_file_signature_is_forbidden_not_a_crash(client: Any) -> None:
    r = client.get("/v1/files/uploads/x.png", params={"expires": 2**39, "signature": "é" * 64})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "FORBIDDEN"


def test_a_non_ascii_webhook_signature_is_rejected_not_a_crash(client: Any) -> None:
    import time

    header = f"t={int(time.time())},v1=".encode() + b"\xe9" * 64
    r = client.post("/v1/payments/webhook", content=b'{"type": "payment.failed", "data": {}}',
                    headers={"Tryon-Signature": header, "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_errors_of_html_and_text_routes_are_documented_as_json(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    checkout = paths["/v1/payments/sandbox/{paymentOrderId}/checkout"]["get"]["responses"]
    assert list(checkout["404"]["content"]) == ["application/json"]
    assert list(checkout["200"]["content"]) == ["text/html"]
    r = client.get("/v1/payments/sandbox/pay_nothing/checkout")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


# Operations whose every rule is one the schema can state: a request the schema calls valid
# must not be refused as invalid (issue 10: 42 schema-valid requests were). Operations with
# rules a schema cannot state (a date no later than today,
# reserved email domains, cross-field scan rules, render presets the render engine lists) or
# that depend on state (a variant's SKU is unique) are not listed.
SCHEMA_IS_THE_RULE = (
    "POST /v1/users/me/addresses", "PATCH /v1/users/me/addresses/{addressId}",
    "POST /v1/admin/products", "PATCH /v1/admin/products/{productId}",
    "PATCH /v1/admin/products/{productId}/variants/{variantId}", "GET /v1/products",
)


def test_requests_the_schema_calls_valid_are_not_refused_as_invalid(
        shop: Shop, api_schema: Any) -> None:
    refused: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    chosen = [op for op in operations if op.label in SCHEMA_IS_THE_RULE]
    assert len(chosen) == len(SCHEMA_IS_THE_RULE)
    for operation in chosen:

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def accepted(case: Any) -> None:
            shop.use_real_ids(case)
            if case.headers:  # a reused key is a state rule (422), not a schema one
                case.headers.pop("Idempotency-Key", None)
            response = case.call(headers=shop.headers)
            if response.status_code in (400, 415, 422):
                refused.append(f"{case.operation.label}: {response.status_code} "
                               f"{response.text[:300]}"
                               f" for {case.body!r:.300}")

        accepted()
    assert not refused, "\n".join(refused)
