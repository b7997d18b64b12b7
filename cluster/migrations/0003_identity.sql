-- Identity: users, login sessions (refresh-token families), refresh tokens, one-time codes.

CREATE TABLE users (
    user_id          uuid        PRIMARY KEY,
    email            text        NOT NULL,
    password_hash    text        NOT NULL,
    phone            text,
    roles            text[]      NOT NULL DEFAULT ARRAY['customer'],
    email_verified   boolean     NOT NULL DEFAULT false,
    mfa_secret       text,                    -- sealed with the data key (AES-GCM)
    mfa_enabled      boolean     NOT NULL DEFAULT false,
    failed_logins    integer     NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    customer_id      uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- A session is a refresh-token family: every rotation stays in it; revoking it ends them all.
CREATE TABLE auth_sessions (
    session_id     uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL REFERENCES users,
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash   bytea       PRIMARY KEY,     -- SHA-256 of the opaque token; the token is never stored
    session_id   uuid        NOT NULL REFERENCES auth_sessions,
    user_id      uuid        NOT NULL REFERENCES users,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    rotated_at   timestamptz                  -- set when exchanged; presenting it again is reuse
);

CREATE TABLE one_time_codes (
    code_id     uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users,
    purpose     text        NOT NULL,
    code_hash   bytea       NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    attempts    integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX one_time_codes_open ON one_time_codes (user_id, purpose) WHERE used_at IS NULL;
