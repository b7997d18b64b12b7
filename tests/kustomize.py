"""Rendering a kustomization under kuberay/ the way it is applied (`kubectl kustomize`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def kustomize(directory: str) -> str:
    """The rendered YAML of kuberay/<directory>; the test skips, saying why, without kubectl."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip(f"kubectl is not installed here: kuberay/{directory} cannot be rendered (kubectl kustomize)")
    # A fixed command on our own directory; no input from outside.
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "kuberay" / directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
