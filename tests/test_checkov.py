"""checkov (static IaC security analysis) over what gets applied: every overlay as kustomize
renders it, and the Terraform. No check may fail; a check that does not fit is skipped next to
its resource with the reason (`checkov.io/skipN: CKV_K8S_xx=reason` annotations in the
manifests, `#checkov:skip=CKV_AWS_xx:reason` in the resource block), and this test refuses a
skip without one.

checkov lives in its own virtualenv (its dependencies conflict with the project's pins):
`make test` installs it and passes its path as BANKFLOW_CHECKOV."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

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


def _render(overlay: str, into: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here: the overlays cannot be rendered (kubectl kustomize)")
    # A fixed command on our own directory; no input from outside.
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "kuberay" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (into / f"{overlay}.yaml").write_text(result.stdout)


def test_the_rendered_overlays_pass_checkov(tmp_path: Path) -> None:
    # checkov ignores paths with a hidden directory in them: keep the rendered files out of one.
    assert "/." not in str(tmp_path)
    for overlay in OVERLAYS:
        _render(overlay, tmp_path)
    report = _scan("kubernetes", tmp_path)
    scanned = {Path(check["file_path"]).stem for check in report["results"]["passed_checks"]}
    assert scanned == set(OVERLAYS), f"checkov checked only {sorted(scanned)}"
    assert not _failures(report), "checkov failed on the manifests:\n" + "\n".join(_failures(report))
    assert not _skips_without_reason(report), "skipped without a reason:\n" + "\n".join(_skips_without_reason(report))


def test_the_terraform_passes_checkov() -> None:
    report = _scan("terraform", ROOT / "kuberay" / "terraform")
    assert not _failures(report), "checkov failed on the Terraform:\n" + "\n".join(_failures(report))
    assert not _skips_without_reason(report), "skipped without a reason:\n" + "\n".join(_skips_without_reason(report))
