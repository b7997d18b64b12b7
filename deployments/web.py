"""The web app's files (web/dist, built by Vite), served by the gateway at `/`.

Every GET/HEAD outside the API's own paths is the web app's: a file of web/dist when there is
one, else index.html (the client-side router owns the path). Hashed assets are cached for a
year; index.html is revalidated on every load and carries a fresh CSP nonce for the styles
MUI's emotion inserts. When web/dist was never built, the answer is a JSON 503 saying so.
"""

from __future__ import annotations

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
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        cache = IMMUTABLE if path.startswith(ASSETS_PREFIX) else "no-cache"
        response: Response = FileResponse(found, media_type=media_type, headers={"Cache-Control": cache})
        return _security_headers(response, nonce)
    if path.startswith(ASSETS_PREFIX):  # a missing asset is not a page: no HTML for a script tag
        return error_response(request, 404, "not_found", "no such asset")
    html = index.read_text(encoding="utf-8").replace(NONCE_PLACEHOLDER, nonce)
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
