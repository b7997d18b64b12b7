-- Four eyes on two more staff actions, each waiting for a second admin (24 h):
-- closing a customer's account by staff (an owner closing their own asks nobody), and
-- promoting a fraud model through the API (`bankflow pipelines promote` is the operator's,
-- run with the database's credentials, and audited as theirs).
INSERT INTO approval_policies (action, required, expires_after_s) VALUES
    ('account.close', true, 86400),
    ('fraud.model.promote', true, 86400);
