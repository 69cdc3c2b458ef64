"""The shipped deployment files, checked offline (no cluster, container engine, kustomize or
Helm binary runs on these machines): every Kubernetes manifest, as the base and as each
overlay renders it, validates strictly against the current Kubernetes schema; the rules a
safe rollout needs hold; compose.yaml has the services, health checks and sandbox options."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p.parent for p in (K8S / "overlays").glob("*/kustomization.yaml"))


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _merge(base: Any, patch: Any) -> Any:
    """A strategic merge patch as kustomize applies these: maps merge, lists of named items
    merge by name, other values are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in base + patch)
    ):
        merged = {i["name"]: i for i in base}
        for item in patch:
            merged[item["name"]] = _merge(merged.get(item["name"], {}), item)
        return list(merged.values())
    return patch


def render(directory: Path) -> list[dict[str, Any]]:
    """What `kustomize build` makes of this tree, for the features these files use."""
    k = _docs(directory / "kustomization.yaml")[0]
    docs: list[dict[str, Any]] = []
    for resource in k.get("resources", []):
        path = (directory / resource).resolve()
        docs += render(path) if path.is_dir() else copy.deepcopy(_docs(path))
    for entry in k.get("patches", []):
        (patch,) = _docs(directory / entry["path"])
        targets = [
            d
            for d in docs
            if d["kind"] == patch["kind"] and d["metadata"]["name"] == patch["metadata"]["name"]
        ]
        assert len(targets) == 1, f"{entry['path']} patches no (or several) base resources"
        docs[docs.index(targets[0])] = _merge(targets[0], patch)
    images = {i["name"]: i for i in k.get("images", [])}
    for doc in docs:
        if "namespace" in k:
            doc["metadata"]["namespace"] = k["namespace"]
        for pair in k.get("labels", []):
            doc["metadata"].setdefault("labels", {}).update(pair["pairs"])
        for container in _containers(doc):
            name, _, tag = container["image"].partition(":")
            if name in images:
                image = images[name]
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    return docs


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return list(spec.get("containers", [])) + list(spec.get("initContainers", []))


def _by(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


@pytest.mark.parametrize("tree", [BASE, *OVERLAYS], ids=lambda p: p.name)
def test_every_rendered_manifest_validates_against_the_current_kubernetes(tree: Path) -> None:
    version = kubernetes_validate.latest_version()
    docs = render(tree)
    assert len(docs) >= 12
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_strict_validation_would_catch_a_misspelt_field() -> None:
    doc = _by(render(BASE), "Deployment", "viva-api")
    doc["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_the_api_rolls_out_without_dropping_requests() -> None:
    docs = render(BASE)
    api = _by(docs, "Deployment", "viva-api")
    assert api["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (container,) = api["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < sleep < api["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert _by(docs, "PodDisruptionBudget", "viva-api")["spec"]["minAvailable"] >= 1
    assert _by(docs, "HorizontalPodAutoscaler", "viva-api")["spec"]["minReplicas"] >= 2


def test_a_worker_has_time_to_finish_its_gradings_on_sigterm() -> None:
    docs = render(BASE)
    drain = float(_by(docs, "ConfigMap", "viva-config")["data"]["VIVA_WORKER_DRAIN_SECONDS"])
    worker = _by(docs, "Deployment", "viva-worker")
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > drain
    assert worker["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_secrets_are_referenced_never_inlined() -> None:
    for path in K8S.rglob("*.yaml"):
        for doc in _docs(path):
            assert doc.get("kind") != "Secret", f"{path} inlines a Secret"
    for doc in render(BASE):
        for container in _containers(doc):
            for env in container.get("env", []):
                if env["name"] in ("VIVA_SECRET_KEY", "VIVA_DATABASE_URL", "VIVA_REDIS_URL"):
                    assert "value" not in env and env["valueFrom"]["secretKeyRef"]


def test_pods_run_unprivileged_and_only_the_worker_loosens_the_profiles() -> None:
    for doc in render(BASE):
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for container in _containers(doc):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert not context.get("privileged", False)
            assert context["capabilities"] == {"drop": ["ALL"]}
        profile = pod["securityContext"]["seccompProfile"]["type"]
        if doc["metadata"]["name"] == "viva-worker":  # the sandbox makes namespaces
            assert profile == "Unconfined"
        else:
            assert profile == "RuntimeDefault"


def test_workers_are_fenced_by_a_network_policy() -> None:
    docs = render(BASE)
    policy = _by(docs, "NetworkPolicy", "viva-worker")
    worker = _by(docs, "Deployment", "viva-worker")
    assert (
        policy["spec"]["podSelector"]["matchLabels"]
        == worker["spec"]["template"]["metadata"]["labels"]
    )
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert ports == {53, 5432, 6379}


def test_autoscalers_and_budgets_point_at_deployments_that_exist() -> None:
    docs = render(BASE)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
    for pdb in (d for d in docs if d["kind"] == "PodDisruptionBudget"):
        labels = pdb["spec"]["selector"]["matchLabels"]
        assert any(
            d["spec"]["template"]["metadata"]["labels"] == labels for d in deployments.values()
        )


def test_the_production_overlay_changes_what_it_says() -> None:
    docs = render(K8S / "overlays" / "production")
    assert _by(docs, "Deployment", "viva-api")["spec"]["replicas"] == 3
    worker = _by(docs, "Deployment", "viva-worker")
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["worker", "--slots", "4"]
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}  # kept
    assert all(d["metadata"]["namespace"] == "viva" for d in docs)


# compose.yaml -------------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_runs_two_apis_a_worker_postgres_and_redis_with_health_checks() -> None:
    services = _compose()["services"]
    assert {"api", "worker", "postgres", "redis", "migrate"} <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2
    for name in ("api", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["worker"]["command"][0] == "worker"
    env = services["api"]["environment"]
    assert env["VIVA_REDIS_URL"].startswith("redis://redis:")
    assert env["VIVA_SECRET_KEY"].startswith("${"), "secrets come from the environment"


def test_compose_gives_the_worker_the_sandbox_options_and_no_privileges() -> None:
    worker = _compose()["services"]["worker"]
    assert set(worker["security_opt"]) == {
        "seccomp=unconfined",
        "apparmor=unconfined",
        "systempaths=unconfined",
    }
    assert not worker.get("privileged") and not worker.get("cap_add")
    assert "security_opt" not in _compose()["services"]["api"]


def test_the_image_build_context_is_only_what_the_dockerfile_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert next(line for line in lines if not line.startswith("#")) == "*"
    for needed in ("requirements.lock", "pyproject.toml", "README.md", "src/"):
        assert f"!{needed}" in lines
