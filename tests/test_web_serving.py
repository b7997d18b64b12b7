"""The gateway serves the built web app (web/dist) at `/`, beside the API it leaves alone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deployments.web import DEFAULT_DIST

INDEX = DEFAULT_DIST / "index.html"


@pytest.fixture(scope="module")
def web(api_url: str) -> Iterator[httpx.Client]:
    if not INDEX.is_file():
        pytest.fail(f"{INDEX} is missing: build the web app (`make install`, or `npm ci && npm run build` in web/)")
    with httpx.Client(base_url=api_url, timeout=60) as client:
        yield client


def _policy(response: httpx.Response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


def test_the_root_is_the_app_with_a_strict_policy(web: httpx.Client) -> None:
    response = web.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-cache"
    assert '<div id="root">' in response.text
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == "blob:"  # only the back office's documents, made by our own scripts
    assert policy["img-src"] == "'self' data: blob:"
    assert policy["frame-ancestors"] == "'none'"
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_-]+)'", policy["style-src"])
    assert nonce is not None, policy["style-src"]
    # index.html hands the same nonce to emotion, and no script is inline
    assert f'<meta name="csp-nonce" content="{nonce.group(1)}"' in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_each_load_gets_its_own_nonce(web: httpx.Client) -> None:
    first, second = web.get("/"), web.get("/")
    assert _policy(first)["style-src"] != _policy(second)["style-src"]


@pytest.mark.parametrize("path", ["/transfer", "/admin/customers/123", "/some/deep/client/route"])
def test_client_routes_fall_back_to_index_html(web: httpx.Client, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<div id="root">' in response.text
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in response.headers


def test_hashed_assets_are_cached_for_a_year(web: httpx.Client) -> None:
    index = web.get("/").text
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', index)
    assert scripts, index
    for script in scripts:
        response = web.get(script)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "javascript" in response.headers["content-type"]
        assert response.content == (DEFAULT_DIST / script.lstrip("/")).read_bytes()


def test_a_missing_asset_is_a_json_404_not_the_page(web: httpx.Client) -> None:
    response = web.get("/assets/no-such-chunk-0000.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_files_outside_dist_are_not_served(web: httpx.Client) -> None:
    for path in ["/..%2f..%2fpyproject.toml", "/assets/..%2f..%2f..%2fpyproject.toml"]:
        response = web.get(path)
        assert "[project]" not in response.text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_api_path_stays_a_json_404(web: httpx.Client, method: str) -> None:
    response = web.request(method, "/api/v1/nonexistent")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_the_platform_paths_keep_their_behaviour(web: httpx.Client) -> None:
    assert web.get("/healthz").json() == {"status": "ok"}
    assert web.get("/openapi.json").json()["info"]["title"] == "BankFlow API"
    docs = web.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert web.get("/readyz").headers["content-type"].startswith("application/json")
    assert web.get("/metrics").status_code in (200, 401, 403)  # the token rule of /metrics, not the app


def test_without_a_build_the_root_says_so_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same middleware in process, pointed at an empty dist: a 503 JSON, no stack trace."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from deployments.errors import install_error_handling
    from deployments.web import DIST_ENV, WebApp

    monkeypatch.setenv(DIST_ENV, str(tmp_path / "dist"))
    app = FastAPI()
    app.add_middleware(WebApp)
    install_error_handling(app)
    response = TestClient(app).get("/accounts")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "web_app_not_built"
    assert "make install" in error["message"]


def test_a_new_build_of_index_html_is_served_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """index.html is read once per build, not per load: a rebuild (a new mtime) is seen on the next load."""
    import os

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from deployments.web import DIST_ENV, NONCE_PLACEHOLDER, WebApp

    dist = tmp_path / "dist"
    dist.mkdir()
    index = dist / "index.html"
    monkeypatch.setenv(DIST_ENV, str(dist))
    app = FastAPI()
    app.add_middleware(WebApp)
    client = TestClient(app)
    index.write_text(f'<html><head></head><body nonce="{NONCE_PLACEHOLDER}">first</body></html>')
    first = client.get("/accounts")
    assert first.status_code == 200 and "first" in first.text and NONCE_PLACEHOLDER not in first.text
    index.write_text("<html><head></head><body>second</body></html>")
    stat = index.stat()
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert "second" in client.get("/accounts").text


def test_assets_go_gzipped_to_a_browser_that_accepts_it(web: httpx.Client) -> None:
    script = re.findall(r'src="(/assets/[^"]+\.js)"', web.get("/").text)[0]
    on_disk = (DEFAULT_DIST / script.lstrip("/")).read_bytes()
    gzipped = web.get(script, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in [part.strip() for part in gzipped.headers["Vary"].split(",")]
    assert "javascript" in gzipped.headers["content-type"]
    assert gzipped.content == on_disk  # httpx undoes the gzip
    assert int(gzipped.headers["Content-Length"]) < len(on_disk) / 2
    plain = web.get(script, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.content == on_disk
    refused = web.get(script, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def _preloads(html: str) -> list[str]:
    return re.findall(r'<link rel="modulepreload" crossorigin href="(/assets/[^"]+\.js)">', html)


def test_a_landing_page_names_its_chunks_for_the_browser_to_fetch_beside_the_entry(web: httpx.Client) -> None:
    from deployments.web import LANDING_PAGES, MANIFEST

    manifest = json.loads((DEFAULT_DIST / MANIFEST).read_text(encoding="utf-8"))
    entry = manifest["index.html"]["file"]
    for path, page in LANDING_PAGES.items():
        assert page in manifest, f"{page} (the page of {path}) is not in the build: rename it in LANDING_PAGES"
        preloads = _preloads(web.get(path).text)
        assert f"/{manifest[page]['file']}" in preloads, path
        assert f"/{entry}" not in preloads  # index.html loads the entry itself
        for href in preloads:
            assert web.get(href).status_code == 200, href
    # a page reached by navigating inside the app gets none: the app fetches its chunks itself
    assert _preloads(web.get("/history").text) == []


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("gzip;q=0.5", True),
        ("br;q=1, gzip;q=0", False),
        ("GZIP ; q=0.000", False),
        ("gzip;q=nonsense", False),
        ("identity", False),
        ("", False),
    ],
)
def test_gzip_is_sent_only_when_accepted(accept_encoding: str, gzipped: bool) -> None:
    from starlette.requests import Request

    from deployments.web import accepts_gzip

    request = Request({"type": "http", "headers": [(b"accept-encoding", accept_encoding.encode())]})
    assert accepts_gzip(request) is gzipped


def test_the_dashboard_names_its_first_view_ahead_of_the_app_and_no_other_page_does(web: httpx.Client) -> None:
    from deployments.web import FIRST_VIEW_MANIFEST, FIRST_VIEWS

    manifest = json.loads((DEFAULT_DIST / FIRST_VIEW_MANIFEST).read_text(encoding="utf-8"))
    (module,) = FIRST_VIEWS.values()
    script = f"/{manifest[module]['file']}"
    html = web.get("/").text
    assert f'<script type="module" async crossorigin src="{script}"></script>' in html
    assert html.index(script) < html.index('<link rel="modulepreload"')  # asked for first
    served = web.get(script)
    assert served.status_code == 200 and served.headers["Cache-Control"].endswith("immutable")
    assert len(served.content) < 8 * 1024 * 4  # its build holds it to 8 KB gzipped: no framework in it
    for path in ("/login", "/history", "/admin"):
        assert script not in web.get(path).text, path
