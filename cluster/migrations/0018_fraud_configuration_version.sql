-- Which rules and lists every scorer judges with. Scoring runs in each Transactions replica as
-- well as in the Fraud deployment, so a scorer cannot learn of an admin's change from its own
-- cache: it reads this version (one row) with each scoring call and reloads when it moved.
-- Triggers move it on any change, whoever makes it, in the change's own transaction.
CREATE TABLE fraud_configuration (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version  bigint  NOT NULL CHECK (version >= 0)
);
INSERT INTO fraud_configuration (only_row, version) VALUES (true, 0);

CREATE FUNCTION fraud_configuration_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fraud_configuration SET version = version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER fraud_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fraud_rules
    FOR EACH STATEMENT EXECUTE FUNCTION fraud_configuration_changed();
CREATE TRIGGER fraud_lists_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fraud_lists
    FOR EACH STATEMENT EXECUTE FUNCTION fraud_configuration_changed();
