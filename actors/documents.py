"""Where identity documents are kept: a small interface, with a local-directory store.

`BANKFLOW_DOCUMENT_STORE_URL` chooses it: `file:///path` (the default, under the data dir).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse


class DocumentStore(Protocol):
    async def put(self, key: str, content: bytes) -> None: ...
    async def get(self, key: str) -> bytes: ...


class LocalDocumentStore:
    """Files under a root directory; a key is a relative path of safe parts."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") or not part.replace("-", "").replace("_", "").isalnum() for part in parts):
            raise ValueError(f"unsafe document key {key!r}")
        return self._root.joinpath(*parts)

    async def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        await asyncio.to_thread(_write_once, path, content)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)


def _write_once(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def document_store(url: str) -> DocumentStore:
    parsed = urlparse(url)
    if parsed.scheme == "file" and parsed.path:
        return LocalDocumentStore(Path(parsed.path))
    raise ValueError(f"unsupported document store {url!r}: use file:///path")
