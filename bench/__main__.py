"""`python -m bench`: the ledger, API, fraud and notification benchmarks (bench/*.py), each against its baseline.

The fraud and notification benchmarks share one stack: neither leaves a backlog that would
disturb the other (the API benchmark's batch transfers do, so it has a stack of its own).
"""

import asyncio

from bench import api, fraud, ledger, notifications

ledger.main([])
api.main([])
with api.bench_stack("fraud and notifications") as settings:
    fraud.measure(settings, fraud.parse([]))
    asyncio.run(notifications.measure(settings, notifications.parse([])))
