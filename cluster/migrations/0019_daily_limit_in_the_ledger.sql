-- The daily outgoing limit moves into the ledger: each customer account's limit and what it
-- sent today are part of the shard's state, decided in the account's turn with its funds
-- (no reservation rows beside the journal, no second transaction per movement).

-- What each leg counts against its account's daily limit (a movement out: +amount; a void,
-- an expiry, a capture for less or a saga's refund on the same day: −what it gives back),
-- and the UTC day (days since 1970-01-01) it counts on. Rows journaled before count nothing.
ALTER TABLE ledger_postings
    ADD COLUMN counted_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN counted_day integer,
    ADD CONSTRAINT ledger_postings_counted_has_day CHECK ((counted_minor = 0) = (counted_day IS NULL));

-- Snapshots keep an account's own limit (null: the bank's default) and its day's count, and a
-- hold the day it counted on (null: it did not count, e.g. a hold made before this migration).
ALTER TABLE ledger_balances
    ADD COLUMN daily_limit_minor bigint CHECK (daily_limit_minor >= 0),
    ADD COLUMN counted_day integer NOT NULL DEFAULT 0,
    ADD COLUMN counted_minor bigint NOT NULL DEFAULT 0 CHECK (counted_minor >= 0);
ALTER TABLE ledger_snapshot_holds ADD COLUMN counted_day integer;

-- The limits admins set carry over into the snapshot rows of the accounts they name. (An
-- account opened after its shard's latest snapshot has no row yet: its limit falls back to
-- the default, and an admin sets it again.) Today's counts start from zero.
UPDATE ledger_balances b SET daily_limit_minor = l.daily_outgoing_minor
FROM account_limits l WHERE l.account_id = b.account_id;

DROP TABLE outgoing_reservations;
DROP TABLE daily_outgoing;
DROP TABLE account_limits;
