-- A customer account's overdraft line (how far below zero the bank lets it go), part of the
-- ledger's state: the shard decides every movement against it and snapshots it with the
-- balance. 0 is no line, which every account had before this migration.
ALTER TABLE ledger_balances
    ADD COLUMN overdraft_limit_minor bigint NOT NULL DEFAULT 0 CHECK (overdraft_limit_minor >= 0);
