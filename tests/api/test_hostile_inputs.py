"""Hostile input (issue 10): pixel bombs, polyglot files, NUL characters, unreadable bodies,
loosely typed values, wrong methods, and links that must follow the request's base URL."""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.api.test_errors import assert_error
from tests.conftest import ADDRESS


def upload(client: Any, headers: dict[str, str], data: bytes, purpose: str = "scan_image",
           name: str = "photo.png", declared: str = "image/png") -> Any:
    return client.post("/v1/uploads", headers=headers, data={"purpose": purpose},
                       files={"file": (name, data, declared)})


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.data_dir) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height greyscale pixels, all black: a few hundred
    kilobytes on disk, width * height bytes once decoded. Compressed row by row, so that the
    test itself never holds the decoded image."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    packer = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte + pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                              0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 64), (20, 120, 200)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def glb(document: dict[str, Any], binary: bytes = b"") -> bytes:
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    if binary:
        binary += b"\0" * (-len(binary) % 4)
        chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def mp4_bytes() -> bytes:
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(3):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), 40 * n, dtype=np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def served(client: Any, url: str) -> Any:
    return client.get("/" + url.split("://", 1)[1].split("/", 1)[1])


# -- row 1: pixel limit at upload -------------------------------------------------------------
def test_a_small_png_declaring_12000x12000_is_refused_from_its_header(
        client: Any, people: Any, settings: Any) -> None:
    ada = people.register()
    bomb = png_declaring(12000, 12000)
    assert len(bomb) < 600_000
    r = upload(client, ada["headers"], bomb)
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert "50 megapixels" in error["message"] and "12000x12000" in error["message"]
    assert error["details"]["fields"][0]["field"] == "file"
    assert stored_files(settings) == []


def test_a_png_past_pillows_own_bomb_limit_is_refused_too(
        client: Any, people: Any, settings: Any) -> None:
    r = upload(client, people.register()["headers"], png_declaring(20000, 10000))
    assert "50 megapixels" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
    assert stored_files(settings) == []


def test_the_pixel_limit_is_a_setting(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app
    from tests.conftest import People, make_settings

    container = bootstrap(make_settings("sqlite", tmp_path, max_image_pixels=1000))
    try:
        with TestClient(create_app(container)) as client:
            headers = People(client, container).register()["headers"]
            small = io.BytesIO()
            Image.new("RGB", (40, 40)).save(small, format="PNG")
            r = upload(client, headers, small.getvalue())
            assert "0.001 megapixels" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
            r = upload(client, headers, mp4_bytes(), purpose="scan_video", name="v.mp4",
                       declared="video/mp4")  # frames of 64x48
            assert "64x48" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
    finally:
        container.close()


# -- row 16: served files and content verified by decoding ------------------------------------
def test_a_jpeg_with_html_appended_is_stored_without_the_html(client: Any, people: Any) -> None:
    ada = people.register()
    image = jpeg_bytes()
    r = upload(client, ada["headers"], image + b"<html><script>alert(document.domain)</script>",
               name="x.jpg", declared="image/jpeg")
    assert r.status_code == 201, r.text
    body = r.json()["data"]
    assert body["contentType"] == "image/jpeg" and body["size"] == len(image)
    file = served(client, body["url"])
    assert file.status_code == 200 and file.content == image
    assert file.headers["content-type"] == "image/jpeg"
    assert file.headers["x-content-type-options"] == "nosniff"
    assert file.headers["content-disposition"] == f'inline; filename="{body["id"]}.jpg"'
    assert "sandbox" in file.headers["content-security-policy"]


def test_a_png_with_html_after_its_end_is_stored_without_the_html(
        client: Any, people: Any) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(buffer, format="PNG")
    image = buffer.getvalue()
    r = upload(client, people.register()["headers"], image + b"<html>hi</html>")
    assert r.status_code == 201, r.text
    assert served(client, r.json()["data"]["url"]).content == image


def test_html_with_a_video_signature_is_not_a_video(
        client: Any, people: Any, settings: Any) -> None:
    fake = b"<htm" + b"ftypisom" + b"<html><body><script>alert(1)</script></body></html>" * 20
    r = upload(client, people.register()["headers"], fake, purpose="scan_video",
               name="v.mp4", declared="video/mp4")
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert stored_files(settings) == []


def test_a_real_video_decodes_and_is_accepted(client: Any, people: Any) -> None:
    video = mp4_bytes()
    r = upload(client, people.register()["headers"], video, purpose="scan_video",
               name="v.mp4", declared="video/mp4")
    assert r.status_code == 201, r.text
    file = served(client, r.json()["data"]["url"])
    assert file.content == video and file.headers["x-content-type-options"] == "nosniff"


def test_a_gltf_header_followed_by_html_is_not_a_model(
        client: Any, admin: dict[str, Any], settings: Any) -> None:
    html = b"<html><script>alert(1)</script></html>"
    polyglots = [
        b"glTF" + struct.pack("<II", 2, 12 + len(html)) + html,
        glb({"asset": {"version": "2.0"}}) + html,  # the header's length says where it ends
        glb({"asset": {"version": "2.0"}, "bufferViews": [{"buffer": 0, "byteLength": 4096}],
             "buffers": [{"byteLength": 4096}]}, b"\0" * 16),  # a view past the data
    ]
    for data in polyglots:
        r = upload(client, admin["headers"], data, purpose="product_model", name="m.glb",
                   declared="model/gltf-binary")
        assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert stored_files(settings) == []


def test_a_real_model_is_accepted_and_served_as_a_download(
        client: Any, admin: dict[str, Any]) -> None:
    import trimesh

    model = trimesh.creation.box().export(file_type="glb")
    r = upload(client, admin["headers"], model, purpose="product_model", name="m.glb",
               declared="model/gltf-binary")
    assert r.status_code == 201, r.text
    file = served(client, r.json()["data"]["url"])
    assert file.content == model
    assert file.headers["content-type"] == "model/gltf-binary"
    assert file.headers["x-content-type-options"] == "nosniff"
    assert file.headers["content-disposition"].startswith("attachment; filename=")


# -- row 10: NUL characters -------------------------------------------------------------------
def test_a_nul_in_the_query_is_400_and_the_database_keeps_serving(
        client: Any, shirt: dict[str, Any], backend: str) -> None:
    for _ in range(3):  # every pooled connection would have been hit
        r = client.get("/v1/products", params={"q": "shirt\x00"})
        assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"][0]["field"] == "q"
    r = client.get("/v1/products", params={"q": "Cotton"})
    assert r.status_code == 200 and [p["id"] for p in r.json()["data"]] == [shirt["id"]]


def test_a_nul_is_refused_in_path_header_and_json_body(
        client: Any, people: Any, shirt: dict[str, Any]) -> None:
    ada = people.register()
    h = ada["headers"]
    assert_error(client.get(f"/v1/products/{shirt['id']}%00"), 400, "VALIDATION_ERROR")
    r = client.post("/v1/cart/items", headers={**h, "Idempotency-Key": "k\x00"}, json={
        "productId": shirt["id"], "variantId": shirt["variants"][0]["id"]})
    assert_error(r, 400, "VALIDATION_ERROR")
    r = client.patch("/v1/users/me", headers=h, json={"firstName": "Ada\x00"})
    assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"][0]["field"] == "body"
    r = client.post("/v1/cart/items", headers=h, json={
        "productId": shirt["id"], "variantId": shirt["variants"][0]["id"],
        "metadata": {"note\x00": "x"}})
    assert_error(r, 400, "VALIDATION_ERROR")
    # A literal backslash followed by "u0000" is text, not a NUL.
    r = client.patch("/v1/users/me", headers=h, json={"firstName": "A\\u0000"})
    assert r.status_code == 200 and r.json()["data"]["firstName"] == "A\\u0000"
    assert client.get("/v1/users/me", headers=h).json()["data"]["lastName"] == "Lovelace"


# -- row 15: bodies that cannot be read -------------------------------------------------------
def test_deeply_nested_json_and_invalid_utf8_are_validation_errors(client: Any) -> None:
    for raw in (b"[" * 100_000 + b"]" * 100_000,
                b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
                b'{"email": "a\xff@example.com", "password": "x"}',
                b'{"email": "\xc3\x28", "password": "x"}'):
        r = client.post("/v1/auth/login", content=raw,
                        headers={"Content-Type": "application/json"})
        error = assert_error(r, 400, "VALIDATION_ERROR")
        assert error["details"]["fields"][0]["field"] == "body"


# -- row 19: strict types ---------------------------------------------------------------------
def test_strings_and_booleans_are_not_numbers(
        client: Any, people: Any, admin: dict[str, Any], shirt: dict[str, Any]) -> None:
    h = people.register()["headers"]
    item = {"productId": shirt["id"], "variantId": shirt["variants"][0]["id"]}
    for quantity in ("2", True, 2.5):
        r = client.post("/v1/cart/items", headers=h, json={**item, "quantity": quantity})
        field = assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"][0]["field"]
        assert field == "quantity"
    assert client.get("/v1/cart", headers=h).json()["data"]["items"] == []
    variant = f"/v1/admin/products/{shirt['id']}/variants/{shirt['variants'][0]['id']}"
    for body in ({"stock": False}, {"stock": "3"}, {"price": "9.99"}, {"price": True}):
        assert_error(client.patch(variant, headers=admin["headers"], json=body), 400,
                     "VALIDATION_ERROR")
    assert client.get(f"/v1/products/{shirt['id']}").json()["data"]["variants"][0]["stock"] == 25
    r = client.patch(variant, headers=admin["headers"], json={"stock": 7, "price": 12})
    assert r.status_code == 200 and r.json()["data"]["stock"] == 7
    r = client.patch("/v1/users/me", headers=h, json={"dateOfBirth": 0})
    assert_error(r, 400, "VALIDATION_ERROR")
    r = client.patch("/v1/users/me", headers=h, json={"dateOfBirth": "1990-02-03"})
    assert r.status_code == 200, r.text


# -- row 20: Allow and a schema that says what validation enforces ----------------------------
def test_405_lists_every_method_of_the_path(client: Any) -> None:
    for method, path, allowed in (
            ("PUT", "/v1/users/me", "DELETE, GET, PATCH"),
            ("GET", "/v1/cart/coupon", "DELETE, PUT"),
            ("PUT", "/v1/orders", "GET, POST"),
            ("POST", "/v1/avatars/avatar_123456789", "DELETE, GET, PATCH"),
            ("DELETE", "/v1/products", "GET")):
        r = client.request(method, path)
        assert_error(r, 405, "METHOD_NOT_ALLOWED")
        assert r.headers["allow"] == allowed, (method, path)


def test_the_schema_says_what_validation_enforces(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    models = schema["components"]["schemas"]
    assert models["ProductIn"]["properties"]["price"] == {
        "type": "number", "minimum": 0, "maximum": 1_000_000, "multipleOf": 0.01,
        "title": "Price"}
    patch = models["ProductPatch"]["properties"]
    assert "anyOf" not in patch["name"] and patch["name"]["type"] == "string"
    assert "null" in json.dumps(patch["description"])  # may still be cleared
    address = models["AddressBody"]["properties"]
    assert "US" in address["country"]["enum"] and "XX" not in address["country"]["enum"]
    assert "pattern" in json.dumps(address["phone"])
    assert "(?=.*[@$!%*?&])" in models["RegisterBody"]["properties"]["password"]["pattern"]
    assert "height" in models["ScanPreferences"]["required"]
    assert "userPreferences" in models["ScanRequestIn"]["required"]
    products = schema["paths"]["/v1/products"]["get"]["parameters"]
    min_price = next(p for p in products if p["name"] == "minPrice")["schema"]
    assert "string" not in json.dumps(min_price)


# -- row 18: links follow the request's base URL ----------------------------------------------
@pytest.fixture
def app_on(container: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from adapters.http.app import create_app

    app = create_app(container)

    def client_for(base_url: str, peer: str = "203.0.113.9") -> Any:
        return TestClient(app, base_url=base_url, client=(peer, 50000))

    yield client_for


def test_links_follow_the_requests_own_base_url(app_on: Any, container: Any) -> None:
    from tests.conftest import People

    client = app_on("http://localhost:18810")
    ada = People(client, container).register()
    r = upload(client, ada["headers"], jpeg_bytes(), name="x.jpg", declared="image/jpeg")
    url = r.json()["data"]["url"]
    assert url.startswith("http://localhost:18810/v1/files/uploads/"), url
    assert served(client, url).status_code == 200
    # A scan takes the link back (the API knows its own links by their base too).
    urls = [upload(client, ada["headers"], jpeg_bytes(), name="x.jpg",
                   declared="image/jpeg").json()["data"]["url"] for _ in range(3)]
    r = client.post("/v1/avatars/scans", headers=ada["headers"], json={
        "scanType": "photo_based", "userPreferences": {"height": 175},
        "images": [{"url": u, "pose": p} for u, p in zip(urls, ("front", "side_left", "back"),
                                                         strict=True)]})
    assert r.status_code == 202, r.text
    # Forwarded headers from a client that is not a trusted proxy change nothing.
    r = upload(client, {**ada["headers"], "X-Forwarded-Host": "evil.example",
                        "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"},
               jpeg_bytes(), name="x.jpg", declared="image/jpeg")
    assert r.json()["data"]["url"].startswith("http://localhost:18810/")
    # A malformed Host never makes a link.
    r = upload(client, {**ada["headers"], "Host": "evil.example/<script>"}, jpeg_bytes(),
               name="x.jpg", declared="image/jpeg")
    assert "evil" not in r.json()["data"]["url"] and "<" not in r.json()["data"]["url"]


def test_a_trusted_proxy_sets_the_base_url(app_on: Any, container: Any) -> None:
    from tests.conftest import People

    client = app_on("http://10.0.0.5:8000", peer="127.0.0.1")
    ada = People(client, container).register()
    r = upload(client, {**ada["headers"], "X-Forwarded-Proto": "https",
                        "X-Forwarded-Host": "shop.example", "X-Forwarded-Prefix": "/api"},
               jpeg_bytes(), name="x.jpg", declared="image/jpeg")
    assert r.json()["data"]["url"].startswith("https://shop.example/api/v1/files/"), r.text
    r = upload(client, {**ada["headers"], "Forwarded": 'for=198.51.100.7;proto=https;'
                                                       'host="shop.example:8443"'},
               jpeg_bytes(), name="x.jpg", declared="image/jpeg")
    assert r.json()["data"]["url"].startswith("https://shop.example:8443/v1/files/"), r.text


def test_a_configured_public_url_wins(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app
    from tests.conftest import People, make_settings

    container = bootstrap(make_settings("sqlite", tmp_path,
                                        public_url="https://cdn.shop.example"))
    try:
        with TestClient(create_app(container), base_url="http://localhost:18810") as client:
            ada = People(client, container).register()
            r = upload(client, ada["headers"], jpeg_bytes(), name="x.jpg",
                       declared="image/jpeg")
            assert r.json()["data"]["url"].startswith("https://cdn.shop.example/v1/files/")
    finally:
        container.close()


def test_an_address_written_as_the_schema_allows_is_accepted(client: Any, people: Any) -> None:
    h = people.register()["headers"]
    r = client.post("/v1/users/me/addresses", headers=h,
                    json={**ADDRESS, "phone": "(+44) 20 7946 0958", "country": "GB"})
    assert r.status_code == 201, r.text


def test_a_webp_with_html_appended_is_stored_without_the_html_and_a_cut_jpeg_is_refused(
        client: Any, people: Any) -> None:
    h = people.register()["headers"]
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (9, 8, 7)).save(buffer, format="WEBP")
    image = buffer.getvalue()
    r = upload(client, h, image + b"<html>hi</html>", name="x.webp", declared="image/webp")
    assert r.status_code == 201, r.text
    assert served(client, r.json()["data"]["url"]).content == image
    assert_error(upload(client, h, jpeg_bytes()[:-40], name="x.jpg", declared="image/jpeg"),
                 415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_broken_multipart_body_is_a_validation_error(client: Any, people: Any) -> None:
    r = client.post("/v1/uploads", content=b"garbage", headers={
        **people.register()["headers"], "Content-Type": "multipart/form-data"})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert error["details"]["fields"][0] == {
        "field": "body", "message": "The request body could not be read",
        "code": "INVALID_FORMAT"}
