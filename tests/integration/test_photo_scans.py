"""Photo scans end to end: photos uploaded through the API, scanned by a worker (the embedded
one, and `tryon worker` processes over NATS), and an avatar whose model downloads through its
signed URL. A scan of unusable photos ends failed with its reason."""

from __future__ import annotations

import io
from typing import Any

import pytest
import trimesh

from tests.conftest import People
from tests.integration.test_nats_pipeline import Stack, nats_up, shared  # noqa: F401
from tests.scan_photos import (
    LEAN_MAN,
    embedded,  # noqa: F401  (the fixture)
    fetch_overlay,
    path_of,
    request_photo_scan,
    wait_scan,
)

pytestmark = pytest.mark.slow


def check_avatar(client: Any, headers: dict[str, str], scan: dict[str, Any],
                 height: float) -> None:
    assert scan["status"] == "completed", scan
    assert [m for m in scan["messages"] if m]  # the stages left their messages
    avatar = client.get(f"/v1/avatars/{scan['avatarId']}", headers=headers).json()["data"]
    assert avatar["status"] == "active" and 0 < avatar["qualityScore"] <= 1
    assert abs(avatar["measurements"]["height"] - height) <= 2.0
    # every photo (or chosen frame) was used, and shows what was found in it to its owner
    assert scan["photos"] and {p["status"] for p in scan["photos"]} == {"accepted"}
    for photo in scan["photos"]:
        assert photo["code"] is None and max(fetch_overlay(client, headers, photo).size) <= 800
    served = client.get(path_of(avatar["model"]["url"]))
    assert served.status_code == 200
    mesh = trimesh.load(io.BytesIO(served.content), file_type="glb", force="mesh")
    assert isinstance(mesh, trimesh.Trimesh)
    assert len(mesh.faces) == avatar["model"]["polycount"]


def test_a_photo_scan_through_the_embedded_worker_becomes_an_avatar(
        embedded: tuple[Any, People]) -> None:  # noqa: F811
    client, people = embedded
    ada = people.register()
    height, scan_id = request_photo_scan(client, ada["headers"])
    check_avatar(client, ada["headers"], wait_scan(client, ada["headers"], scan_id), height)


def test_a_scan_of_dark_photos_fails_with_its_reason(
        embedded: tuple[Any, People]) -> None:  # noqa: F811
    client, people = embedded
    ada = people.register()
    _, scan_id = request_photo_scan(client, ada["headers"], dark=True)
    scan = wait_scan(client, ada["headers"], scan_id)
    assert scan["status"] == "failed"
    assert scan["error"]["code"] == "SCAN_PHOTOS_UNUSABLE", scan["error"]
    assert "IMAGE_TOO_DARK" in scan["error"]["message"]
    assert {p["status"] for p in scan["photos"]} == {"refused"}
    assert "IMAGE_TOO_DARK" in {p["code"] for p in scan["photos"]}


def test_a_photo_scan_through_nats_workers_becomes_an_avatar(shared: Stack) -> None:  # noqa: F811
    # the phone's pitch goes with each photo (the capture protocol's camera is level): API,
    # log, NATS, worker and scan take it
    height, scan_id = request_photo_scan(shared.client, shared.ada["headers"], camera_pitch=0.0)
    scan = wait_scan(shared.client, shared.ada["headers"], scan_id)
    check_avatar(shared.client, shared.ada["headers"], scan, height)


def request_video_scan(client: Any, headers: dict[str, str]) -> tuple[float, str]:
    """A video (MP4) of a known body turning on the spot in a furnished room, uploaded and
    sent as a `video_based` scan; its height in cm and the scan id."""
    from render_engine.body import build_body
    from render_engine.scan.photoshoot import Shot, dressed_colors, mp4_bytes, take_photo

    body = build_body(LEAN_MAN)
    shot = Shot(rows=480, aspect=3 / 4, background="room", distance_m=2.8, lens_height_m=1.1)
    colours = dressed_colors(body, "medium", "navy")
    frames = [take_photo(body.mesh.verts, body.mesh.faces, colours, "front", shot, yaw_deg=y)
              for y in (0.0, -45.0, -90.0, -135.0, 180.0)]
    r = client.post("/v1/uploads", headers=headers, data={"purpose": "scan_video"},
                    files={"file": ("turn.mp4", mp4_bytes(frames), "video/mp4")})
    assert r.status_code == 201, r.text
    r = client.post("/v1/avatars/scans", headers=headers, json={
        "scanType": "video_based", "images": [{"url": r.json()["data"]["url"], "pose": "custom"}],
        "userPreferences": {"height": round(body.measurements["height"]), "gender": "male"}})
    assert r.status_code == 202, r.text
    return body.measurements["height"], str(r.json()["data"]["scanId"])


def test_a_video_scan_through_the_embedded_worker_becomes_an_avatar(
        embedded: tuple[Any, People]) -> None:  # noqa: F811
    client, people = embedded
    ada = people.register()
    height, scan_id = request_video_scan(client, ada["headers"])
    check_avatar(client, ada["headers"], wait_scan(client, ada["headers"], scan_id), height)
