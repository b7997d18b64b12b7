"""The ledger's pure domain: accounts, commands, journal entries and the rules deciding them."""
