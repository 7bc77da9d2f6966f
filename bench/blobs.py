"""Blob stores side by side: the local directory and an S3 object store (a SeaweedFS server
started on loopback), for a 200 KB photo and a 2 MB model. For each: store write, store
read, and a download through the API (``GET /v1/files/...``, signed link checked, bytes read
from the store and sent), median and p95 over ``--repeat`` runs, in milliseconds.

Usage::

    .venv/bin/python bench/blobs.py             # prints a table (paste into docs/deploy.md)
    .venv/bin/python bench/blobs.py --repeat 5  # quicker
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = {"photo 200 KB": 200_000, "model 2 MB": 2_000_000}


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def measure(kind: str, overrides: dict[str, Any], tmp: Path, repeat: int) -> list[str]:
    from fastapi.testclient import TestClient

    from adapters.bootstrap import bootstrap
    from adapters.http.app import create_app
    from tests.conftest import make_settings

    container = bootstrap(make_settings("sqlite", tmp / kind, **overrides))
    rows = []
    blobs = container.blobs
    try:
        with TestClient(create_app(container)) as client:
            for label, size in SIZES.items():
                data = b"glTF" + os.urandom(size - 4)
                key = f"bench/{uuid.uuid4().hex}.glb"
                put = timed(partial(blobs.put, key, data, "model/gltf-binary"), repeat)
                get = timed(partial(blobs.get, key), repeat)
                path = "/" + blobs.signed_url(key).split("/", 3)[3]

                def download(path: str = path, size: int = size) -> None:
                    r = client.get(path)
                    assert r.status_code == 200 and len(r.content) == size

                served = timed(download, repeat)
                rows.append(f"| {kind} | {label} | {put[0]:.1f} / {put[1]:.1f} | "
                            f"{get[0]:.1f} / {get[1]:.1f} | {served[0]:.1f} / {served[1]:.1f} |")
    finally:
        container.close()
    return rows


def main() -> int:
    from tests.integration.seaweed import start_seaweed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        server = start_seaweed(tmp / "seaweed")
        try:
            s3 = {"blob_url": "s3://bench/blobs", "s3_endpoint_url": server.endpoint,
                  "s3_access_key_id": server.access_key,
                  "s3_secret_access_key": server.secret_key}
            rows = measure("local", {}, tmp, args.repeat) + measure("s3", s3, tmp, args.repeat)
        finally:
            server.stop()
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f},"
          f" {args.repeat} runs each; milliseconds, median / p95")
    print("| store | file | write | read | download through the API |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
