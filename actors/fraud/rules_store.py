"""The fraud rules and lists as PostgreSQL keeps them (fraud_rules, fraud_lists): one reader
for the scorer and the training pipeline, so both judge with the same rules."""

from __future__ import annotations

import json

import asyncpg

from models.fraud.check import Verdict
from models.fraud.rules import Rule


async def configuration_version(pool: asyncpg.Pool) -> int:
    """Moves with every change to the rules or the lists (migration 0018's triggers)."""
    version: int = await pool.fetchval("SELECT version FROM fraud_configuration")
    return version


async def active_rules(pool: asyncpg.Pool) -> list[Rule]:
    """The active rules, highest priority first."""
    rows = await pool.fetch("SELECT * FROM fraud_rules WHERE active ORDER BY priority DESC, name")
    return [
        Rule(row["rule_id"], row["name"], json.loads(row["condition"]), Verdict(row["action"]), row["priority"])
        for row in rows
    ]


async def listed_parties(pool: asyncpg.Pool) -> dict[tuple[str, str], bool]:
    """(kind, value) → blocked (True) or allowed (False)."""
    rows = await pool.fetch("SELECT kind, value, blocked FROM fraud_lists")
    return {(row["kind"], row["value"]): row["blocked"] for row in rows}
