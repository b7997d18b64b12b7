"""Migrations: applied in order, recorded, safe to run twice, refusing edited history."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from cluster.migrations import Migration, MigrationError, applied_versions, apply_migrations, discover


def test_migration_files_are_numbered_without_gaps() -> None:
    versions = [migration.version for migration in discover()]
    assert versions == list(range(1, len(versions) + 1))


async def test_applying_twice_applies_once(fresh_database: str) -> None:
    first = await apply_migrations(fresh_database)
    second = await apply_migrations(fresh_database)
    assert [m.version for m in first] == [m.version for m in discover()]
    assert second == []
    assert await applied_versions(fresh_database) == [m.version for m in discover()]
    connection = await asyncpg.connect(fresh_database)
    try:
        assert await connection.fetchval("SELECT to_regclass('outbox') IS NOT NULL")
    finally:
        await connection.close()


async def test_concurrent_migrators_apply_each_file_once(fresh_database: str) -> None:
    results = await asyncio.gather(*(apply_migrations(fresh_database) for _ in range(3)))
    assert sorted(len(applied) for applied in results) == [0, 0, len(discover())]


async def test_an_edited_applied_migration_is_refused(fresh_database: str) -> None:
    original = [Migration(1, "first", "CREATE TABLE first_table (id int)")]
    await apply_migrations(fresh_database, original)
    edited = [Migration(1, "first", "CREATE TABLE first_table (id bigint)")]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(fresh_database, edited)


async def test_a_failing_migration_leaves_nothing_half_applied(fresh_database: str) -> None:
    good = Migration(1, "good", "CREATE TABLE good_table (id int)")
    bad = Migration(2, "bad", "CREATE TABLE half_table (id int); SELECT no_such_function();")
    with pytest.raises(asyncpg.PostgresError):
        await apply_migrations(fresh_database, [good, bad])
    assert await applied_versions(fresh_database) == [1]
    connection = await asyncpg.connect(fresh_database)
    try:
        assert not await connection.fetchval("SELECT to_regclass('half_table') IS NOT NULL")
    finally:
        await connection.close()
