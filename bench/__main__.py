"""`python -m bench`: the ledger, API, relay, fraud, notification and web benchmarks (bench/*.py), each
against its baseline, then the API's figures in one line (bench/summary.py).

The relay benchmark (bench/events.py) runs on the API benchmark's stack, after it: it waits
for the outbox to drain first, and the backlogs both leave stay on that stack. The fraud and
notification benchmarks share another stack: neither leaves a backlog that would disturb the
other (the API benchmark's batch transfers do, so it has a stack of its own); the web dashboard
benchmark runs last on that stack, with a customer of its own.
"""

import asyncio

from bench import api, events, fraud, ledger, notifications, web
from bench.summary import RunFigures, say_summary

ledger_rates = ledger.main([])
api_args = api.parse([])
with api.bench_stack("api and relay") as settings:
    admin, parties = api.setup(settings, api_args)
    api_figures = asyncio.run(api.measure(settings, api_args, admin, parties))
    asyncio.run(events.measure(settings, events.parse([]), parties))
with api.bench_stack("fraud and notifications") as settings:
    fraud_p99_added_ms = fraud.measure(settings, fraud.parse([]))
    notifications_ratio = asyncio.run(notifications.measure(settings, notifications.parse([])))
    web.measure(settings, web.parse([]))
say_summary(
    RunFigures(
        api=api_figures,
        ledger_transfers_per_s=ledger_rates["hot"],
        fraud_p99_added_ms=fraud_p99_added_ms,
        notifications_ratio=notifications_ratio,
    )
)
