-- Fraud: rules and lists managed through the API, every assessment with the features behind
-- it, and the cases analysts work (their resolutions are the training labels).

CREATE TABLE fraud_rules (
    rule_id    uuid        PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    condition  jsonb       NOT NULL,
    action     text        NOT NULL CHECK (action IN ('allow', 'review', 'block')),
    priority   integer     NOT NULL DEFAULT 0,
    active     boolean     NOT NULL DEFAULT true,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The defaults a new bank starts with: hold large movements for review, block very large ones.
INSERT INTO fraud_rules (rule_id, name, condition, action, priority) VALUES
    ('6a1d0c1e-0000-4000-8000-000000000001', 'large_amount_review',
     '{"feature": "amount", "op": ">=", "value": 10000}', 'review', 10),
    ('6a1d0c1e-0000-4000-8000-000000000002', 'very_large_amount_block',
     '{"feature": "amount", "op": ">=", "value": 250000}', 'block', 20);

CREATE TABLE fraud_lists (
    kind       text        NOT NULL CHECK (kind IN ('account', 'counterparty', 'device', 'ip')),
    value      text        NOT NULL,
    blocked    boolean     NOT NULL,   -- true: block list; false: allow list
    reason     text,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);

CREATE TABLE fraud_assessments (
    transaction_id uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL,
    verdict        text        NOT NULL,
    score          smallint    NOT NULL,
    reasons        jsonb       NOT NULL,
    features       jsonb       NOT NULL,
    model_version  text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fraud_assessments_account ON fraud_assessments (account_id, created_at DESC);

CREATE TABLE fraud_cases (
    case_id        uuid        PRIMARY KEY,
    transaction_id uuid        NOT NULL UNIQUE,
    account_id     uuid        NOT NULL,
    verdict        text        NOT NULL,
    score          smallint    NOT NULL,
    reasons        jsonb       NOT NULL,
    status         text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED')),
    resolution     text        CHECK (resolution IN ('FRAUD', 'FALSE_POSITIVE')),
    note           text,
    resolved_by    uuid,
    opened_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz
);
CREATE INDEX fraud_cases_open ON fraud_cases (opened_at, case_id) WHERE status = 'OPEN';

CREATE TABLE fraud_case_history (
    case_id uuid        NOT NULL REFERENCES fraud_cases,
    seq     integer     NOT NULL,
    action  text        NOT NULL,
    actor   uuid,
    note    text,
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, seq)
);
