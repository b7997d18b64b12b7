"""`python -m bench`: the ledger, API, fraud and notification benchmarks (bench/*.py), each against its baseline."""

from bench import api, fraud, ledger, notifications

ledger.main([])
api.main([])
fraud.main([])
notifications.main([])
