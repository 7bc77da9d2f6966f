"""The API's contract as clients see it: operation ids a client developer would choose, route
functions that stay one call deep, and a client generated from the schema (openapi-python-client)
that can go shopping."""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADDRESS, PASSWORD

ROUTERS = Path(__file__).resolve().parents[2] / "adapters" / "http" / "routers"
OPERATION_ID = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in schema["paths"].items()
            for method, op in ops.items() if method in HTTP_METHODS]


def test_every_operation_id_is_a_unique_resource_and_verb(client: Any) -> None:
    operations = _operations(client.app.openapi())
    found = [op["operationId"] for _, _, op in operations]
    assert len(found) == len(set(found)), sorted(found)
    assert [f for f in found if not OPERATION_ID.match(f)] == []
    assert {"auth_login", "cart_add_item", "order_place", "product_list"} <= set(found)


def _route_functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    routes = []
    for module in sorted(ROUTERS.glob("*.py")):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                    and getattr(d.func.value, "id", None) == "router"
                    for d in node.decorator_list):
                routes.append((module.name, node))
    return routes


def test_route_functions_are_short_and_answer_declared_models() -> None:
    routes = _route_functions()
    assert len(routes) > 50  # every router module was read
    lines = {(name, fn.name): (fn.end_lineno or fn.lineno) - fn.lineno + 1 for name, fn in routes}
    long = {route: n for route, n in lines.items() if n > 15}
    assert long == {}
    hand_built = [m.name for m in ROUTERS.glob("*.py") if "JSONResponse(" in m.read_text()]
    assert hand_built == []


def test_every_json_answer_is_a_declared_model(client: Any) -> None:
    """A 2xx JSON answer has a schema (a generated client can parse it)."""
    untyped = []
    for method, path, op in _operations(client.app.openapi()):
        for status, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            if status.startswith("2") and content is not None and not content.get("schema"):
                untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == []


@pytest.fixture
def generated_client(client: Any, tmp_path: Path) -> Any:
    tools = str(Path(sys.executable).parent)  # the generator, and the ruff it formats with
    path = os.pathsep.join([tools, os.environ.get("PATH", "")])
    generator = shutil.which("openapi-python-client", path=path)
    assert generator is not None, "install the dev extra (openapi-python-client)"
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(client.app.openapi()))
    package = tmp_path / "tryon_client"
    run = subprocess.run([generator, "generate", "--path", str(schema), "--output-path",
                          str(package), "--meta", "none"], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PATH": path})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("tryon_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "tryon_client" or
                     n.startswith("tryon_client.")]:
            del sys.modules[name]


def test_a_generated_client_registers_shops_and_places_an_order(
        client: Any, shirt: dict[str, Any], generated_client: Any) -> None:
    from fastapi.testclient import TestClient

    api = generated_client
    models = importlib.import_module("tryon_client.models")
    call = {name: importlib.import_module(f"tryon_client.api.{group}.{name}") for group, name in [
        ("auth", "auth_register"), ("products", "product_list"), ("cart", "cart_add_item"),
        ("orders", "order_place")]}
    http = TestClient(client.app)
    shop = api.Client(base_url=str(http.base_url)).set_httpx_client(http)

    signed = call["auth_register"].sync(client=shop, body=models.RegisterBody(
        email="generated@example.com", password=PASSWORD, first_name="Gen", last_name="Client"))
    assert isinstance(signed, models.EnvelopeSignedIn), signed
    http.headers["Authorization"] = f"Bearer {signed.data.tokens.access_token}"

    products = call["product_list"].sync(client=shop)
    assert isinstance(products, models.ListEnvelopeProduct), products
    listed = next(p for p in products.data if p.id == shirt["id"])

    cart = call["cart_add_item"].sync(client=shop, body=models.CartItemIn(
        product_id=listed.id, variant_id=listed.variants[0].id, quantity=2))
    assert isinstance(cart, models.EnvelopeCart), cart
    assert cart.data.item_count == 2

    order = call["order_place"].sync(
        client=shop, idempotency_key="generated-client-order",
        body=models.OrderIn(shipping_address=models.AddressBody.from_dict(ADDRESS)))
    assert isinstance(order, models.EnvelopeOrderDetail), order
    assert order.data.status.value == "pending"
    assert [(i.product.id, i.quantity) for i in order.data.items] == [(listed.id, 2)]
    assert order.data.total_amount == cart.data.total
