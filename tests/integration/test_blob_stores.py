"""One suite for both blob stores: the local directory (the embedded default) and an
S3-compatible object store (a real SeaweedFS server). Each test runs against both."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.blobs.keys import BlobCorrupt, BlobNotFound
from domain import ids
from domain.avatars import feedback_folder
from tests.api.test_studio import png_bytes, upload
from tests.conftest import PASSWORD, People, make_settings
from tests.integration.seaweed import SeaweedS3

SECRET = "files-secret"
PUBLIC = "https://shop.example.com"
BUCKET = "tryon-blob-suite"  # created by the first store (create_bucket=True)


def make_store(kind: str, tmp_path: Path, seaweed: Any, request: Any, secret: str = SECRET,
               prefix: str = "tryon") -> Any:
    from adapters.blobs.select import blob_store

    settings = make_settings("sqlite", tmp_path, public_url=PUBLIC, **blob_settings(
        kind, seaweed, request, prefix))
    return blob_store(settings, secret, create_bucket=True)


def blob_settings(kind: str, seaweed: Any, request: Any, prefix: str = "tryon"
                  ) -> dict[str, Any]:
    if kind == "local":
        return {}
    server: SeaweedS3 = request.getfixturevalue("seaweed") if seaweed is None else seaweed
    # One bucket for the session; each test its own folder in it (stores of one test share it).
    folder = getattr(request.node, "_folder", None) or uuid.uuid4().hex[:12]
    request.node._folder = folder
    return {"blob_url": f"s3://{BUCKET}/{folder}/{prefix}", "s3_endpoint_url": server.endpoint,
            "s3_access_key_id": server.access_key, "s3_secret_access_key": server.secret_key}


@pytest.fixture(params=["local", "s3"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    return make_store(kind, tmp_path, None, request)


# -- the store ---------------------------------------------------------------------------------

def test_a_file_comes_back_whole_with_its_content_type(store: Any) -> None:
    data = png_bytes()
    store.put("uploads/usr_a/upl_1", data, "image/png")
    assert store.get("uploads/usr_a/upl_1") == data
    assert store.content_type("uploads/usr_a/upl_1") == "image/png"
    assert store.exists("uploads/usr_a/upl_1")


def test_a_missing_file_is_not_found(store: Any) -> None:
    with pytest.raises(BlobNotFound):
        store.get("uploads/usr_a/nothing")
    assert not store.exists("uploads/usr_a/nothing")
    assert store.content_type("uploads/usr_a/nothing") == "application/octet-stream"


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "a\\b",
                                 "a/b.toolongext", "", "x" * 301, "a/.hidden", "a b"])
def test_a_key_outside_the_pattern_is_refused_for_reading_and_writing(store: Any,
                                                                       key: str) -> None:
    with pytest.raises(BlobNotFound):
        store.put(key, b"data", "text/plain")
    with pytest.raises(BlobNotFound):
        store.get(key)
    assert not store.exists(key)


def test_writing_the_same_key_again_is_idempotent_and_a_new_content_replaces_it_whole(
        store: Any) -> None:
    first, second = png_bytes(colour=(1, 2, 3)), png_bytes((200, 100), (9, 9, 9))
    store.put("renders/rnd_1.png", first, "image/png")
    store.put("renders/rnd_1.png", first, "image/png")  # a redelivered command writes again
    assert store.get("renders/rnd_1.png") == first
    store.put("renders/rnd_1.png", second, "image/jpeg")
    assert store.get("renders/rnd_1.png") == second
    assert store.content_type("renders/rnd_1.png") == "image/jpeg"


def test_a_reader_never_sees_half_a_write(store: Any) -> None:
    versions = [bytes([n]) * 300_000 for n in range(1, 5)]
    store.put("renders/rnd_2.png", versions[0], "image/png")
    stop = threading.Event()
    seen: list[bytes] = []

    def write() -> None:
        for n in range(12):
            store.put("renders/rnd_2.png", versions[n % 4], "image/png")
        stop.set()

    writer = threading.Thread(target=write)
    writer.start()
    while not stop.is_set():
        seen.append(store.get("renders/rnd_2.png"))
    writer.join()
    assert seen and all(data in versions for data in seen)


def test_a_link_signed_by_one_replica_opens_on_another_until_it_expires(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # Two replicas: of one machine's directory (local) or of one bucket (S3).
    a = make_store(kind, tmp_path, None, request)
    b = make_store(kind, tmp_path, None, request)
    a.put("avatars/ava_1/model.glb", b"glTF" + b"\0" * 60, "model/gltf-binary")
    url = a.signed_url("avatars/ava_1/model.glb", ttl_s=60)
    assert b.key_of_url(url) == "avatars/ava_1/model.glb"
    assert b.get(b.key_of_url(url)) == b"glTF" + b"\0" * 60
    expires = int(url.split("expires=")[1].split("&")[0])
    signature = url.split("signature=")[1]
    assert b.check_signature("avatars/ava_1/model.glb", expires, signature)
    assert not b.check_signature("avatars/ava_2/model.glb", expires, signature)
    assert not b.check_signature("avatars/ava_1/model.glb", expires + 1, signature)
    assert not b.check_signature("avatars/ava_1/model.glb", int(time.time()) - 1,
                                 a._signature("avatars/ava_1/model.glb", int(time.time()) - 1))
    stranger = make_store(kind, tmp_path / "c", None, request, secret="another-secret")
    assert stranger.key_of_url(url) is None
    assert a.key_of_url(url.replace(PUBLIC, "https://evil.example.com")) is None


def test_erasing_a_folder_removes_every_file_in_it_and_nothing_else(store: Any) -> None:
    for n in range(3):
        store.put(f"uploads/usr_a/upl_{n}", b"a%d" % n, "image/png")
    store.put("uploads/usr_ab/upl_0", b"b", "image/png")  # shares the first letters
    store.put("avatars/ava_a/model.glb", b"glTF", "model/gltf-binary")
    assert store.delete_prefix("uploads/usr_a/") == 3
    assert not any(store.exists(f"uploads/usr_a/upl_{n}") for n in range(3))
    assert store.get("uploads/usr_ab/upl_0") == b"b"
    assert store.exists("avatars/ava_a/model.glb")
    assert store.delete_prefix("uploads/usr_a/") == 0
    store.delete("avatars/ava_a/model.glb")
    store.delete("avatars/ava_a/model.glb")  # deleting twice is fine
    assert not store.exists("avatars/ava_a/model.glb")
    for bad in ("", "/", "uploads", "../", "uploads/../"):
        with pytest.raises(ValueError):
            store.delete_prefix(bad)


# -- the API on each store ---------------------------------------------------------------------

@pytest.fixture
def api(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app

    container = bootstrap(make_settings("sqlite", tmp_path, **blob_settings(
        kind, None, request)))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client, container, People(client, container)
    container.close()


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_an_upload_is_stored_and_served_through_its_signed_link(api: Any) -> None:
    client, container, people = api
    ada = people.register()
    data = png_bytes()
    r = upload(client, ada["headers"], data)
    assert r.status_code == 201, r.text
    served = client.get(_path(r.json()["data"]["url"]))
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"
    tampered = client.get(_path(r.json()["data"]["url"]).replace("signature=", "signature=0"))
    assert tampered.status_code == 403


def test_too_large_or_unrecognised_files_are_refused_and_nothing_is_stored(api: Any) -> None:
    client, container, people = api
    ada = people.register()
    assert upload(client, ada["headers"], png_bytes() + b"\0" * (10 * 2**20)).status_code == 413
    assert upload(client, ada["headers"], b"#!/bin/sh\necho hi\n" * 10).status_code == 415
    assert upload(client, ada["headers"], png_bytes()[:60]).status_code == 415
    assert container.blobs.delete_prefix(f"uploads/{ada['id']}/") == 0


def test_a_file_corrupted_in_the_store_is_never_served(api: Any, kind: str) -> None:
    client, container, people = api
    ada = people.register()
    url = upload(client, ada["headers"], png_bytes()).json()["data"]["url"]
    key = _path(url).split("?")[0][len("/v1/files/"):]
    if kind == "local":
        pytest.skip("the local store trusts its own disk (it checks no digest)")
    blobs = container.blobs
    head = blobs.client.head_object(Bucket=blobs.bucket, Key=blobs.prefix + key)
    blobs.client.put_object(Bucket=blobs.bucket, Key=blobs.prefix + key, Body=b"\x89PNG bad",
                            ContentType="image/png", Metadata=head["Metadata"])
    with pytest.raises(BlobCorrupt):
        blobs.get(key)
    r = client.get(_path(url))
    assert r.status_code == 500 and b"bad" not in r.content


def test_a_scan_cannot_use_another_persons_upload(api: Any) -> None:
    client, container, people = api
    ada, bob = people.register(), people.register()
    url = upload(client, ada["headers"], png_bytes()).json()["data"]["url"]
    r = client.post("/v1/avatars/scans", headers=bob["headers"], json={
        "images": [{"url": url, "pose": pose, "quality": 0.9}
                   for pose in ("front", "side", "back")],
        "userPreferences": {"height": 175, "weight": 70, "bodyType": "average",
                            "gender": "female"}})
    assert r.status_code in (400, 422), r.text


def test_erasing_a_person_removes_their_files_and_keeps_everyone_elses(api: Any) -> None:
    client, container, people = api
    ada, bob = people.register(), people.register()
    ada_urls = [upload(client, ada["headers"], png_bytes(colour=(n, 0, 0))).json()["data"]["url"]
                for n in range(2)]
    bob_url = upload(client, bob["headers"], png_bytes()).json()["data"]["url"]
    # a scan overlay of each, where the worker keeps them (their photos, drawn over)
    keys, overlays = {}, {}
    for person in (ada, bob):
        user_id = ids.decode("usr", person["id"])
        assert user_id is not None
        keys[person["id"]] = feedback_folder(user_id, uuid.uuid4()) + "photo-0.jpg"
        container.blobs.put(keys[person["id"]], png_bytes(), "image/jpeg")
        overlays[person["id"]] = _path(container.blobs.signed_url(keys[person["id"]]))
    assert client.get(overlays[bob["id"]], headers=bob["headers"]).status_code == 200
    assert client.get(overlays[bob["id"]], headers=ada["headers"]).status_code == 404
    r = client.request("DELETE", "/v1/users/me", json={"password": PASSWORD},
                       headers=ada["headers"])
    assert r.status_code == 204, r.text
    for url in ada_urls:
        assert client.get(_path(url)).status_code == 404
    assert client.get(_path(bob_url)).status_code == 200
    assert not container.blobs.exists(keys[ada["id"]])
    assert client.get(overlays[bob["id"]], headers=bob["headers"]).status_code == 200
