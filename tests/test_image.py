"""The production image's recipe (kuberay/image/Dockerfile) against the repository it packages.

No Docker daemon is needed: the Dockerfile is read as text (checkov checks its security in
tests/test_checkov.py). The image installs the distribution non-editable, so what pyproject.toml
declares (packages, package data) is all that reaches a pod: a package or a data file it misses
would import here and fail there.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from deployments.web import DIST_ENV

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "kuberay" / "image" / "Dockerfile"
TOP_LEVEL = ("models", "actors", "deployments", "pipelines", "cluster")


def _instructions() -> list[tuple[str, str]]:
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def test_the_runtime_stage_is_rays_image_of_the_pinned_ray_and_python() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    ray_pin = next(dep for dep in project["dependencies"] if dep.startswith("ray["))
    ray_version = ray_pin.split("==")[1]
    bases = [argument for name, argument in _instructions() if name == "FROM"]
    assert len(bases) == 2, bases
    runtime = bases[-1]
    assert runtime == f"rayproject/ray:{ray_version}-py311-cpu", runtime
    assert project["requires-python"] == ">=3.11"


def test_the_web_app_is_built_from_the_lockfile_and_served_from_where_the_gateway_looks() -> None:
    instructions = _instructions()
    runs = [argument for name, argument in instructions if name == "RUN"]
    assert "npm ci --no-audit --no-fund" in runs and "npm run build" in runs
    copied = [argument for name, argument in instructions if name == "COPY" and "--from=web" in argument]
    assert len(copied) == 1
    destination = copied[0].split()[-1].rstrip("/")
    workdirs = [argument for name, argument in instructions if name == "WORKDIR"]
    dist = f"{workdirs[-1]}/{destination}"
    assert f"ENV {DIST_ENV}={dist}" in DOCKERFILE.read_text()
    assert instructions[-1] == ("USER", "ray")


def test_every_package_and_data_file_is_in_the_distribution_the_image_installs() -> None:
    tool = _pyproject()["tool"]
    assert isinstance(tool, dict)
    setuptools = tool["setuptools"]
    declared = set(setuptools["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in TOP_LEVEL
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found == declared, f"not declared: {sorted(found - declared)}; declared, missing: {sorted(declared - found)}"

    package_data: dict[str, list[str]] = tool["setuptools"]["package-data"]
    for top in TOP_LEVEL:
        for data in sorted((ROOT / top).rglob("*")):
            if not data.is_file() or data.suffix in (".py", ".pyc") or "__pycache__" in data.parts:
                continue
            # The deepest declared package holding the file is the one whose package data must name it.
            owner = max(
                (package for package in declared if data.is_relative_to(ROOT / package.replace(".", "/"))),
                key=len,
            )
            relative = data.relative_to(ROOT / owner.replace(".", "/"))
            patterns = package_data.get(owner, [])
            assert any(relative.match(pattern) for pattern in patterns), f"{data.relative_to(ROOT)} is not package data"


def test_the_image_copies_every_top_level_package() -> None:
    copies = " ".join(argument for name, argument in _instructions() if name == "COPY")
    for top in TOP_LEVEL:
        assert re.search(rf"\b{top}/ {top}/", copies), f"the image does not copy {top}/"
