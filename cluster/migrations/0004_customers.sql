-- Customers (one profile per user), their KYC review, and their identity documents.

CREATE TABLE customers (
    customer_id    uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL UNIQUE REFERENCES users,
    first_name     text        NOT NULL,
    last_name      text        NOT NULL,
    date_of_birth  date        NOT NULL,
    ssn_sealed     text        NOT NULL,   -- AES-GCM with the data key, bound to the customer id
    ssn_last4      char(4)     NOT NULL,
    phone          text,
    address_line1  text        NOT NULL,
    address_line2  text,
    city           text        NOT NULL,
    region         text,
    postal_code    text        NOT NULL,
    country        char(2)     NOT NULL,
    kyc_status     text        NOT NULL DEFAULT 'PENDING',
    kyc_reason     text,
    kyc_updated_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_last_name ON customers (lower(last_name), customer_id);
CREATE INDEX customers_kyc_status ON customers (kyc_status, customer_id);

CREATE TABLE customer_documents (
    document_id   uuid        PRIMARY KEY,
    customer_id   uuid        NOT NULL REFERENCES customers,
    kind          text        NOT NULL,
    content_type  text        NOT NULL,
    size_bytes    integer     NOT NULL,
    sha256        char(64)    NOT NULL,
    storage_key   text        NOT NULL,
    review_status text        NOT NULL DEFAULT 'PENDING',
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_documents_customer ON customer_documents (customer_id, uploaded_at);
