"""checkov (static IaC security analysis) over what gets applied: every overlay as kustomize
renders it, the Terraform, and the image's Dockerfile. No check may fail; a check that does not
fit is skipped next to its resource with the reason (`checkov.io/skipN: CKV_K8S_xx=reason` annotations in the
manifests, `#checkov:skip=CKV_AWS_xx:reason` in the resource block), and this test refuses a
skip without one.

checkov lives in its own virtualenv (its dependencies conflict with the project's pins):
`make test` installs it and passes its path as BANKFLOW_CHECKOV."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.kustomize import kustomize

ROOT = Path(__file__).resolve().parent.parent
OVERLAYS = ("dev", "staging", "prod")
DEFAULT_CHECKOV = ROOT / ".venv-tools" / "checkov" / "bin" / "checkov"
# What checkov writes for a skip that gives no reason.
NO_REASON = "No comment provided"
# Offline: no policy metadata or guidelines from Prisma Cloud, no PyPI update check, no
# Terraform module downloads (the modules are pinned by commit; their code is theirs to check).
OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE"}
OFFLINE_ARGS = ("--skip-download", "--download-external-modules", "false")


def _checkov() -> Path:
    configured = os.environ.get("BANKFLOW_CHECKOV")
    if configured:
        # Asked for explicitly (make test): a wrong path is a broken setup, not a missing tool.
        path = Path(configured) if Path(configured).is_absolute() else ROOT / configured
        assert path.exists(), f"BANKFLOW_CHECKOV={configured} does not exist: run `make install-tools`"
        return path
    if not DEFAULT_CHECKOV.exists():
        pytest.skip(
            f"checkov is not installed at {DEFAULT_CHECKOV.relative_to(ROOT)}: `make install-tools` installs it "
            "(or set BANKFLOW_CHECKOV to a checkov binary)"
        )
    return DEFAULT_CHECKOV


def _scan(framework: str, directory: Path) -> dict[str, Any]:
    """checkov's report of one framework over a directory (passed, failed and skipped checks)."""
    checkov = _checkov()
    # A fixed command on our own files; no input from outside.
    result = subprocess.run(
        [
            str(checkov),
            *("--framework", framework),
            *("--directory", str(directory)),
            *OFFLINE_ARGS,
            "--compact",
            # Not --quiet: it drops the skipped checks, whose reasons are checked below.
            *("--output", "json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **OFFLINE_ENV},
    )
    # 0: every check passed; 1: some failed (reported below). Anything else: checkov broke.
    assert result.returncode in (0, 1), f"checkov exited {result.returncode}: {result.stderr}"
    report = json.loads(result.stdout)
    # One framework gives one report; a scan that found nothing gives only a summary.
    assert isinstance(report, dict) and report.get("check_type") == framework, f"checkov scanned nothing: {report}"
    summary = report["summary"]
    assert summary["resource_count"] > 0 and summary["parsing_errors"] == 0, summary
    return report


def _failures(report: dict[str, Any]) -> list[str]:
    return [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]


def _skips_without_reason(report: dict[str, Any]) -> list[str]:
    return [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for check in report["results"]["skipped_checks"]
        if check["check_result"].get("suppress_comment", "").strip() in ("", NO_REASON)
    ]


# Where each KubeRay kind keeps its Ray cluster (head and worker groups), and its other pod
# templates (the RayJob's submitter, which runs `ray job submit` in a Kubernetes Job).
RAY_CLUSTER_SPEC = {
    "RayService": ("spec", "rayClusterConfig"),
    "RayCluster": ("spec",),
    "RayJob": ("spec", "rayClusterSpec"),
}
RAY_OTHER_TEMPLATES = {"RayJob": {"submitter": ("spec", "submitterPodTemplate")}}


def ray_pods(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One plain `v1 Pod` per pod template of a RayService / RayCluster / RayJob document (none
    for any other kind), for checkov to check.

    checkov has no rules for the KubeRay kinds: it would pass over them silently, and the Ray
    head and worker pods (the most important pods of the bank) would not be checked at all.
    As Pods they get every pod and container check. Each is named after its origin
    (`<kind>-<name>-head`, `<kind>-<name>-worker-<groupName>`, `<kind>-<name>-submitter`), in
    the document's namespace, and carries the pod template's annotations: a skip
    (`checkov.io/skipN`) is written on the pod template in the manifest, next to what it skips."""
    kind = document.get("kind")
    if kind not in RAY_CLUSTER_SPEC:
        return []
    metadata = document["metadata"]
    prefix = f"{kind.lower()}-{metadata['name']}"

    def dig(path: tuple[str, ...]) -> Any:
        node: Any = document
        for key in path:
            node = (node or {}).get(key)
        return node

    cluster = dig(RAY_CLUSTER_SPEC[kind]) or {}
    templates = {"head": (cluster.get("headGroupSpec") or {}).get("template")}
    for group in cluster.get("workerGroupSpecs") or []:
        templates[f"worker-{group['groupName']}"] = group.get("template")
    for suffix, path in RAY_OTHER_TEMPLATES.get(kind, {}).items():
        templates[suffix] = dig(path)
    pods = []
    for suffix, template in templates.items():
        if not template:
            continue
        pod_metadata: dict[str, Any] = {"name": f"{prefix}-{suffix}"}
        if "namespace" in metadata:
            pod_metadata["namespace"] = metadata["namespace"]
        pod_metadata["annotations"] = dict((template.get("metadata") or {}).get("annotations") or {})
        pods.append(
            {"apiVersion": "v1", "kind": "Pod", "metadata": pod_metadata, "spec": copy.deepcopy(template["spec"])}
        )
    return pods


def _pod_id(pod: dict[str, Any]) -> str:
    """How checkov names a resource in its report: kind.namespace.name."""
    return f"Pod.{pod['metadata'].get('namespace', 'default')}.{pod['metadata']['name']}"


def _render(overlay: str, into: Path) -> list[dict[str, Any]]:
    """Renders the overlay into `<overlay>.yaml`, its Ray pods added (see ray_pods); returns those."""
    rendered = kustomize(f"overlays/{overlay}")
    pods = [pod for document in yaml.safe_load_all(rendered) if document for pod in ray_pods(document)]
    # The originals stay: checkov checks what it has rules for in them (none for their kinds).
    (into / f"{overlay}.yaml").write_text(rendered + "---\n" + yaml.safe_dump_all(pods, sort_keys=False))
    return pods


def test_ray_pods_are_the_pod_templates_of_the_kuberay_kinds() -> None:
    head = {
        "metadata": {"annotations": {"checkov.io/skip1": "CKV_K8S_38=why"}},
        "spec": {"containers": [{"name": "h"}]},
    }
    worker = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "w"}]}}
    service = {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": "bank", "namespace": "ns"},
        "spec": {
            "serveConfigV2": "applications: []",
            "rayClusterConfig": {
                "headGroupSpec": {"rayStartParams": {}, "template": head},
                "workerGroupSpecs": [{"groupName": "ledger", "template": worker}],
            },
        },
    }
    assert ray_pods(service) == [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "rayservice-bank-head",
                "namespace": "ns",
                "annotations": {"checkov.io/skip1": "CKV_K8S_38=why"},
            },
            "spec": {"containers": [{"name": "h"}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "rayservice-bank-worker-ledger", "namespace": "ns", "annotations": {}},
            "spec": {"containers": [{"name": "w"}]},
        },
    ]
    assert ray_pods(service)[0]["spec"] is not head["spec"], "a copy: the document is left as it is"
    job = {
        "kind": "RayJob",
        "metadata": {"name": "train"},
        "spec": {"rayClusterSpec": {"headGroupSpec": {"template": head}}, "submitterPodTemplate": worker},
    }
    assert [pod["metadata"]["name"] for pod in ray_pods(job)] == ["rayjob-train-head", "rayjob-train-submitter"]
    cluster = {
        "kind": "RayCluster",
        "metadata": {"name": "c"},
        "spec": {"workerGroupSpecs": [{"groupName": "g", "template": worker}]},
    }
    assert [pod["metadata"]["name"] for pod in ray_pods(cluster)] == ["raycluster-c-worker-g"]
    assert ray_pods({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": worker}}) == []


def test_the_rendered_overlays_pass_checkov(tmp_path: Path) -> None:
    # checkov ignores paths with a hidden directory in them: keep the rendered files out of one.
    assert "/." not in str(tmp_path)
    pods = {overlay: _render(overlay, tmp_path) for overlay in OVERLAYS}
    report = _scan("kubernetes", tmp_path)
    scanned = {Path(check["file_path"]).stem for check in report["results"]["passed_checks"]}
    assert scanned == set(OVERLAYS), f"checkov checked only {sorted(scanned)}"
    # The Ray pods were checked, in every overlay: the RayService's head and both worker groups,
    # the retraining RayJob's head, worker and submitter at least.
    checked = {
        (Path(check["file_path"]).stem, check["resource"])
        for outcome in ("passed_checks", "failed_checks", "skipped_checks")
        for check in report["results"][outcome]
    }
    for overlay, overlay_pods in pods.items():
        names = {pod["metadata"]["name"] for pod in overlay_pods}
        assert {
            "rayservice-bankflow-head",
            "rayservice-bankflow-worker-ledger",
            "rayservice-bankflow-worker-serve",
            "rayjob-bankflow-retraining-head",
            "rayjob-bankflow-retraining-worker-training",
            "rayjob-bankflow-retraining-submitter",
        } <= names, f"{overlay}: {sorted(names)}"
        unchecked = {_pod_id(pod) for pod in overlay_pods} - {resource for stem, resource in checked if stem == overlay}
        assert not unchecked, f"checkov did not check {sorted(unchecked)} in {overlay}"
    assert not _failures(report), "checkov failed on the manifests:\n" + "\n".join(_failures(report))
    assert not _skips_without_reason(report), "skipped without a reason:\n" + "\n".join(_skips_without_reason(report))


def test_the_terraform_passes_checkov() -> None:
    report = _scan("terraform", ROOT / "kuberay" / "terraform")
    assert not _failures(report), "checkov failed on the Terraform:\n" + "\n".join(_failures(report))
    assert not _skips_without_reason(report), "skipped without a reason:\n" + "\n".join(_skips_without_reason(report))


def test_the_image_passes_checkov() -> None:
    report = _scan("dockerfile", ROOT / "kuberay" / "image")
    assert not _failures(report), "checkov failed on the Dockerfile:\n" + "\n".join(_failures(report))
    assert not _skips_without_reason(report), "skipped without a reason:\n" + "\n".join(_skips_without_reason(report))
