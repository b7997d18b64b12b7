"""The web app's API types are generated from the gateway's OpenAPI document, and up to date.

Regenerate with `make web-client` (or `npm run gen:api` in web/) after changing the API.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_web_unit import WEB, _gen_api_module, require_node_modules

COMMITTED = WEB / "src" / "api" / "schema.ts"


def test_the_committed_client_matches_the_current_openapi(tmp_path: Path) -> None:
    require_node_modules()
    fresh = tmp_path / "schema.ts"
    _gen_api_module().generate(fresh)
    assert COMMITTED.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        "web/src/api/schema.ts is stale: run `make web-client` and commit it"
    )


def test_the_app_declares_no_request_or_response_types_of_its_own() -> None:
    """Every API shape comes from schema.ts: no interface/type in src/api mirrors a schema by hand."""
    generated = COMMITTED.read_text(encoding="utf-8")
    schemas = set(re.findall(r"^        (\w+): \{", generated, flags=re.MULTILINE))
    assert {"Account", "Transaction", "TransferRequest", "TokenPair"} <= schemas
    for source in (WEB / "src").rglob("*.ts*"):
        if source == COMMITTED or source.name.endswith(".test.ts") or "test" in source.parts:
            continue
        text = source.read_text(encoding="utf-8")
        declared = re.findall(r"^(?:export )?(?:interface|type) (\w+)\s*(?:=\s*\{|\{)", text, re.MULTILINE)
        assert not set(declared) & schemas, f"{source} declares {set(declared) & schemas} by hand"
