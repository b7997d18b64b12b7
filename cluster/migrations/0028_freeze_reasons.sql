-- Why each frozen account is frozen (one row while it is; removed when it is unfrozen), and four
-- eyes on lifting a freeze for fraud: a second admin approves it (24 h). Other freezes are lifted
-- at once, as before.
CREATE TABLE account_freezes (
    account_id uuid PRIMARY KEY,
    reason text NOT NULL CHECK (reason IN ('fraud', 'customer_request', 'legal_order', 'other')),
    note text CHECK (length(note) <= 500),
    frozen_by uuid NOT NULL,
    frozen_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO approval_policies (action, required, expires_after_s) VALUES
    ('account.unfreeze', true, 86400);
