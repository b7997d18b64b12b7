-- Four eyes: which staff actions wait for a second member of staff (approval_policies, with
-- their defaults), and each such action as a request that a checker approves or rejects
-- (approval_requests). A request is carried out once: only the approval that moves it from
-- PENDING to EXECUTING carries it out.

CREATE TABLE approval_policies (
    action          text        PRIMARY KEY,
    required        boolean     NOT NULL,
    expires_after_s integer     NOT NULL CHECK (expires_after_s BETWEEN 60 AND 2592000),
    updated_by      uuid,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO approval_policies (action, required, expires_after_s) VALUES
    ('transaction.reverse', true, 86400);

CREATE TABLE approval_requests (
    approval_id      uuid        PRIMARY KEY,
    action           text        NOT NULL REFERENCES approval_policies,
    target_type      text        NOT NULL,
    target_id        text        NOT NULL,
    parameters       jsonb       NOT NULL,
    summary          text        NOT NULL,
    maker_user_id    uuid        NOT NULL,
    maker_email      text        NOT NULL,
    maker_roles      text[]      NOT NULL,
    maker_session_id uuid        NOT NULL,
    maker_reason     text,
    status           text        NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'EXECUTING', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    checker_user_id  uuid        CHECK (checker_user_id IS DISTINCT FROM maker_user_id),
    decided_at       timestamptz,
    decision_reason  text,
    result           jsonb
);
CREATE INDEX approval_requests_newest ON approval_requests (created_at DESC, approval_id DESC);
-- One open request per action and target: a second reversal of the same transaction waits on the first.
CREATE UNIQUE INDEX approval_requests_one_open ON approval_requests (action, target_id)
    WHERE status IN ('PENDING', 'EXECUTING');
