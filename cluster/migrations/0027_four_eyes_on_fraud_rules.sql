-- Four eyes on the fraud rules, which decide what is held and what is blocked: adding a rule,
-- and switching one on or off or reordering it, wait for a second admin (24 h).
INSERT INTO approval_policies (action, required, expires_after_s) VALUES
    ('fraud.rule.create', true, 86400),
    ('fraud.rule.change', true, 86400);
