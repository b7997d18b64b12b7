"""Migrations: applied in order, recorded, safe to run twice, refusing edited history."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from actors.banking.records import StatusMove, TransactionRecords
from cluster.migrations import Migration, MigrationError, applied_versions, apply_migrations, discover
from models.transactions import TransactionStatus


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


async def test_a_transaction_status_change_writes_no_index_entry(fresh_database: str) -> None:
    """Settling a batch rewrites thousands of rows: for each to be a heap-only update, no index
    of `transactions` may refer to a column a status change writes (in its key or predicate),
    and pages keep room for the rows' next versions. Checked as the database sees it."""
    await apply_migrations(fresh_database)
    connection = await asyncpg.connect(fresh_database)
    try:
        indexes = await connection.fetch(
            """SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
               FROM pg_index WHERE indrelid = 'transactions'::regclass"""
        )
        assert len(indexes) >= 5
        for index in indexes:
            mentioned = set(index["definition"].replace("(", " ").replace(")", " ").replace(",", " ").split())
            written = mentioned & {"status", "reason", "captured_minor", "updated_at", "history_seq"}
            assert not written, f"{index['name']} refers to {written}: {index['definition']}"
        options = await connection.fetchval("SELECT reloptions FROM pg_class WHERE oid = 'transactions'::regclass")
        assert "fillfactor=50" in options
        row_id = await connection.fetchval(
            """INSERT INTO transactions (transaction_id, kind, status, amount_minor, currency, initiated_by,
                   fingerprint)
               VALUES (gen_random_uuid(), 'TRANSFER', 'PROCESSING', 1, 'USD', gen_random_uuid(), '[]')
               RETURNING transaction_id"""
        )
        await connection.execute(
            "UPDATE transactions SET status = 'COMPLETED', updated_at = now() WHERE transaction_id = $1", row_id
        )
        await connection.execute("SELECT pg_stat_force_next_flush()")
        updates = None
        for _ in range(100):  # statistics reach shared memory when the session next goes idle
            await connection.execute("SELECT pg_stat_clear_snapshot()")
            updates = await connection.fetchrow(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'transactions'"
            )
            if updates is not None and updates["n_tup_upd"] >= 1:
                break
            await asyncio.sleep(0.1)
        assert updates is not None and (updates["n_tup_upd"], updates["n_tup_hot_upd"]) == (1, 1)
    finally:
        await connection.close()


async def test_a_history_written_before_its_row_numbered_it_goes_on_from_its_last_entry(fresh_database: str) -> None:
    """Migration 0020 moves the history's numbering into the row: a transaction with entries
    from before it carries its latest seq, and the next move appends after it."""
    before, numbering = [m for m in discover() if m.version < 20], [m for m in discover() if m.version >= 20]
    await apply_migrations(fresh_database, before)
    connection = await asyncpg.connect(fresh_database)
    try:
        row_id = await connection.fetchval(
            """INSERT INTO transactions (transaction_id, kind, status, amount_minor, currency, initiated_by,
                   fingerprint)
               VALUES (gen_random_uuid(), 'PAYMENT', 'PENDING', 1, 'USD', gen_random_uuid(), '[]')
               RETURNING transaction_id"""
        )
        await connection.execute(
            """INSERT INTO transaction_status_history (transaction_id, seq, status)
               VALUES ($1, 1, 'PROCESSING'), ($1, 2, 'PENDING')""",
            row_id,
        )
        await apply_migrations(fresh_database, before + numbering)
        assert await connection.fetchval("SELECT history_seq FROM transactions WHERE transaction_id = $1", row_id) == 2
        pool = await asyncpg.create_pool(fresh_database, min_size=1, max_size=1)
        try:
            records = TransactionRecords(pool)
            assert await records.move(row_id, TransactionStatus.COMPLETED, None) is not None
            assert await records.move(row_id, TransactionStatus.COMPLETED, None) is None  # entered once
            moved = await records.move_many(
                [
                    StatusMove(
                        transaction_id=row_id,
                        from_status=TransactionStatus.COMPLETED,
                        status=TransactionStatus.REVERSED,
                        reason="reversed",
                    )
                ]
            )
            assert [row["status"] for row in moved] == ["REVERSED"]
            history = await records.history(row_id)
        finally:
            await pool.close()
        assert [(entry["status"], entry["reason"]) for entry in history] == [
            ("PROCESSING", None),
            ("PENDING", None),
            ("COMPLETED", None),
            ("REVERSED", "reversed"),
        ]
        seqs = await connection.fetch(
            "SELECT seq FROM transaction_status_history WHERE transaction_id = $1 ORDER BY seq", row_id
        )
        assert [entry["seq"] for entry in seqs] == [1, 2, 3, 4]
    finally:
        await connection.close()


async def test_any_change_to_the_fraud_rules_or_lists_moves_their_version(ledger_database: str) -> None:
    """Every scorer reloads when this version moves; a change made by plain SQL moves it too."""
    connection = await asyncpg.connect(ledger_database)
    try:

        async def version() -> int:
            value: int = await connection.fetchval("SELECT version FROM fraud_configuration")
            return value

        before = await version()
        await connection.execute(
            "INSERT INTO fraud_lists (kind, value, blocked, reason) VALUES ('ip', '192.0.2.7', true, 'test')"
        )
        added = await version()
        await connection.execute("UPDATE fraud_rules SET priority = priority")
        touched = await version()
        await connection.execute("DELETE FROM fraud_lists WHERE value = '192.0.2.7'")
        assert before < added < touched < await version()
        assert await connection.fetchval("SELECT count(*) FROM fraud_configuration") == 1
    finally:
        await connection.close()


APPEND_ONLY_TABLES = {"audit_log", "ledger_postings"}


async def test_the_services_role_writes_every_table_but_only_appends_to_the_two_records(ledger_database: str) -> None:
    """A table a later migration adds is the services' too (default privileges); the audit trail and
    the journal take INSERT only; the migrations' own table is read-only to them."""
    connection = await asyncpg.connect(ledger_database)
    try:
        rows = await connection.fetch(
            """SELECT tablename,
                      has_table_privilege('bankflow_service', quote_ident(tablename), 'SELECT') AS can_select,
                      has_table_privilege('bankflow_service', quote_ident(tablename), 'INSERT') AS can_insert,
                      has_table_privilege('bankflow_service', quote_ident(tablename), 'UPDATE') AS can_update,
                      has_table_privilege('bankflow_service', quote_ident(tablename), 'DELETE') AS can_delete,
                      has_table_privilege('bankflow_service', quote_ident(tablename), 'TRUNCATE') AS can_truncate
               FROM pg_tables WHERE schemaname = 'public'"""
        )
        privileges = {row["tablename"]: tuple(row)[1:] for row in rows}
        assert len(privileges) >= 30
        for table, granted in privileges.items():
            if table in APPEND_ONLY_TABLES:
                assert granted == (True, True, False, False, False), table
            elif table == "schema_migrations":
                assert granted == (True, False, False, False, False), table
            else:
                assert granted == (True, True, True, True, False), table
    finally:
        await connection.close()
