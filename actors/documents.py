"""Where identity documents are kept: a small interface, with a local-directory store and
an S3-compatible one.

`BANKFLOW_DOCUMENT_STORE_URL` chooses it: `file:///path` (the default, under the data dir), or
`s3://bucket/prefix` (credentials from the usual AWS chain: environment, IRSA on EKS;
`?endpoint_url=…&region=…` for other S3-compatible stores).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlparse


class DocumentStore(Protocol):
    async def put(self, key: str, content: bytes) -> None: ...
    async def get(self, key: str) -> bytes: ...


def check_key(key: str) -> list[str]:
    """A key's parts, if every part is a plain name (no empty, dot or path-changing part)."""
    parts = key.split("/")
    if any(part in ("", ".", "..") or not part.replace("-", "").replace("_", "").isalnum() for part in parts):
        raise ValueError(f"unsafe document key {key!r}")
    return parts


class LocalDocumentStore:
    """Files under a root directory; a key is a relative path of safe parts."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*check_key(key))

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


class S3DocumentStore:
    """Objects in an S3 bucket under a prefix, encrypted at rest by the bucket (SSE)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/")

    def _object_key(self, key: str) -> str:
        path = "/".join(check_key(key))
        return f"{self._prefix}/{path}" if self._prefix else path

    async def put(self, key: str, content: bytes) -> None:
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self._bucket,
            Key=self._object_key(key),
            Body=content,
            ServerSideEncryption="AES256",
        )

    async def get(self, key: str) -> bytes:
        response = await asyncio.to_thread(self._client.get_object, Bucket=self._bucket, Key=self._object_key(key))
        body: bytes = await asyncio.to_thread(response["Body"].read)
        return body


def document_store(url: str) -> DocumentStore:
    parsed = urlparse(url)
    if parsed.scheme == "file" and parsed.path:
        return LocalDocumentStore(Path(parsed.path))
    if parsed.scheme == "s3" and parsed.netloc:
        import boto3  # noqa: PLC0415 -- only an S3-configured deployment pays for importing it

        options = dict(parse_qsl(parsed.query))
        client = boto3.client("s3", endpoint_url=options.get("endpoint_url"), region_name=options.get("region"))
        return S3DocumentStore(client, parsed.netloc, parsed.path)
    raise ValueError(f"unsupported document store {url!r}: use file:///path or s3://bucket/prefix")
