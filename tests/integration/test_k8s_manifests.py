"""deploy/k8s/ is valid Kubernetes (checked offline against the API schemas that the
kubernetes-validate package ships) and runs the same processes as docker/compose.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VERSIONS = ["1.30.0", "1.37.0"]  # the oldest and newest minor these manifests are for
PROCESSES = {"api", "projector", "dispatcher", "worker", "worker-gpu"}


def documents() -> list[tuple[str, dict[str, Any]]]:
    return [(path.name, doc) for path in sorted(K8S.glob("*.yaml"))
            if path.name != "kustomization.yaml"
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == kind}


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deployment["spec"]["template"]["spec"]["containers"])


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schema(version: str) -> None:
    import kubernetes_validate

    docs = documents()
    assert len(docs) >= 12
    for _, doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)  # raises on the first error


def test_a_misspelled_field_fails_the_check() -> None:
    import kubernetes_validate
    from kubernetes_validate.utils import ValidationError

    api = of_kind("Deployment")["api"]
    container = dict(containers(api)[0])
    container["readinesProbe"] = container.pop("readinessProbe")
    broken = {**api, "spec": {**api["spec"], "template": {**api["spec"]["template"], "spec": {
        **api["spec"]["template"]["spec"], "containers": [container]}}}}
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_the_kustomization_names_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {
        p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}


def test_the_same_processes_run_as_in_the_compose_file_with_resources() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == PROCESSES
    for name, deployment in deployments.items():
        for container in containers(deployment):
            resources = container["resources"]
            assert resources["requests"]["cpu"] and resources["requests"]["memory"], name
            assert resources["limits"]["memory"], name
    for name in ("projector", "dispatcher"):  # one at a time, the old one gone first
        assert deployments[name]["spec"]["replicas"] == 1
        assert deployments[name]["spec"]["strategy"]["type"] == "Recreate"


def test_the_api_has_probes_and_scales_with_a_service_in_front() -> None:
    api = containers(of_kind("Deployment")["api"])[0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "--no-seed" in api["args"]  # replicas must not each seed the catalog
    assert of_kind("Service")["api"]["spec"]["selector"] == of_kind("Deployment")["api"][
        "spec"]["selector"]["matchLabels"]
    hpas = of_kind("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {
        "api", "worker", "worker-gpu"}
    assert hpas["api"]["spec"]["minReplicas"] >= 2


def test_workers_get_nats_and_the_object_store_but_no_database_or_secret_key() -> None:
    config = of_kind("ConfigMap")
    secrets = of_kind("Secret")
    for name in ("worker", "worker-gpu"):
        (worker,) = containers(of_kind("Deployment")[name])
        sources = [next(iter(s.values()))["name"] for s in worker["envFrom"]]
        env: dict[str, str] = {}
        for source in sources:
            env.update(config.get(source, {}).get("data", {}))
            env.update(secrets.get(source, {}).get("stringData", {}))
        env.update({e["name"]: e["value"] for e in worker.get("env", [])})
        assert not any("DATABASE" in k or k.endswith("SECRET_KEY") and "S3" not in k
                       for k in env), env
        assert env["TRYON_BLOB_URL"].startswith("s3://") and env["TRYON_NATS_URL"]
        assert env["TRYON_S3_ACCESS_KEY_ID"] and env["TRYON_S3_SECRET_ACCESS_KEY"]
    (gpu,) = containers(of_kind("Deployment")["worker-gpu"])
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {e["name"]: e["value"] for e in gpu["env"]}["TRYON_DEVICE"] == "cuda"
