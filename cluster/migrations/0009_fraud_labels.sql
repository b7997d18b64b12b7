-- Training labels. An analyst's resolution of a case is the label of its transaction; a
-- synthetic story replayed into the bank (`bankflow pipelines replay`) brings the labels its
-- generator knew. Only fraud is labelled by a story: an unlabelled transaction counts as
-- legitimate, as in the public PaySim data. An analyst's word overrides a story's.

CREATE TABLE synthetic_fraud_labels (
    transaction_id uuid        PRIMARY KEY,
    pattern        text        NOT NULL,
    story          text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW fraud_labels AS
    SELECT transaction_id, resolution = 'FRAUD' AS is_fraud, NULL::text AS pattern, 'analyst' AS source
    FROM fraud_cases
    WHERE status = 'RESOLVED'
    UNION ALL
    SELECT s.transaction_id, true, s.pattern, 'synthetic'
    FROM synthetic_fraud_labels s
    WHERE NOT EXISTS (
        SELECT 1 FROM fraud_cases c WHERE c.transaction_id = s.transaction_id AND c.status = 'RESOLVED'
    );
