"""The model lifecycle against the running app: generate, train and register through the CLI,
promote, and the Fraud replicas serving the new version without failing a request."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import asyncpg
import httpx
import pytest

from actors.documents import document_store
from actors.fraud.registry import ModelRegistry, RegistryError
from actors.settings import Settings
from cluster import cli
from models.audit import OPERATOR, AuditAction, AuditOrigin
from tests.audit_client import me, only, signed_in_with_roles
from tests.banking_client import Customer, carried_out, new_customer, open_account
from tests.conftest import point_pipelines_at

# A promotion made here, as `bankflow pipelines promote` makes one: by the operator.
AS_OPERATOR: Final = {"actor": OPERATOR, "origin": AuditOrigin(user_agent="pytest")}


async def _registry_call(settings: Settings, call: str, *args: object, **keywords: object) -> object:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        registry = ModelRegistry(pool, document_store(settings.document_store_url))
        return await getattr(registry, call)(*args, **keywords)
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


@pytest.fixture(scope="module")
def trained(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Two versions trained through the CLI on two stories, once for the module: training is
    most of these tests' time, and no test changes a version it is given."""
    before = {record.version for record in asyncio.run(_registry_call(settings, "versions"))}  # type: ignore[attr-defined]
    stories = tmp_path_factory.mktemp("stories")
    with pytest.MonkeyPatch.context() as environment:
        point_pipelines_at(settings, environment)
        for seed in (11, 12):
            story = stories / f"story-{seed}.parquet"
            generate = ["pipelines", "generate", "--out", str(story), "--customers", "600", "--days", "25"]
            assert cli.main([*generate, "--seed", str(seed)]) == 0
            # Judged on their holdouts only: these tests are about serving, not about the gap
            # out of distribution, where a model of so small a story may lose to the rules.
            assert cli.main(["pipelines", "train", "--data", str(story), "--ood-clients", "0"]) == 0
    versions = [
        record.version
        for record in asyncio.run(_registry_call(settings, "versions"))  # type: ignore[attr-defined]
        if record.version not in before
    ]
    assert len(versions) == 2
    return versions


@pytest.fixture
def models(api: httpx.Client, admin: dict[str, str], pipeline_env: Settings, trained: list[str]) -> Iterator[list[str]]:
    """The two trained versions; no model serves afterwards."""
    try:
        yield trained
    finally:
        asyncio.run(_registry_call(pipeline_env, "stop_serving"))
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
    asyncio.run(_registry_call(settings, "promote", first, **AS_OPERATOR))
    record = asyncio.run(_registry_call(settings, "get", first))
    weaker = f"{first}-weaker"
    artifact = Path(str(settings.document_store_url).removeprefix("file://")) / record.artifact_key  # type: ignore[attr-defined]
    asyncio.run(
        _registry_call(settings, "register", weaker, artifact.read_bytes(), record.features, {"auc_pr": 0.0}, {})  # type: ignore[attr-defined]
    )
    with pytest.raises(RegistryError, match="below the serving"):
        asyncio.run(_registry_call(settings, "promote", weaker, **AS_OPERATOR))
    assert cli.main(["pipelines", "promote", weaker]) != 0
    assert cli.main(["pipelines", "promote", "no-such-version"]) != 0


def _customer_headers(api: httpx.Client, admin: dict[str, str]) -> dict[str, str]:
    return new_customer(api, admin).headers


def _its_report_is_served_to_staff_only(
    api: httpx.Client, admin: dict[str, str], customer: dict[str, str], version: str
) -> None:
    listed = {item["version"]: item for item in api.get("/api/v1/fraud/models", headers=admin).json()["items"]}
    report = {file["name"]: file["url"] for file in listed[version]["report"]}
    assert sorted(report) == ["pr-curve.png", "score-histogram.png"]
    for url in report.values():
        png = api.get(url, headers=admin)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png", png.text
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert api.get(url, headers=customer).status_code == 403
    missing = api.get(f"/api/v1/fraud/models/{version}/report/roc-curve.png", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api.get(f"/api/v1/fraud/models/{version}/report/..%2Fsecret", headers=admin).status_code in (404, 422)


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
    asyncio.run(_registry_call(settings, "promote", stronger, **AS_OPERATOR))
    story = tmp_path / "story.parquet"
    generate = ["pipelines", "generate", "--out", str(story), "--customers", "600", "--days", "25", "--seed", "13"]
    assert cli.main(generate) == 0
    before = {record.version for record in asyncio.run(_registry_call(settings, "versions"))}  # type: ignore[attr-defined]
    assert cli.main(["pipelines", "train", "--data", str(story), "--promote-if-better"]) == 0
    assert asyncio.run(_registry_call(settings, "serving")).version == stronger  # type: ignore[attr-defined]
    # With the defaults it was judged out of distribution too, and registered with those figures.
    (new,) = [r for r in asyncio.run(_registry_call(settings, "versions")) if r.version not in before]  # type: ignore[attr-defined]
    elsewhere = new.metrics["out_of_distribution"]
    assert "paysim-calibrated" in elsewhere["world"] and elsewhere["positives"] > 0
    assert set(elsewhere["recall_by_pattern"]) == {"takeover_transfer", "mule_cash_out"}
    _its_report_is_served_to_staff_only(api, admin, _customer_headers(api, admin), new.version)

    asyncio.run(_registry_call(settings, "stop_serving"))
    # On its holdout alone (where it beats the rules by far), so that nothing but "better than
    # what serves" decides; the out-of-distribution floor is tests/test_fraud_promotion_model.py's.
    train = ["pipelines", "train", "--data", str(story), "--ood-clients", "0", "--promote-if-better"]
    assert cli.main(train) == 0
    serving = asyncio.run(_registry_call(settings, "serving"))
    assert serving is not None and serving.version not in (*models, stronger)  # type: ignore[attr-defined]
    _wait_serving(api, admin, serving.version)  # type: ignore[attr-defined]


# --- the registry over HTTP: GET /api/v1/fraud/models, POST /api/v1/fraud/models/{version}/promote ---


def _tiny_artifact() -> bytes:
    """A model the scorer can load: a constant classifier over the scorer's own features."""
    import pickle  # nosec B403 -- the test's own artifact

    from sklearn.dummy import DummyClassifier

    from models.fraud.features import FEATURE_NAMES

    model = DummyClassifier(strategy="prior").fit([[0.0] * len(FEATURE_NAMES)] * 4, [0, 0, 0, 1])
    return pickle.dumps({"features": list(FEATURE_NAMES), "model": model})


def _promoted(
    api: httpx.Client, maker: dict[str, str], checker: dict[str, str], version: str, **body: object
) -> dict[str, Any]:
    """`version` serving, asked by `maker` (202, a request under four eyes) and approved by `checker`."""
    return carried_out(api, checker, api.post(f"/api/v1/fraud/models/{version}/promote", json=body, headers=maker))


@pytest.fixture
def registered(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], settings: Settings
) -> Iterator[tuple[str, str]]:
    """Two small versions registered beside whatever is there (a strong and a weak one); what served
    before serves again afterwards."""
    before = asyncio.run(_registry_call(settings, "serving"))
    tag = uuid.uuid4().hex[:8]
    strong, weak = f"http-{tag}-strong", f"http-{tag}-weak"
    artifact = _tiny_artifact()
    from models.fraud.features import FEATURE_NAMES

    for version, auc_pr in ((strong, 0.91), (weak, 0.05)):
        metrics = {"auc_pr": auc_pr, "recall": 0.5, "precision": 0.4, "rules_auc_pr": 0.01}
        asyncio.run(_registry_call(settings, "register", version, artifact, list(FEATURE_NAMES), metrics, {"days": 1}))
    try:
        yield strong, weak
    finally:
        if before is None:
            asyncio.run(_registry_call(settings, "stop_serving"))
            _wait_serving(api, admin, None)
        else:
            _promoted(api, admin, checker, before.version, force=True)  # type: ignore[attr-defined]
            _wait_serving(api, admin, before.version)  # type: ignore[attr-defined]


def test_the_versions_list_their_figures_for_support_and_admin(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], ada: Customer, registered: tuple[str, str]
) -> None:
    strong, weak = registered
    support = signed_in_with_roles(api, admin, checker, ["support"])
    for headers in (admin, support):
        listed = api.get("/api/v1/fraud/models", headers=headers)
        assert listed.status_code == 200, listed.text
        by_version = {item["version"]: item for item in listed.json()["items"]}
        assert by_version[strong]["metrics"]["auc_pr"] == 0.91 and by_version[strong]["metrics"]["recall"] == 0.5
        assert by_version[weak]["serving"] is False and by_version[weak]["features"]
        serving = [item["version"] for item in listed.json()["items"] if item["serving"]]
        assert serving == ([] if listed.json()["serving_version"] is None else [listed.json()["serving_version"]])
    refused = api.get("/api/v1/fraud/models", headers=ada.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_an_admin_promotes_a_version_a_second_admin_approves_and_the_scorer_serves_it(
    api: httpx.Client,
    admin: dict[str, str],
    checker: dict[str, str],
    ada: Customer,
    registered: tuple[str, str],
    settings: Settings,
) -> None:
    strong, weak = registered
    support = signed_in_with_roles(api, admin, checker, ["support"])
    for headers in (ada.headers, support):
        refused = api.post(f"/api/v1/fraud/models/{strong}/promote", headers=headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    missing = api.post("/api/v1/fraud/models/no-such-version/promote", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for body in ({"force": "sometimes"}, {"force": True, "extra": 1}):
        bad = api.post(f"/api/v1/fraud/models/{strong}/promote", json=body, headers=admin)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error", bad.text

    asked = api.post(f"/api/v1/fraud/models/{strong}/promote", headers=admin)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (request["action"], request["target_id"], request["parameters"]) == (
        "fraud.model.promote",
        strong,
        {"version": strong, "force": False},
    )
    assert api.get("/api/v1/fraud/models", headers=admin).json()["serving_version"] != strong  # not yet
    approvals = "/api/v1/admin/approvals"
    own = api.post(f"{approvals}/{request['approval_id']}/approve", json={}, headers=admin)
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_request")
    approved = api.post(f"{approvals}/{request['approval_id']}/approve", json={}, headers=checker)
    assert approved.status_code == 200 and approved.json()["status"] == "EXECUTED", approved.text
    assert approved.json()["result"]["version"] == strong and approved.json()["result"]["serving"] is True
    listed = api.get("/api/v1/fraud/models", headers=admin).json()
    assert listed["serving_version"] == strong
    assert [item["version"] for item in listed["items"] if item["serving"]] == [strong]
    record = only(settings.database_url, AuditAction.MODEL_PROMOTE, strong)
    assert str(record["actor_user_id"]) == me(api, admin)["user_id"]
    assert record["changes"]["after"]["approved_by"] == me(api, checker)["user_id"]
    _wait_serving(api, admin, strong)

    worse = api.post(f"/api/v1/fraud/models/{weak}/promote", json={}, headers=admin)
    assert worse.status_code == 409 and worse.json()["error"]["code"] == "model_not_better", worse.text  # nobody asked
    assert api.get("/api/v1/fraud/models", headers=admin).json()["serving_version"] == strong
    forced = _promoted(api, admin, checker, weak, force=True)
    assert forced["serving"] is True
    _wait_serving(api, admin, weak)
