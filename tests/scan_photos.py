"""Photo scans for tests: a known anny body photographed as the capture protocol says, sent
through the API, and the scan's photo reports with their overlays read back."""

from __future__ import annotations

import io
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import People, make_settings

POSES = ["front", "side_left", "back"]
LEAN_MAN = {"gender": 0.1, "age": 0.8, "muscle": 0.6, "weight": 0.4, "height": 0.55,
            "proportions": 0.5}
TIMEOUT_S = 400.0
CUT_OFF = 0.7  # of a cut-off photo's height kept: the feet and shins are outside it


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[Any, People]]:
    """An API with its embedded worker running in the background (SQLite)."""
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    container = bootstrap(make_settings("sqlite", tmp_path))
    container.start_background()
    with TestClient(create_app(container)) as client:
        yield client, People(client, container)
    container.close()


def synthetic_photos(dark: bool = False, cut_off: Collection[str] = ()
                     ) -> tuple[float, list[bytes]]:
    """Photos of a known anny body taken by the capture protocol, the poses in ``cut_off``
    with their bottom cut away; the body's height in cm."""
    from render_engine.body import build_body
    from render_engine.scan.render import encode_png, flat_shaded_photos

    body = build_body(LEAN_MAN)
    images = flat_shaded_photos(body.mesh.verts, body.mesh.faces, body.mesh.colors, POSES,
                                height=360)
    if dark:
        images = images * 0.02
    photos = []
    for pose, image in zip(POSES, images, strict=True):
        if pose in cut_off:
            image = image[:, : round(image.shape[1] * CUT_OFF)]
        photos.append(encode_png(image))
    return body.measurements["height"], photos


def request_photo_scan(client: Any, headers: dict[str, str], dark: bool = False,
                       cut_off: Collection[str] = (),
                       camera_pitch: float | None = None) -> tuple[float, str]:
    """A scan of `synthetic_photos`, each sent with `camera_pitch` (as a phone's motion
    sensor would) when given; the body's height in cm and the scan's id."""
    height, photos = synthetic_photos(dark, cut_off)
    images = []
    for pose, data in zip(POSES, photos, strict=True):
        r = client.post("/v1/uploads", headers=headers, data={"purpose": "scan_image"},
                        files={"file": (f"{pose}.png", data, "image/png")})
        assert r.status_code == 201, r.text
        image = {"url": r.json()["data"]["url"], "pose": pose}
        if camera_pitch is not None:
            image["cameraPitchDeg"] = camera_pitch
        images.append(image)
    r = client.post("/v1/avatars/scans", headers=headers, json={
        "scanType": "photo_based", "images": images,
        "userPreferences": {"height": round(height), "gender": "male"}})
    assert r.status_code == 202, r.text
    return height, str(r.json()["data"]["scanId"])


def wait_scan(client: Any, headers: dict[str, str], scan_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        scan = client.get(f"/v1/avatars/scans/{scan_id}", headers=headers).json()["data"]
        if scan["status"] in ("completed", "failed"):
            return dict(scan)
        time.sleep(0.5)
    raise AssertionError(f"scan {scan_id} did not finish")


def path_of(url: str) -> str:
    """A link's path and query, to ask the test client for it."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def key_of(url: str) -> str:
    """The blob key a signed file link names."""
    from urllib.parse import unquote

    return unquote(path_of(url).split("?", 1)[0][len("/v1/files/"):])


def scan_by_the_embedded_worker(container: Any, scan_id: str) -> None:
    """Runs the scan's command through the embedded worker here and now (no background
    threads): what the dispatcher would send, handled as the API process's worker does."""
    from adapters.dispatcher import scan_command
    from adapters.worker_host import embedded_worker
    from domain import ids

    requested = next(iter(container.studio.repository.event_store.get(
        ids.decode("scan", scan_id))))
    handle, _ = embedded_worker(container.studio, container.blobs)
    handle(scan_command(requested), 1)
    container.runner.catch_up()


def fetch_overlay(client: Any, headers: dict[str, str], photo: dict[str, Any]
                  ) -> Image.Image:
    """A photo report's overlay, fetched with ``headers`` (the owner's) and decoded."""
    served = client.get(path_of(photo["overlayUrl"]), headers=headers)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    image.load()
    return image
