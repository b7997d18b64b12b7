"""A generated story replayed into the running bank through LedgerClient, then read back from
PostgreSQL with Ray Data as training history: the money moves once, the labels arrive, and the
features built from the database are exactly the features built from the story file."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import numpy as np
import pytest

from actors.documents import document_store
from actors.fraud.registry import ModelRegistry
from actors.ledger.client import LedgerClient
from actors.settings import Settings
from cluster import cli
from models.transactions import OUTGOING_KINDS
from pipelines.history import read_database_history, read_parquet_history
from pipelines.records import Record
from pipelines.replay import chunks, story_id
from pipelines.training import build_dataset


def _final_balances(records: list[Record]) -> dict[str, int]:
    balances: dict[str, int] = {}
    for record in records:
        if record.kind == "DEPOSIT":
            balances[record.account] = balances.get(record.account, 0) + record.amount_minor
            continue
        balances[record.account] = balances.get(record.account, 0) - record.amount_minor
        if record.counterparty is not None:
            balances[record.counterparty] = balances.get(record.counterparty, 0) + record.amount_minor
    return balances


async def _ledger_balances(settings: Settings, story: str, names: list[str]) -> dict[str, int]:
    client = LedgerClient(settings.database_url, settings.account_shards)
    try:
        found = await client.balances([story_id(story, "account", name) for name in names])
    finally:
        await client.close()
    assert all(balance is not None for balance in found)
    return {name: balance.balance_minor for name, balance in zip(names, found, strict=True) if balance is not None}


async def _labels(settings: Settings, story: str) -> dict[str, str]:
    connection = await asyncpg.connect(settings.database_url)
    try:
        rows = await connection.fetch(
            """SELECT l.transaction_id, l.pattern FROM fraud_labels l
               JOIN synthetic_fraud_labels s USING (transaction_id) WHERE s.story = $1""",
            story,
        )
    finally:
        await connection.close()
    return {str(row["transaction_id"]): row["pattern"] for row in rows}


async def _newest_model_source(settings: Settings) -> str:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        versions = await ModelRegistry(pool, document_store(settings.document_store_url)).versions()
    finally:
        await pool.close()
    return str(versions[-1].data_window["source"])  # oldest first


def test_chunks_cut_wherever_an_accounts_movements_could_be_reordered() -> None:
    def move(account: str, counterparty: str | None, kind: str = "TRANSFER") -> Record:
        return Record(0, kind, account, counterparty, 100, 1_000, False, None)

    story = [
        move("A", None, "DEPOSIT"),
        move("A", "B"),  # A's own deposit lands on A's shard in order: no cut
        move("C", "D"),
        move("B", "E"),  # B was credited in this chunk: cut before
        move("D", None, "WITHDRAWAL"),  # D was credited in the chunk before, not in this one
        move("E", "A"),  # E was credited in this chunk: cut before
        move("F", "G"),  # A paid out in the chunk before, not in this one: no cut
        move("H", "F"),  # F paid out in this chunk: a credit could land before it: cut before
    ]
    assert chunks(story) == [range(0, 3), range(3, 5), range(5, 7), range(7, 8)]
    assert chunks(story, max_movements=2) == [range(0, 2), range(2, 4), range(4, 6), range(6, 7), range(7, 8)]


@pytest.mark.timeout(600)
def test_a_replayed_story_moves_its_money_once_and_trains_from_the_database(
    pipeline_env: Settings, tmp_path: Path, ray_driver: None
) -> None:
    settings = pipeline_env
    path = tmp_path / "replay.parquet"
    generate = ["pipelines", "generate", "--out", str(path), "--customers", "60", "--days", "6", "--seed", "21"]
    assert cli.main(generate) == 0
    story = f"story-{uuid.uuid4().hex[:8]}"
    replay = ["pipelines", "replay", "--data", str(path), "--story", story]
    assert cli.main(replay) == 0

    records = read_parquet_history(path, lambda line: None)
    expected = _final_balances(records)
    names = sorted(expected)
    assert asyncio.run(_ledger_balances(settings, story, names)) == expected
    frauds = {str(story_id(story, "movement", n)): r.pattern for n, r in enumerate(records) if r.is_fraud}
    assert frauds and asyncio.run(_labels(settings, story)) == frauds

    assert cli.main(replay) == 0  # a second replay moves nothing again
    assert asyncio.run(_ledger_balances(settings, story, names)) == expected
    assert asyncio.run(_labels(settings, story)) == frauds

    accounts = {str(story_id(story, "account", name)) for name in names}
    history = read_database_history(settings.database_url, 1, lambda line: None)
    from_database = [record for record in history if record.account in accounts]
    outgoing = [record for record in records if record.kind in OUTGOING_KINDS]
    assert len(from_database) == len(outgoing)
    replayed, original = build_dataset(from_database, []), build_dataset(outgoing, [])
    assert np.array_equal(replayed.x, original.x)
    assert np.array_equal(replayed.y, original.y) and replayed.patterns == original.patterns

    assert cli.main(["pipelines", "train", "--from-db", "--days", "1"]) == 0
    assert asyncio.run(_newest_model_source(settings)) == "postgres:last 1 days"
