"""`python -m bench`: the ledger, API and fraud benchmarks (bench/ledger.py, bench/api.py, bench/fraud.py)."""

from bench import api, fraud, ledger

ledger.main([])
api.main([])
fraud.main([])
