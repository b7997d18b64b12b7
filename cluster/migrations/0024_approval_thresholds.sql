-- Four eyes on amounts: a policy may govern only the changes that set an amount above a
-- threshold, in whole units of the account's currency (NULL: every change is governed).
ALTER TABLE approval_policies ADD COLUMN above_units bigint CHECK (above_units IS NULL OR above_units >= 0);

-- A daily outgoing limit or an overdraft line above 100,000 units waits for a second admin.
INSERT INTO approval_policies (action, required, expires_after_s, above_units) VALUES
    ('account.limits.change', true, 86400, 100000);
