-- A transaction's status history is numbered by its row: `history_seq` is the seq of the row's
-- latest history entry, and a status move increments it in the same UPDATE that changes the
-- status, then writes the entry with that number. Before, each entry looked its number up with
-- max(seq) over the history and each insert checked its row through the foreign key. Both
-- lookups are planned from the table's statistics, and while the tables are small (a fresh
-- stack, a deployment's first minutes) those plans are sequential scans that the connection
-- keeps: one batch of 8,190 transfers then spent 6–44 s writing its history, against 0.06 s
-- with neither lookup.
--
-- The foreign key guarded nothing more: history entries are written only by the statements
-- that write or move their transaction's row, in the same transaction (actors/banking/records.py).
ALTER TABLE transaction_status_history DROP CONSTRAINT transaction_status_history_transaction_id_fkey;

ALTER TABLE transactions ADD COLUMN history_seq integer NOT NULL DEFAULT 1;
UPDATE transactions t SET history_seq = h.latest
FROM (SELECT transaction_id, max(seq) AS latest FROM transaction_status_history GROUP BY transaction_id) h
WHERE h.transaction_id = t.transaction_id AND h.latest <> 1;
