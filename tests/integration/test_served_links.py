"""`tryon serve --port N` without TRYON_PUBLIC_URL hands out links to port N (issue 10, row 18):
a real server process, reached over TCP."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import PASSWORD
from tests.waiting import wait_healthy

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRYON_")}
    env.update(TRYON_DATA_DIR=str(tmp_path / "data"), TRYON_WORKER_PRELOAD="false",
               TRYON_ARGON2_TIME_COST="1", TRYON_ARGON2_MEMORY_KIB="1024",
               TRYON_LOG_LEVEL="WARNING", PYTHONPATH=os.getcwd())
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli.main", "serve", "--port", str(port), "--no-seed"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, 90)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_links_point_at_the_port_the_server_listens_on(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        r = client.post("/v1/auth/register", json={
            "email": "ada@example.com", "password": PASSWORD, "firstName": "Ada",
            "lastName": "Lovelace"})
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['data']['tokens']['accessToken']}"}
        photo = io.BytesIO()
        Image.new("RGB", (32, 48), (10, 90, 200)).save(photo, format="PNG")
        r = client.post("/v1/uploads", headers=headers, data={"purpose": "scan_image"},
                        files={"file": ("p.png", photo.getvalue(), "image/png")})
        assert r.status_code == 201, r.text
        url = r.json()["data"]["url"]
        assert url.startswith(f"{server}/v1/files/"), url
        served = httpx.get(url, timeout=30)  # the link itself, as handed out
        assert served.status_code == 200 and served.content == photo.getvalue()
        assert served.headers["x-content-type-options"] == "nosniff"
