"""`python -m bench`: the ledger benchmark, then the API benchmark (bench/ledger.py, bench/api.py)."""

from bench import api, ledger

ledger.main([])
api.main([])
