"""The product's own photos reach the try-on: an admin's uploaded photo, referenced by the
product, is handed to the render worker by key and shows on the avatar; the demo seeder puts
the demo products' photos in the blob store and the render command carries their keys."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from render_engine.garment.product_images import product_photo
from tests.conftest import shirt_body

BODY = {"model": "anny", "modelVersion": "0.6.2",
        "phenotype": {"gender": 0.474338, "age": 0.666628, "muscle": 0.368914,
                      "weight": 0.633417, "height": 0.416129, "proportions": 0.509112},
        "skinColor": [0.8, 0.62, 0.52]}


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    from tests.conftest import make_settings

    # one real render is enough (the stores are tested elsewhere); product images must be
    # https links, so the shop is served at an https address
    return make_settings("sqlite", tmp_path, public_url="https://shop.example.com")


def _scanned_avatar(client: Any, container: Any, person: dict[str, Any]) -> str:
    r = client.post("/v1/avatars/scans", headers=person["headers"], json={
        "scanType": "body_measurement", "userPreferences": {"height": 175, "weight": 70}})
    assert r.status_code == 202, r.text
    scan_id = r.json()["data"]["scanId"]
    # as a worker reports a completed scan: the test pays for the render only
    container.studio.apply_report({
        "kind": "scan", "commandId": "test", "scanId": scan_id, "type": "completed",
        "result": {"body": BODY, "measurements": {"height": 175.0}, "qualityScore": 0.9}})
    container.dispatcher._record(container.studio.recorder.max_notification_id() or 0)
    return str(scan_id).replace("scan_", "avatar_")


def _recorded_garment(container: Any, render_id: str) -> dict[str, Any]:
    from domain import ids

    events = container.studio.repository.event_store.get(ids.decode("render", render_id))
    return dict(next(iter(events)).garment)


def _red_pixels(png: bytes) -> int:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 150) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)).sum())


def test_an_uploaded_product_photo_with_a_mark_shows_the_mark_on_the_try_on(
        client: Any, container: Any, people: Any, admin: dict[str, Any]) -> None:
    photos = {"front": product_photo("#2E4A7D", "plain", "tops", mark=True),
              "back": product_photo("#2E4A7D", "plain", "tops")}
    images = []
    for side, data in photos.items():
        r = client.post("/v1/uploads", headers=admin["headers"],
                        data={"purpose": "product_image"},
                        files={"file": (f"{side}.png", data, "image/png")})
        assert r.status_code == 201, r.text
        images.append({"url": r.json()["data"]["url"], "type": side, "resolution": "high"})
    # another site's picture is never fetched: it is left out of the render command
    images.append({"url": "https://cdn.example.com/p/detail.jpg", "type": "front"})
    body = {**shirt_body(), "images": images}
    body["variants"][0]["colorHex"] = "#2E4A7D"
    r = client.post("/v1/admin/products", json=body, headers=admin["headers"])
    assert r.status_code == 201, r.text
    product = r.json()["data"]

    ada = people.register()
    avatar_id = _scanned_avatar(client, container, ada)
    container.start_background()
    r = client.post("/v1/tryon/renders", headers=ada["headers"], json={
        "avatarId": avatar_id, "productId": product["id"],
        "variantId": product["variants"][0]["id"],
        "output": {"resolution": "720p", "format": "png", "quality": "low"}})
    assert r.status_code == 202, r.text
    render_id = r.json()["data"]["renderId"]
    garment = _recorded_garment(container, render_id)
    assert len(garment["imageKeys"]) == 2
    assert [container.blobs.get(k) for k in garment["imageKeys"]] == list(photos.values())
    assert garment["subcategory"] == "shirts" and "cotton" in garment["material"]

    deadline = time.monotonic() + 300
    while True:
        status = client.get(f"/v1/tryon/renders/{render_id}", headers=ada["headers"]).json()
        if status["data"]["status"] in ("completed", "failed", "cancelled"):
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    assert status["data"]["status"] == "completed", status
    path = status["data"]["resultUrl"].split("://", 1)[1].split("/", 1)[1]
    picture = client.get("/" + path)
    assert picture.status_code == 200
    # the red square on the chest of the front photo is on the avatar's chest (the colour
    # swatch alone, navy on a light background, has no red at all)
    assert _red_pixels(picture.content) > 200


def test_the_seeded_demo_products_try_on_their_own_photos(
        client: Any, container: Any, people: Any) -> None:
    from adapters.demo_catalog import DEMO_PRODUCTS, demo_photos
    from adapters.seed import seed_demo_catalog

    assert seed_demo_catalog(container.shop, container.blobs) == len(DEMO_PRODUCTS)
    assert seed_demo_catalog(container.shop, container.blobs) == 0
    container.runner.catch_up()
    listed = client.get("/v1/products", params={"search": "Linen", "limit": 5}).json()["data"]
    shirt = next(p for p in listed if p["tryonAvailable"])
    raw = next(p for p in DEMO_PRODUCTS if p["name"] == shirt["name"])
    front = next(i for i in shirt["images"] if i["type"] == "front")
    # the storefront shows the same photo the try-on uses
    path = front["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).content == demo_photos(raw)[0]

    ada = people.register()
    avatar_id = _scanned_avatar(client, container, ada)
    r = client.post("/v1/tryon/renders", headers=ada["headers"], json={
        "avatarId": avatar_id, "productId": shirt["id"], "variantId": shirt["variants"][0]["id"],
        "output": {"resolution": "720p", "format": "png", "quality": "low"}})
    assert r.status_code == 202, r.text
    garment = _recorded_garment(container, r.json()["data"]["renderId"])
    assert [container.blobs.get(k) for k in garment["imageKeys"]] == demo_photos(raw)
