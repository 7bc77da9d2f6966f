"""A scan through the embedded default (``tryon serve`` alone): the worker thread fits the
body, exports the avatar, and a render of it follows; files come back through signed URLs."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import trimesh
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import People, make_settings, shirt_body

pytestmark = pytest.mark.slow
TIMEOUT_S = 300.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Any]:
    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    container = bootstrap(make_settings("sqlite", tmp_path))
    container.start_background()
    with TestClient(create_app(container)) as client:
        yield client, People(client, container), container
    container.close()


def _wait(client: Any, path: str, headers: dict[str, str], done: tuple[str, ...]) -> Any:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        body = client.get(path, headers=headers).json()["data"]
        if body["status"] in done:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{path} did not finish: {body}")


def _get_signed(client: Any, url: str) -> bytes:
    response = client.get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 200
    return bytes(response.content)


def test_a_measurement_scan_becomes_an_avatar_that_can_be_rendered(stack: Any) -> None:
    client, people, _ = stack
    ada = people.register()
    h = ada["headers"]
    r = client.post("/v1/avatars/scans", headers=h, json={
        "scanType": "body_measurement", "name": "Me",
        "userPreferences": {"height": 172, "weight": 68, "gender": "female"},
        "measurements": {"waist": 74}})
    assert r.status_code == 202, r.text
    scan_id = r.json()["data"]["scanId"]
    scan = _wait(client, f"/v1/avatars/scans/{scan_id}", h, ("completed", "failed"))
    assert scan["status"] == "completed", scan
    assert scan["progress"] == 100 and scan["avatarId"]

    avatar = client.get(f"/v1/avatars/{scan['avatarId']}", headers=h).json()["data"]
    assert avatar["status"] == "active"
    assert abs(avatar["measurements"]["height"] - 172) <= 1.0
    glb = _get_signed(client, avatar["model"]["url"])
    mesh = trimesh.load(io.BytesIO(glb), file_type="glb", force="mesh")
    assert isinstance(mesh, trimesh.Trimesh)
    assert len(mesh.faces) == avatar["model"]["polycount"]
    Image.open(io.BytesIO(_get_signed(client, avatar["preview"]["thumbnail"]))).verify()
    profile = client.get("/v1/users/me", headers=h).json()["data"]
    assert profile["stats"]["avatarScans"] == 1

    admin = people.with_role("admin")
    shirt = client.post("/v1/admin/products", json=shirt_body(), headers=admin["headers"]
                        ).json()["data"]
    r = client.post("/v1/tryon/renders", headers=h, json={
        "avatarId": avatar["id"], "productId": shirt["id"],
        "variantId": shirt["variants"][0]["id"],
        "output": {"resolution": "720p", "format": "png", "quality": "low",
                   "background": "transparent"}})
    assert r.status_code == 202, r.text
    render = _wait(client, f"/v1/tryon/renders/{r.json()['data']['renderId']}", h,
                   ("completed", "failed"))
    assert render["status"] == "completed", render
    image = Image.open(io.BytesIO(_get_signed(client, render["resultUrl"])))
    assert image.format == "PNG" and image.mode == "RGBA"
    assert sorted(image.size) == [720, 1280]
    for corner in ((0, 0), (image.width - 1, 0), (0, image.height - 1)):
        assert cast(tuple[int, ...], image.getpixel(corner))[3] == 0
    assert render["fit"]["report"]
    assert client.get("/v1/users/me", headers=h).json()["data"]["stats"]["tryOnsGenerated"] == 1
