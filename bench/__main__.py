"""`python -m bench`: the ledger benchmark (see bench/ledger.py)."""

from bench.ledger import main

main()
