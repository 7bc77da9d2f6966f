"""Uploads, scans, renders and the closet: ownership, validation and the files behind them."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.conftest import shirt_body


def png_bytes(size: tuple[int, int] = (64, 96), colour: tuple[int, int, int] = (200, 30, 30)
              ) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client: Any, headers: dict[str, str], data: bytes, purpose: str = "scan_image",
           name: str = "photo.png") -> Any:
    return client.post("/v1/uploads", headers=headers, data={"purpose": purpose},
                       files={"file": (name, data, "image/png")})


def test_an_upload_is_sniffed_and_served_through_a_signed_url(client: Any, people: Any) -> None:
    ada = people.register()
    data = png_bytes()
    r = upload(client, ada["headers"], data)
    assert r.status_code == 201, r.text
    body = r.json()["data"]
    assert body["id"].startswith("upl_") and body["contentType"] == "image/png"
    assert body["size"] == len(data)
    path = body["url"].split("://", 1)[1].split("/", 1)[1]
    served = client.get("/" + path)
    assert served.status_code == 200 and served.content == data
    tampered = client.get("/" + path.replace("signature=", "signature=0"))
    assert tampered.status_code == 403
    assert tampered.json()["error"]["code"] == "FORBIDDEN"


def test_a_file_whose_bytes_are_not_an_image_is_refused_whatever_its_name(
        client: Any, people: Any) -> None:
    ada = people.register()
    r = upload(client, ada["headers"], b"#!/bin/sh\necho not an image\n" * 10, name="x.png")
    assert r.status_code == 415
    assert r.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    truncated = png_bytes()[:60]
    assert upload(client, ada["headers"], truncated).status_code == 415


def test_an_image_over_ten_megabytes_is_too_large(client: Any, people: Any) -> None:
    ada = people.register()
    big = png_bytes() + b"\0" * (10 * 2**20)
    r = upload(client, ada["headers"], big)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_scan_cannot_use_a_url_the_api_did_not_issue(client: Any, people: Any) -> None:
    ada = people.register()
    images = [{"url": f"https://evil.example.com/{n}.jpg", "pose": "front"} for n in range(3)]
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "photo_based", "images": images, "userPreferences": {"height": 175}})
    assert r.status_code == 400
    assert r.json()["error"]["details"]["fields"][0]["field"] == "images.0.url"


def test_a_scan_cannot_use_another_users_upload(client: Any, people: Any) -> None:
    ada, bob = people.register(), people.register()
    urls = [upload(client, ada["headers"], png_bytes()).json()["data"]["url"] for _ in range(3)]
    images = [{"url": u, "pose": p} for u, p in zip(urls, ["front", "side_left", "back"],
                                                    strict=True)]
    r = client.post("/v1/avatars/scans", headers=bob["headers"], json={
        "scanType": "photo_based", "images": images, "userPreferences": {"height": 175}})
    assert r.status_code == 400
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "photo_based", "images": images, "userPreferences": {"height": 175}})
    assert r.status_code == 202, r.text
    scan = r.json()["data"]
    assert scan["status"] == "queued" and scan["scanId"].startswith("scan_")
    assert client.get(f"/v1/avatars/scans/{scan['scanId']}", headers=bob["headers"]
                      ).status_code == 404


def test_a_cameras_pitch_beyond_45_degrees_or_not_a_number_is_refused(
        client: Any, people: Any) -> None:
    ada = people.register()
    urls = [upload(client, ada["headers"], png_bytes()).json()["data"]["url"] for _ in range(3)]
    for bad in (60, -45.5, "level", True):
        images = [{"url": u, "pose": p, "cameraPitchDeg": bad}
                  for u, p in zip(urls, ["front", "side_left", "back"], strict=True)]
        r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
            "scanType": "photo_based", "images": images, "userPreferences": {"height": 175}})
        assert r.status_code == 400, bad
        assert r.json()["error"]["details"]["fields"][0]["field"] == "images.0.cameraPitchDeg"
    images = [{"url": u, "pose": p, "cameraPitchDeg": 4.5}
              for u, p in zip(urls, ["front", "side_left", "back"], strict=True)]
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "photo_based", "images": images, "userPreferences": {"height": 175}})
    assert r.status_code == 202, r.text


def test_a_photo_scan_needs_three_to_ten_images(client: Any, people: Any) -> None:
    ada = people.register()
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "photo_based", "images": [], "userPreferences": {"height": 175}})
    assert r.status_code == 400


def test_the_closet_keeps_products_for_their_owner_only(client: Any, people: Any,
                                                        shirt: dict[str, Any]) -> None:
    ada, bob = people.register(), people.register()
    r = client.post("/v1/closet", headers=ada["headers"], json={
        "productId": shirt["id"], "variantId": shirt["variants"][0]["id"], "note": "for summer"})
    assert r.status_code == 201, r.text
    item = r.json()["data"]
    assert item["product"]["name"] == "Premium Cotton T-Shirt" and item["note"] == "for summer"
    listed = client.get("/v1/closet", headers=ada["headers"]).json()
    assert [i["id"] for i in listed["data"]] == [item["id"]]
    assert client.get("/v1/closet", headers=bob["headers"]).json()["data"] == []
    assert client.delete(f"/v1/closet/{item['id']}", headers=bob["headers"]).status_code == 404
    assert client.delete(f"/v1/closet/{item['id']}", headers=ada["headers"]).status_code == 204
    assert client.get("/v1/closet", headers=ada["headers"]).json()["data"] == []


def test_rendering_another_users_avatar_is_not_found(client: Any, people: Any,
                                                     shirt: dict[str, Any]) -> None:
    ada, bob = people.register(), people.register()
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "body_measurement", "userPreferences": {"height": 175, "weight": 70}})
    assert r.status_code == 202, r.text
    avatar_id = r.json()["data"]["scanId"].replace("scan_", "avatar_")
    r = client.post("/v1/tryon/renders", headers=bob["headers"], json={
        "avatarId": avatar_id, "productId": shirt["id"],
        "variantId": shirt["variants"][0]["id"]})
    assert r.status_code == 404


def test_a_product_without_try_on_cannot_be_rendered(client: Any, people: Any,
                                                     admin: dict[str, Any]) -> None:
    body = shirt_body()
    body["tryonAvailable"] = False
    product = client.post("/v1/admin/products", json=body, headers=admin["headers"]).json()["data"]
    ada = people.register()
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "body_measurement", "userPreferences": {"height": 175, "weight": 70}})
    avatar_id = r.json()["data"]["scanId"].replace("scan_", "avatar_")
    r = client.post("/v1/tryon/renders", headers=ada["headers"], json={
        "avatarId": avatar_id, "productId": product["id"],
        "variantId": product["variants"][0]["id"]})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "INVALID_STATE_TRANSITION"
    assert "tried on" in r.json()["error"]["message"]
