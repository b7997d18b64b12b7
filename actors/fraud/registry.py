"""The fraud model registry: versions with their figures in PostgreSQL, artifacts in the
document store (a directory under the data dir, or S3), and which version is serving.

A loaded artifact is checked against the SHA-256 recorded when it was registered before it
is unpickled: only what our own training wrote is ever loaded.
"""

from __future__ import annotations

import hashlib
import json
import pickle  # nosec B403 -- artifacts are checked against their registered SHA-256 before loading
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from actors.audit import append
from actors.documents import DocumentStore
from models.audit import AuditAction, AuditActor, AuditOrigin, done_by
from models.fraud.promotion import promotion_refusal


class RegistryError(RuntimeError):
    pass


# A version's figures name its report's files under this key; each is kept in the document store.
REPORT_FILES_KEY: Final = "report_files"
REPORT_NAME: Final = re.compile(r"[a-z0-9-]{1,40}\.png")


def _report_key(version: str, name: str) -> str:
    """Where a report file is kept: document keys are plain names (no dot), so without `.png`."""
    return f"models/reports/{version}/{name.removesuffix('.png')}"


@dataclass(frozen=True)
class ModelRecord:
    version: str
    artifact_key: str
    sha256: str
    features: list[str]
    metrics: dict[str, Any]
    data_window: dict[str, Any]
    serving: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "sha256": self.sha256,
            "features": self.features,
            "metrics": self.metrics,
            "data_window": self.data_window,
            "serving": self.serving,
        }


def _record(row: asyncpg.Record) -> ModelRecord:
    return ModelRecord(
        row["version"],
        row["artifact_key"],
        row["sha256"],
        json.loads(row["features"]),
        json.loads(row["metrics"]),
        json.loads(row["data_window"]),
        row["serving"],
    )


class ModelRegistry:
    def __init__(self, pool: asyncpg.Pool, store: DocumentStore) -> None:
        self._pool = pool
        self._store = store

    async def register(
        self,
        version: str,
        artifact: bytes,
        features: list[str],
        metrics: dict[str, Any],
        data_window: dict[str, Any],
        report: Mapping[str, bytes] | None = None,
    ) -> ModelRecord:
        """A new version: its artifact and its report's files (PNG, pipelines/report.py) in the
        document store, its figures (naming the report's files) in the registry."""
        key = f"models/{version}"
        await self._store.put(key, artifact)
        for name, content in (report or {}).items():
            assert REPORT_NAME.fullmatch(name), f"a report file is named like pr-curve.png, not {name!r}"
            await self._store.put(_report_key(version, name), content)
        if report:
            metrics = metrics | {REPORT_FILES_KEY: sorted(report)}
        row = await self._pool.fetchrow(
            """INSERT INTO fraud_models (version, artifact_key, sha256, features, metrics, data_window)
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
            version,
            key,
            hashlib.sha256(artifact).hexdigest(),
            json.dumps(features),
            json.dumps(metrics),
            json.dumps(data_window),
        )
        assert row is not None
        return _record(row)

    async def report_file(self, version: str, name: str) -> bytes:
        """One file of a version's report; RegistryError when the version has no such file."""
        record = await self.get(version)
        if record is None or name not in record.metrics.get(REPORT_FILES_KEY, []):
            raise RegistryError(f"{version} has no report file {name!r}")
        return await self._store.get(_report_key(version, name))

    async def get(self, version: str) -> ModelRecord | None:
        row = await self._pool.fetchrow("SELECT * FROM fraud_models WHERE version = $1", version)
        return None if row is None else _record(row)

    async def serving(self) -> ModelRecord | None:
        row = await self._pool.fetchrow("SELECT * FROM fraud_models WHERE serving")
        return None if row is None else _record(row)

    async def versions(self) -> list[ModelRecord]:
        return [_record(row) for row in await self._pool.fetch("SELECT * FROM fraud_models ORDER BY created_at")]

    async def promotion_problem(self, version: str, force: bool) -> str | None:
        """Why promoting `version` would be refused now, or None: it is not registered, or, unless
        forced, it loses to the rules or to the serving model (models/fraud/promotion.py)."""
        candidate = await self.get(version)
        if candidate is None:
            return f"no model version {version!r}"
        if force:
            return None
        current = await self.serving()
        return promotion_refusal(
            version,
            candidate.metrics,
            None if current is None else current.version,
            None if current is None else current.metrics,
        )

    async def promote(
        self,
        version: str,
        *,
        actor: AuditActor,
        origin: AuditOrigin,
        force: bool = False,
        approval_fields: Mapping[str, str] | None = None,
    ) -> ModelRecord:
        """Make `version` the serving model; refused, unless forced, when it loses to the rules or to
        the serving model. The promotion and its audit record (by `actor`, from `origin`, with the four-eyes
        approval that carried it out, if one did) commit together."""
        candidate = await self.get(version)
        if candidate is None:
            raise RegistryError(f"no model version {version!r}")
        current = await self.serving()
        refusal = promotion_refusal(
            version,
            candidate.metrics,
            None if current is None else current.version,
            None if current is None else current.metrics,
        )
        if refusal and not force:
            raise RegistryError(refusal)
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute("UPDATE fraud_models SET serving = false WHERE serving AND version <> $1", version)
            await connection.execute(
                "UPDATE fraud_models SET serving = true, promoted_at = now() WHERE version = $1", version
            )
            entry = done_by(
                actor,
                origin,
                AuditAction.MODEL_PROMOTE,
                ("fraud_model", version),
                {"serving_version": None if current is None else current.version},
                {"serving_version": version, **(approval_fields or {})},
                f"forced: {refusal}" if force and refusal else None,
            )
            await append(connection, entry)
        promoted = await self.get(version)
        assert promoted is not None
        return promoted

    async def stop_serving(self) -> None:
        """No model serves: scoring goes on with rules and velocity alone."""
        await self._pool.execute("UPDATE fraud_models SET serving = false WHERE serving")

    async def load(self, record: ModelRecord) -> Any:
        artifact = await self._store.get(record.artifact_key)
        if hashlib.sha256(artifact).hexdigest() != record.sha256:
            raise RegistryError(f"the artifact of {record.version} does not match its registered SHA-256")
        # The checksum above proves these bytes are the ones our training registered.
        loaded = pickle.loads(artifact)  # nosec B301
        if loaded.get("features") is None:
            raise RegistryError(f"the artifact of {record.version} names no feature list")
        return loaded
