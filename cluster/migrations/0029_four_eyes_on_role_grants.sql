-- Four eyes on granting roles: a change of a user's roles that gives them a role waits for a
-- second admin (24 h), who may not be the user either. Taking roles away is done at once. The
-- operator grants with `bankflow users grant` (the database's credentials, audited as theirs),
-- which is how a bank's first checker is made.
INSERT INTO approval_policies (action, required, expires_after_s) VALUES
    ('user.roles.change', true, 86400);
