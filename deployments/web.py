"""The web app's files (web/dist, built by Vite), served by the gateway at `/`.

Every GET/HEAD outside the API's own paths is the web app's: a file of web/dist when there is
one, else index.html (the client-side router owns the path). Hashed assets are cached for a
year, and sent from their gzip copy (web/scripts/postbuild.mjs) to a browser that accepts gzip;
index.html is revalidated on every load, carries a fresh CSP nonce for the styles MUI's emotion
inserts, and for a landing page names that page's chunks (modulepreload, from Vite's manifest)
so that the browser fetches them beside the entry instead of after it has run; the dashboard's
also names its first view, a small script that draws a returning customer's balances before the
app has started (web/src/firstView). When web/dist was never built, the answer is a JSON 503
saying so.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import os
import secrets
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from deployments.errors import error_response

# The repository root holds deployments/ and web/: the Serve app imports this package from
# there (`make run`, the tests' stack and the image alike), so dist is found beside it.
DEFAULT_DIST: Final = Path(__file__).resolve().parent.parent / "web" / "dist"
DIST_ENV: Final = "BANKFLOW_WEB_DIST"
NONCE_PLACEHOLDER: Final = "__CSP_NONCE__"
ASSETS_PREFIX: Final = "/assets/"
IMMUTABLE: Final = "public, max-age=31536000, immutable"
MANIFEST: Final = Path(".vite") / "manifest.json"
GZIP_SUFFIX: Final = ".gz"

# The pages a visit starts on (a bookmark, a link in an email, the URL `make run` prints), by
# their module in the web app's sources (web/src/App.tsx routes them). Others are reached by
# navigating inside the app, which fetches their chunks itself.
LANDING_PAGES: Final = {
    "/": "src/pages/DashboardPage.tsx",
    "/login": "src/pages/LoginPage.tsx",
    "/signup": "src/pages/SignUpPage.tsx",
    "/reset": "src/pages/ResetPasswordPage.tsx",
}
# The landing pages drawn before the app starts by a small script of their own (web/src/firstView),
# by its module; its build has a manifest of its own.
FIRST_VIEWS: Final = {"/": "src/firstView/dashboard.ts"}
FIRST_VIEW_MANIFEST: Final = Path(".vite") / "first-view.json"
MAX_PRELOADS: Final = 40  # a page with more chunks than this is a build to look at, not to preload

# Paths the API keeps, whatever the web app's routes are.
_RESERVED_EXACT: Final = frozenset({"/docs", "/redoc", "/openapi.json", "/metrics", "/healthz", "/readyz", "/api"})
_RESERVED_PREFIXES: Final = ("/api/", "/docs/", "/.well-known/")


def content_security_policy(nonce: str) -> str:
    """A strict policy: scripts only from this origin (no inline script at all); <style>
    elements only with this response's nonce (emotion's, see web/src/theme.tsx). blob: images and
    objects are the back office's KYC documents, fetched with the session's token (a blob: URL is
    made only by this origin's own scripts); no other plugin content is allowed."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src blob:",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def dist_dir() -> Path:
    configured = os.environ.get(DIST_ENV, "")
    return Path(configured).resolve() if configured else DEFAULT_DIST


def is_reserved(path: str) -> bool:
    return path in _RESERVED_EXACT or path.startswith(_RESERVED_PREFIXES)


def _security_headers(response: Response, nonce: str) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _inside(root: Path, path: str) -> Path | None:
    """The file `path` names under root, or None (missing, a directory, or outside root)."""
    candidate = (root / path.lstrip("/")).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


@functools.lru_cache(maxsize=4)
def _manifest(path: Path, mtime_ns: int) -> dict[str, dict[str, object]]:
    """Vite's build manifest (cached per build: the file's mtime is in the key)."""
    del mtime_ns
    loaded: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@functools.lru_cache(maxsize=4)
def _index_html(path: Path, mtime_ns: int) -> str:
    """index.html as built (cached per build, like the manifest: every page load serves it)."""
    del mtime_ns
    return path.read_text(encoding="utf-8")


def page_chunks(root: Path, page: str) -> list[str]:
    """The files of a page's chunk and of everything it imports statically, minus what the
    entry (index.html's own script) already loads; [] when the build has no manifest."""
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        return []
    manifest = _manifest(manifest_path, manifest_path.stat().st_mtime_ns)

    def closure(start: str) -> list[str]:
        seen: list[str] = []
        pending = [start]
        while pending:
            key = pending.pop()
            if key in seen or key not in manifest:
                continue
            seen.append(key)
            imports = manifest[key].get("imports", [])
            assert isinstance(imports, list)
            pending.extend(str(name) for name in imports)
        return seen

    loaded_by_entry = set(closure("index.html"))
    files = [str(manifest[key]["file"]) for key in closure(page) if key not in loaded_by_entry]
    return files[:MAX_PRELOADS]


def first_view_script(root: Path, path: str) -> str | None:
    """The file of the landing page's first view, or None (no first view, or a build without one)."""
    module = FIRST_VIEWS.get(path)
    manifest_path = root / FIRST_VIEW_MANIFEST
    if module is None or not manifest_path.is_file():
        return None
    entry = _manifest(manifest_path, manifest_path.stat().st_mtime_ns).get(module)
    return None if entry is None else str(entry["file"])


def _with_preloads(html: str, root: Path, path: str) -> str:
    page = LANDING_PAGES.get(path)
    if page is None:
        return html
    first_view = first_view_script(root, path)
    # async: it runs the moment it arrives, ahead of the app's entry, not after the document
    script = "" if first_view is None else f'<script type="module" async crossorigin src="/{first_view}"></script>'
    links = "".join(f'<link rel="modulepreload" crossorigin href="/{file}">' for file in page_chunks(root, page))
    return html.replace("</head>", f"{script}{links}</head>", 1)


def accepts_gzip(request: Request) -> bool:
    """Whether Accept-Encoding names gzip with a quality above zero (`gzip;q=0` refuses it)."""
    for coding in request.headers.get("accept-encoding", "").split(","):
        name, _, parameter = coding.partition(";")
        if name.strip().lower() != "gzip":
            continue
        parameter = parameter.strip().lower()
        if not parameter.startswith("q="):
            return True
        try:
            return float(parameter.removeprefix("q=")) > 0
        except ValueError:
            return False
    return False


def _file_response(request: Request, found: Path, cache: str) -> Response:
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    gzipped = found.with_name(found.name + GZIP_SUFFIX)
    if not gzipped.is_file():
        return FileResponse(found, media_type=media_type, headers={"Cache-Control": cache})
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    if accepts_gzip(request):
        return FileResponse(gzipped, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(found, media_type=media_type, headers=headers)


def web_response(request: Request) -> Response:
    root = dist_dir()
    index = root / "index.html"
    nonce = secrets.token_urlsafe(18)
    if not index.is_file():
        return error_response(
            request,
            503,
            "web_app_not_built",
            f"the web app is not built: run `make install` (npm ci && npm run build in web/); looked in {root}",
        )
    path = request.url.path
    found = _inside(root, path) if path not in ("/", "/index.html") else None
    if found is not None:
        cache = IMMUTABLE if path.startswith(ASSETS_PREFIX) else "no-cache"
        return _security_headers(_file_response(request, found, cache), nonce)
    if path.startswith(ASSETS_PREFIX):  # a missing asset is not a page: no HTML for a script tag
        return error_response(request, 404, "not_found", "no such asset")
    built = _index_html(index, index.stat().st_mtime_ns)
    html = _with_preloads(built.replace(NONCE_PLACEHOLDER, nonce), root, path)
    response = Response(html, media_type="text/html", headers={"Cache-Control": "no-cache"})
    return _security_headers(response, nonce)


class WebApp:
    """ASGI middleware in front of the router: the web app's GET/HEAD requests never reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") and not is_reserved(scope["path"]):
            response = web_response(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
