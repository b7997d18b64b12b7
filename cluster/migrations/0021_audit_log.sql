-- The audit trail: one row per staff action and per security-relevant customer action
-- (models/audit.py says what a row holds and how rows chain by hash; actors/audit.py writes
-- them in the transaction of the action they record).
--
-- Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the service's
-- included, and no role but the owner is granted more than INSERT and SELECT. What a role
-- able to bypass the trigger (a superuser, the table's owner) changes anyway is found by
-- `bankflow audit verify`, which walks the hash chain.
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY CHECK (seq >= 1),
    audit_id uuid NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text,
    outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor_user_id uuid,
    actor_roles text[] NOT NULL,
    session_id uuid,
    changes jsonb NOT NULL,
    origin jsonb NOT NULL,
    reason text,
    prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash bytea NOT NULL CHECK (length(hash) = 32)
);

CREATE INDEX audit_log_actor ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
CREATE INDEX audit_log_occurred ON audit_log (occurred_at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

REVOKE ALL ON audit_log FROM PUBLIC;
