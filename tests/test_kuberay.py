"""The KubeRay manifests, offline: the committed RayService is what the deploy config renders,
and every document of every overlay validates — KubeRay kinds against the CRD schemas in
../shared/schemas/kuberay with jsonschema, core kinds with kubernetes-validate."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from actors.settings import is_loopback
from cluster import kuberay
from tests.kustomize import kustomize

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "schemas" / "kuberay"
OVERLAYS = ("dev", "staging", "prod")
KUBERNETES_VERSION = "1.33"
CRD_FILES = {
    "RayService": "ray.io_rayservices.yaml",
    "RayCluster": "ray.io_rayclusters.yaml",
    "RayJob": "ray.io_rayjobs.yaml",
}
# The External Secrets Operator's kinds: their schemas ship with that operator (validated when
# applied), not with Kubernetes or KubeRay.
OPERATOR_KINDS = frozenset({"SecretStore", "ExternalSecret"})


@cache
def _crd_schema(kind: str) -> dict[str, Any]:
    if not (SCHEMAS / CRD_FILES[kind]).exists():
        pytest.skip(f"the KubeRay CRD schemas are not at {SCHEMAS} (../shared beside the repository)")
    crd = yaml.safe_load((SCHEMAS / CRD_FILES[kind]).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def _rendered(overlay: str) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(kustomize(f"overlays/{overlay}")) if document]


def test_the_committed_rayservice_is_what_the_deploy_config_renders() -> None:
    assert not kuberay.drifted(ROOT), "run `bankflow kuberay render` and commit kuberay/base/rayservice.yaml"
    rendered = yaml.safe_load(kuberay.render(ROOT).text)
    serve_config = yaml.safe_load(rendered["spec"]["serveConfigV2"])
    ServeDeploySchema.model_validate(serve_config)
    deployments = serve_config["applications"][0]["deployments"]
    assert all("autoscaling_config" in d and "num_replicas" not in d for d in deployments)
    assert all(d["ray_actor_options"]["resources"] == {kuberay.SERVE_RESOURCE: 1.0} for d in deployments)


def test_a_config_change_without_a_render_is_caught(tmp_path: Path) -> None:
    for part in (kuberay.TEMPLATE, kuberay.AUTOSCALING, kuberay.RENDERED):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, tmp_path / part)
    assert not kuberay.drifted(tmp_path)
    autoscaling = tmp_path / kuberay.AUTOSCALING
    autoscaling.write_text(autoscaling.read_text().replace("max_replicas: 10", "max_replicas: 12", 1))
    assert kuberay.drifted(tmp_path)
    autoscaling.write_text(autoscaling.read_text() + "Ghost: {min_replicas: 1, max_replicas: 1}\n")
    with pytest.raises(kuberay.RenderError, match="Ghost"):
        kuberay.render(tmp_path)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_document_of_the_overlay_validates(overlay: str) -> None:
    documents = _rendered(overlay)
    kinds = {document["kind"] for document in documents}
    assert {"RayService", "Namespace", "ServiceAccount", "ConfigMap", "PodDisruptionBudget"} <= kinds
    for document in documents:
        kind = document["kind"]
        name = f"{kind}/{document['metadata']['name']}"
        if kind in CRD_FILES:
            jsonschema.validate(document, _crd_schema(kind))
        elif kind not in OPERATOR_KINDS:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        assert document["metadata"].get("namespace", document["metadata"]["name"]).startswith("bankflow"), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rayservice_keeps_what_production_relies_on(overlay: str) -> None:
    (service,) = [document for document in _rendered(overlay) if document["kind"] == "RayService"]
    cluster = service["spec"]["rayClusterConfig"]
    assert cluster["authOptions"]["mode"] == "token"
    assert cluster["gcsFaultToleranceOptions"]["redisAddress"].startswith("rediss://")
    assert cluster["enableInTreeAutoscaling"] is True
    assert service["spec"]["upgradeStrategy"]["type"] == "NewCluster"
    groups = {group["groupName"]: group for group in cluster["workerGroupSpecs"]}
    assert set(groups) == {"ledger", "serve"}
    # rayStartParams carry Ray's --resources argument as a quoted JSON string.
    assert json.loads(json.loads(groups["ledger"]["rayStartParams"]["resources"])) == {"ledger": 8}
    assert json.loads(json.loads(groups["serve"]["rayStartParams"]["resources"])) == {"serve": 100}
    pods = [cluster["headGroupSpec"]["template"], *(group["template"] for group in groups.values())]
    for pod in pods:
        (container,) = pod["spec"]["containers"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["livenessProbe"] and container["readinessProbe"]
        assert {"configMapRef": {"name": "bankflow-settings"}} in container["envFrom"]
        assert container["image"].endswith(f":{_tag(overlay)}")
        assert not any("value" in variable for variable in container.get("env", [])), "no literal env: secrets"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_listening_beyond_loopback_takes_its_metrics_token_from_a_secret(overlay: str) -> None:
    documents = _rendered(overlay)
    (service,) = [document for document in documents if document["kind"] == "RayService"]
    host = yaml.safe_load(service["spec"]["serveConfigV2"])["http_options"]["host"]
    assert not is_loopback(host), "the premise: Prometheus scrapes /metrics from other pods"
    (secret,) = [d for d in documents if d["kind"] == "ExternalSecret" and d["metadata"]["name"] == "bankflow-secrets"]
    assert "BANKFLOW_METRICS_TOKEN" in {item["secretKey"] for item in secret["spec"]["data"]}
    (settings,) = [d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "bankflow-settings"]
    assert "BANKFLOW_METRICS_TOKEN" not in settings["data"], "a token is a secret, never a ConfigMap's value"
    cluster = service["spec"]["rayClusterConfig"]
    pods = [cluster["headGroupSpec"]["template"], *(group["template"] for group in cluster["workerGroupSpecs"])]
    for pod in pods:
        (container,) = pod["spec"]["containers"]
        assert {"secretRef": {"name": "bankflow-secrets"}} in container["envFrom"]
        assert "BANKFLOW_METRICS_TOKEN" not in {variable["name"] for variable in container.get("env", [])}


def _tag(overlay: str) -> str:
    return {"dev": "0.1.0-dev", "staging": "0.1.0-rc", "prod": "0.1.0"}[overlay]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_retraining_runs_the_pipeline_on_its_own_cluster_on_a_schedule(overlay: str) -> None:
    documents = {(document["kind"], document["metadata"]["name"]): document for document in _rendered(overlay)}
    job = documents[("RayJob", "bankflow-retraining")]["spec"]
    assert job["suspend"] is True, "the template runs nothing; the CronJob starts copies"
    assert job["entrypoint"].split()[:3] == ["bankflow", "pipelines", "train"]
    assert {"--from-db", "--promote-if-better"} <= set(job["entrypoint"].split())
    assert job["shutdownAfterJobFinishes"] is True and job["rayClusterSpec"]["authOptions"]["mode"] == "token"
    (container,) = job["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(f":{_tag(overlay)}")
    cron = documents[("CronJob", "bankflow-retraining")]["spec"]
    trigger = cron["jobTemplate"]["spec"]["template"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid" and trigger["serviceAccountName"] == "bankflow-retrainer"
    (rule,) = documents[("Role", "bankflow-retrainer")]["rules"]
    assert rule == {"apiGroups": ["ray.io"], "resources": ["rayjobs"], "verbs": ["get", "create"]}
