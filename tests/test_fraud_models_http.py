"""The model lifecycle against the running app: generate, train and register through the CLI,
promote, and the Fraud replicas serving the new version without failing a request."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from actors.documents import document_store
from actors.fraud.registry import ModelRegistry, RegistryError
from actors.settings import Settings
from cluster import cli
from tests.banking_client import new_customer, open_account


async def _registry_call(settings: Settings, call: str, *args: object) -> object:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        registry = ModelRegistry(pool, document_store(settings.document_store_url))
        return await getattr(registry, call)(*args)
    finally:
        await pool.close()


def _serving(api: httpx.Client, admin: dict[str, str]) -> str | None:
    version: str | None = api.get("/api/v1/fraud/model", headers=admin).json()["model_version"]
    return version


def _wait_serving(api: httpx.Client, admin: dict[str, str], version: str | None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _serving(api, admin) == version:
            return
        time.sleep(0.2)
    raise AssertionError(f"{version} not serving in time")


@pytest.fixture
def models(api: httpx.Client, admin: dict[str, str], pipeline_env: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Two versions trained through the CLI on two stories; no model serves afterwards."""
    settings = pipeline_env
    before = {record.version for record in asyncio.run(_registry_call(settings, "versions"))}  # type: ignore[attr-defined]
    for seed in (11, 12):
        story = tmp_path / f"story-{seed}.parquet"
        args = ["pipelines", "generate", "--out", str(story), "--customers", "600", "--days", "25", "--seed", str(seed)]
        assert cli.main(args) == 0
        assert cli.main(["pipelines", "train", "--data", str(story)]) == 0
    versions = [
        record.version
        for record in asyncio.run(_registry_call(settings, "versions"))  # type: ignore[attr-defined]
        if record.version not in before
    ]
    assert len(versions) == 2
    try:
        yield versions
    finally:
        asyncio.run(_registry_call(settings, "stop_serving"))
        _wait_serving(api, admin, None)


def test_a_promoted_model_serves_without_a_failed_request(
    api: httpx.Client, admin: dict[str, str], settings: Settings, models: list[str], api_url: str
) -> None:
    first, second = models
    assert cli.main(["pipelines", "promote", first]) == 0
    _wait_serving(api, admin, first)
    account = open_account(api, new_customer(api, admin))
    statuses: list[int] = []
    versions: list[str | None] = []
    stop = threading.Event()

    def score_steadily() -> None:
        with httpx.Client(base_url=api_url, timeout=30) as client:
            body = {"account_id": account, "amount": "42.00", "currency": "USD"}
            while not stop.is_set():
                response = client.post("/api/v1/fraud/analyze", json=body, headers=admin)
                statuses.append(response.status_code)
                versions.append(response.json().get("model_version"))

    scorer = threading.Thread(target=score_steadily)
    scorer.start()
    try:
        time.sleep(1.0)
        assert cli.main(["pipelines", "promote", second, "--force"]) == 0
        _wait_serving(api, admin, second)
        time.sleep(1.0)
    finally:
        stop.set()
        scorer.join()
    assert statuses and set(statuses) == {200}
    assert versions[0] == first and versions[-1] == second
    analysis = api.post(
        "/api/v1/fraud/analyze", json={"account_id": account, "amount": "42.00", "currency": "USD"}, headers=admin
    ).json()
    assert analysis["model_version"] == second and 0 <= analysis["score"] <= 100
    model = api.get("/api/v1/fraud/model", headers=admin).json()
    assert model["metrics"]["auc_pr"] > model["metrics"]["rules_auc_pr"]


def test_a_weaker_model_is_refused_unless_forced(settings: Settings, models: list[str]) -> None:
    first = models[0]
    asyncio.run(_registry_call(settings, "promote", first))
    record = asyncio.run(_registry_call(settings, "get", first))
    weaker = f"{first}-weaker"
    artifact = Path(str(settings.document_store_url).removeprefix("file://")) / record.artifact_key  # type: ignore[attr-defined]
    asyncio.run(
        _registry_call(settings, "register", weaker, artifact.read_bytes(), record.features, {"auc_pr": 0.0}, {})  # type: ignore[attr-defined]
    )
    with pytest.raises(RegistryError, match="below the serving"):
        asyncio.run(_registry_call(settings, "promote", weaker))
    assert cli.main(["pipelines", "promote", weaker]) != 0
    assert cli.main(["pipelines", "promote", "no-such-version"]) != 0


def test_training_promotes_only_a_model_at_least_as_good_as_the_serving_one(
    api: httpx.Client, admin: dict[str, str], pipeline_env: Settings, models: list[str], tmp_path: Path
) -> None:
    settings = pipeline_env
    first = models[0]
    record = asyncio.run(_registry_call(settings, "get", first))
    artifact = Path(str(settings.document_store_url).removeprefix("file://")) / record.artifact_key  # type: ignore[attr-defined]
    stronger = f"{first}-stronger"
    asyncio.run(
        _registry_call(settings, "register", stronger, artifact.read_bytes(), record.features, {"auc_pr": 1.5}, {})  # type: ignore[attr-defined]
    )
    asyncio.run(_registry_call(settings, "promote", stronger))
    story = tmp_path / "story.parquet"
    generate = ["pipelines", "generate", "--out", str(story), "--customers", "600", "--days", "25", "--seed", "13"]
    assert cli.main(generate) == 0
    assert cli.main(["pipelines", "train", "--data", str(story), "--promote-if-better"]) == 0
    assert asyncio.run(_registry_call(settings, "serving")).version == stronger  # type: ignore[attr-defined]

    asyncio.run(_registry_call(settings, "stop_serving"))
    assert cli.main(["pipelines", "train", "--data", str(story), "--promote-if-better"]) == 0
    serving = asyncio.run(_registry_call(settings, "serving"))
    assert serving is not None and serving.version not in (*models, stronger)  # type: ignore[attr-defined]
    _wait_serving(api, admin, serving.version)  # type: ignore[attr-defined]
