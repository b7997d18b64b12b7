-- The model registry: every trained fraud model with its figures and where its artifact is;
-- exactly one (or none: rules and velocity only) is serving, and the Fraud replicas follow it.
CREATE TABLE fraud_models (
    version      text        PRIMARY KEY,
    artifact_key text        NOT NULL,
    sha256       text        NOT NULL,
    features     jsonb       NOT NULL,
    metrics      jsonb       NOT NULL,
    data_window  jsonb       NOT NULL,
    serving      boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    promoted_at  timestamptz
);
CREATE UNIQUE INDEX fraud_models_one_serving ON fraud_models (serving) WHERE serving;
