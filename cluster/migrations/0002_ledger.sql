-- The actor ledger's write-ahead journal and what it needs to recover and stay idempotent.

-- One row per shard: its fencing epoch (each incarnation takes a new one before replay;
-- every batch checks it inside its own transaction), its last batch and its snapshot.
CREATE TABLE ledger_shards (
    shard            integer     PRIMARY KEY,
    shard_count      integer     NOT NULL CHECK (shard_count > 0),
    epoch            bigint      NOT NULL CHECK (epoch > 0),
    last_batch       bigint      NOT NULL DEFAULT 0,
    snapshot_batch   bigint      NOT NULL DEFAULT 0,
    account_sequence bigint      NOT NULL DEFAULT 0,  -- as of the snapshot
    snapshot_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (snapshot_batch <= last_batch)
);

-- The journal: append-only, one row per leg. (shard, batch, seq) is the order a shard
-- wrote it in; (account_id, account_version) is an account's history.
CREATE TABLE ledger_postings (
    shard               integer     NOT NULL,
    batch               bigint      NOT NULL,
    seq                 integer     NOT NULL,
    entry_id            uuid        NOT NULL,
    kind                text        NOT NULL,
    transfer_id         uuid,
    account_id          uuid        NOT NULL,
    currency            char(3)     NOT NULL,
    amount_minor        bigint      NOT NULL,
    hold_delta_minor    bigint      NOT NULL,
    account_version     bigint      NOT NULL CHECK (account_version > 0),
    balance_after_minor bigint      NOT NULL,
    held_after_minor    bigint      NOT NULL,
    detail              jsonb,       -- on an entry's first leg: account opened, status, hold created/released
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shard, batch, seq),
    UNIQUE (account_id, account_version)
);

-- Descriptive account data, written in the same transaction as the OPEN entry.
CREATE TABLE ledger_accounts (
    account_id   uuid        PRIMARY KEY,
    number       text        NOT NULL UNIQUE,
    customer_id  uuid,
    account_type text        NOT NULL,
    currency     char(3)     NOT NULL,
    shard        integer     NOT NULL,
    opened_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_accounts_customer ON ledger_accounts (customer_id) WHERE customer_id IS NOT NULL;

-- Snapshots: each account's state as of its shard's snapshot_batch, and the open holds.
CREATE TABLE ledger_balances (
    account_id        uuid    PRIMARY KEY,
    shard             integer NOT NULL,
    account_type      text    NOT NULL,
    currency          char(3) NOT NULL,
    debit_limit_minor bigint  NOT NULL,
    status            text    NOT NULL,
    balance_minor     bigint  NOT NULL,
    held_minor        bigint  NOT NULL,
    version           bigint  NOT NULL
);
CREATE INDEX ledger_balances_shard ON ledger_balances (shard);

CREATE TABLE ledger_snapshot_holds (
    pending_id        uuid    PRIMARY KEY,
    shard             integer NOT NULL,
    debit_account_id  uuid    NOT NULL,
    credit_account_id uuid    NOT NULL,
    amount_minor      bigint  NOT NULL,
    currency          char(3) NOT NULL,
    expires_at_ms     bigint  NOT NULL
);
CREATE INDEX ledger_snapshot_holds_shard ON ledger_snapshot_holds (shard);

-- Every transfer (including deposits, withdrawals and holds) by its client-chosen id: its
-- status, why it failed, and where its cross-shard saga stands (saga_stage not null).
CREATE TABLE ledger_transfers (
    transfer_id       uuid        PRIMARY KEY,
    shard             integer     NOT NULL,  -- the debit account's shard, which coordinates it
    kind              text        NOT NULL,  -- TRANSFER, DEPOSIT, WITHDRAWAL, PENDING
    debit_account_id  uuid        NOT NULL,
    credit_account_id uuid        NOT NULL,
    amount_minor      bigint      NOT NULL,
    posted_minor      bigint,
    currency          text        NOT NULL,
    status            text        NOT NULL,
    reason            text,
    saga_stage        text,                  -- CREDIT_PENDING, REFUND_PENDING, or null when settled
    expires_at_ms     bigint,
    metadata          jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_transfers_open_sagas ON ledger_transfers (shard, updated_at) WHERE saga_stage IS NOT NULL;

-- The first result of every other command (open, freeze, post, void, saga steps…) by id.
CREATE TABLE ledger_commands (
    command_id  uuid        PRIMARY KEY,
    shard       integer     NOT NULL,
    kind        text        NOT NULL,
    fingerprint text        NOT NULL,
    result      jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
