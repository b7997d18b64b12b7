"""`python -m bench`: the ledger, API, relay, fraud, notification and web benchmarks (bench/*.py), each
against its baseline, then the API's figures in one line (bench/summary.py).

The relay benchmark (bench/events.py) runs on the API benchmark's stack, after it: it waits
for the outbox to drain first, and the backlogs both leave stay on that stack. The fraud and
notification benchmarks share another stack: neither leaves a backlog that would disturb the
other (the API benchmark's batch transfers do, so it has a stack of its own); the web dashboard
benchmark runs last on that stack, with a customer of its own. The batch whose transfers
mostly cross shards (sagas) has a stack of CROSS_SHARDS shards, against the in-process ledger
on as many.
"""

import asyncio

from bench import api, events, fraud, ledger, notifications, web
from bench.summary import CROSS_SHARDS, CROSS_SHARE, RunFigures, say_summary
from cluster import stack

ledger_rates = ledger.main([])
# The ledger at CROSS_SHARDS shards, for the cross-shard batch: its workloads alone matter here.
cross_ledger_rates = ledger.main(
    ["--shards", str(CROSS_SHARDS), "--runs", "1", "--baseline-transfers", "2000", "--connections", "16",
     "--recovery-accounts", "10000"]
)  # fmt: skip
api_args = api.parse([])
with api.bench_stack("api and relay") as settings:
    admin, parties = api.setup(settings, api_args)
    api_figures = asyncio.run(api.measure(settings, api_args, admin, parties))
    asyncio.run(events.measure(settings, events.parse([]), parties))
with api.bench_stack("batch across shards", CROSS_SHARDS) as settings:
    _, cross_parties = api.setup(settings, api_args)
    cross_batch_per_s = asyncio.run(
        api.batch_rate(
            stack.http_url(settings),
            cross_parties,
            api_args.batches,
            api_args.batch_size,
            api.Crossing(CROSS_SHARDS, CROSS_SHARE),
        )
    )
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
        cross_shard_batch_per_s=cross_batch_per_s,
        cross_shard_ledger_per_s=cross_ledger_rates["uniform"],
    )
)
