"""The actor ledger: AccountShard actors over a PostgreSQL journal, and the LedgerClient."""
