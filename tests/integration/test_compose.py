"""docker/compose.yaml is valid for docker-compose and describes the stack the README promises.

No Docker engine runs here: `docker-compose config` validates and resolves the file without one.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    result = subprocess.run([binary, "-f", str(COMPOSE), "config"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


def test_the_compose_file_validates_with_every_service_of_the_stack(
        resolved: dict[str, Any]) -> None:
    assert set(resolved["services"]) == {"postgres", "nats", "seaweedfs", "api", "projector",
                                         "dispatcher", "worker", "worker-gpu"}


def test_nats_runs_with_jetstream_on_a_volume(resolved: dict[str, Any]) -> None:
    nats = resolved["services"]["nats"]
    assert "-js" in nats["command"]
    store = nats["command"][nats["command"].index("-sd") + 1]
    assert any(v.split(":")[1] == store for v in nats["volumes"])


def test_workers_get_nats_and_the_object_store_but_no_database(
        resolved: dict[str, Any]) -> None:
    api = resolved["services"]["api"]["environment"]
    for name in ("worker", "worker-gpu"):
        worker = resolved["services"][name]
        env = worker["environment"]
        assert not any("DATABASE" in key or key.endswith("SECRET_KEY") for key in env), env
        assert "postgres" not in worker.get("depends_on", {})
        assert env["TRYON_NATS_URL"] == api["TRYON_NATS_URL"]
        for key in ("TRYON_BLOB_URL", "TRYON_S3_ENDPOINT_URL", "TRYON_S3_ACCESS_KEY_ID",
                    "TRYON_S3_SECRET_ACCESS_KEY"):
            assert env[key] == api[key], key
        assert worker["depends_on"]["seaweedfs"]["condition"] == "service_healthy"


def test_files_live_in_the_object_store_and_no_process_shares_a_volume(
        resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name in ("api", "projector", "dispatcher", "worker", "worker-gpu"):
        assert not services[name].get("volumes"), name
        assert services[name]["environment"]["TRYON_BLOB_URL"].startswith("s3://"), name
    store = services["seaweedfs"]
    assert "-s3" in store["command"] and store["volumes"]
    endpoint = services["api"]["environment"]["TRYON_S3_ENDPOINT_URL"]
    assert endpoint.startswith("http://seaweedfs:")
    assert store["environment"]["AWS_ACCESS_KEY_ID"] == services["api"]["environment"][
        "TRYON_S3_ACCESS_KEY_ID"]
    assert "blobs" not in resolved.get("volumes", {})


def test_a_worker_can_be_scaled_because_it_names_no_container_and_publishes_no_port(
        resolved: dict[str, Any]) -> None:
    worker = resolved["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker


def test_the_gpu_worker_is_behind_a_profile_and_reserves_an_nvidia_device(
        resolved: dict[str, Any]) -> None:
    raw = yaml.safe_load(COMPOSE.read_text())
    gpu = raw["services"]["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    devices = resolved["services"]["worker-gpu"]["deploy"]["resources"]["reservations"][
        "devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert resolved["services"]["worker-gpu"]["environment"]["TRYON_DEVICE"] == "cuda"


def test_the_backend_uses_nats_postgres_and_its_own_dispatcher_and_projector(
        resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    for name in ("api", "projector", "dispatcher"):
        env = services[name]["environment"]
        assert env["TRYON_BUS"] == "nats" and env["TRYON_DATABASE_URL"].startswith(
            "postgresql://")
        assert env["TRYON_PROJECTIONS"] == "external" and env["TRYON_DISPATCHER"] == "external"
    assert services["dispatcher"]["command"] == ["tryon", "dispatcher"]
    assert services["projector"]["command"] == ["tryon", "projector"]
    assert services["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_images_pin_the_render_stack_as_pyproject_does() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    render = project["project"]["optional-dependencies"]["render"]
    pins = [p for p in render if p.startswith(("torch==", "easypytorch3d=="))]
    assert len(pins) == 2
    for name in ("Dockerfile.worker", "Dockerfile.worker-gpu"):
        text = (ROOT / "docker" / name).read_text()
        assert all(pin in text for pin in pins), name
        assert 'pip install ".[render]"' in text
    assert "FROM python:3.11-slim" in (ROOT / "docker" / "Dockerfile").read_text()
    assert "FROM nvidia/cuda:" in (ROOT / "docker" / "Dockerfile.worker-gpu").read_text()
