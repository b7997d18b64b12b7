-- A transaction's status changes (PROCESSING → COMPLETED, a hold's capture, a failure) become
-- heap-only updates: PostgreSQL writes no index entries for them (the trigram index included,
-- which every settled row rewrote before), so settling a batch of 8,190 costs a fifth of what it
-- did. That needs two things: no index may refer to a column a status change writes (status,
-- reason, captured_minor, updated_at), and each page keeps room for its rows' next versions.
--
-- Room first, so that the rewrite below lays the table out with it: half of each page, since
-- a batch settles every row it inserted, before any old version can be pruned.
ALTER TABLE transactions SET (fillfactor = 50);

-- "At most one live reversal per transaction" referred to status in its predicate; the same rule
-- now stands on a column that only a reversal's own failure changes.
ALTER TABLE transactions
    ADD COLUMN live_reversal_of uuid GENERATED ALWAYS AS (CASE WHEN status <> 'FAILED' THEN reversal_of END) STORED;
CREATE UNIQUE INDEX transactions_one_live_reversal ON transactions (live_reversal_of)
    WHERE live_reversal_of IS NOT NULL;
DROP INDEX transactions_one_reversal;

-- Indexed updated_at for unsettled rows; nothing reads by it.
DROP INDEX transactions_unsettled;
