-- The role the services connect as: it reads and writes the bank's tables and may only append
-- to the audit trail and to the ledger's journal. No UPDATE, DELETE or TRUNCATE on either is
-- granted to it, so a change there is refused by the privilege check (for audit_log before its
-- append-only trigger is reached); what only the schema's owner, who runs these migrations,
-- could still do to the trail is found by `bankflow audit verify`.
--
-- Roles belong to the cluster, not to one database: the role is created once and granted
-- here in each database migrated. Production grants it to the services' login
-- (`GRANT bankflow_service TO <login>`); embedded PostgreSQL gives it a login on loopback.
DO $$
BEGIN
    CREATE ROLE bankflow_service NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- made by an earlier database's migration, or by the operator
END;
$$;

GRANT USAGE ON SCHEMA public TO bankflow_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bankflow_service;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO bankflow_service;
-- Tables a later migration creates are the services' too; an append-only one revokes as below.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bankflow_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO bankflow_service;

-- The two records nobody rewrites: the audit trail and the ledger's journal.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM bankflow_service;
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_postings FROM bankflow_service;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM bankflow_service;
