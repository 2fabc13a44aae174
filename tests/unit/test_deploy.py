"""deploy/: the Kubernetes manifests are valid for the API server, and say what the code reads."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from corpactions import settings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
@pytest.mark.parametrize("version", ["1.30.0", kubernetes_validate.latest_version()])
def test_manifest_is_valid_against_the_kubernetes_schema(path: Path, version: str) -> None:
    kubernetes_validate.validate(load(path), version, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    broken = load(K8S / "deployment.yaml")
    broken["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(load(K8S / "kustomization.yaml")["resources"])
    assert listed == {p.name for p in MANIFESTS}


def test_every_configured_variable_is_one_the_service_reads() -> None:
    source = inspect.getsource(settings)
    config = load(K8S / "configmap.yaml")["data"]
    deployment = load(K8S / "deployment.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    names = set(config) | {e["name"] for e in container["env"]}
    # a variable only expanded into another one (Kubernetes' $(NAME)) is not read itself
    expanded = {n for n in names for e in container["env"] if f"$({n})" in e.get("value", "")}
    unknown = sorted(n for n in names - expanded if f'"{n}"' not in source)
    assert unknown == []


def test_each_worker_advertises_its_own_pod_address_for_forwarded_queries() -> None:
    deployment = load(K8S / "deployment.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    port = container["ports"][0]["containerPort"]
    assert env["CORPACTIONS_WEB_ADVERTISED_URL"]["value"] == f"http://$(POD_IP):{port}"
    assert list(env).index("POD_IP") < list(env).index("CORPACTIONS_WEB_ADVERTISED_URL")


def test_readiness_probe_is_the_ready_endpoint_and_workers_form_one_group() -> None:
    deployment = load(K8S / "deployment.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready/"
    assert container["args"] == ["worker"]
    config = load(K8S / "configmap.yaml")["data"]
    assert config["CORPACTIONS_APP_ID"]  # one consumer group for every replica
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


def test_compose_file_parses_and_points_the_service_at_the_broker() -> None:
    compose = load(K8S.parent / "docker-compose.yml")
    env = compose["services"]["corpactions"]["environment"]
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
