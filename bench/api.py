"""Benchmark: the HTTP API on Ray Serve, against Serve's own ceiling measured in the same run.

Starts a whole stack (as `bankflow up` does) in a temporary directory, then measures:
  - search latency over 1,000,000 transactions (loaded straight into the read model), through
    HTTP and as the query alone — first, while the stack is quiet;
  - single transfers through HTTP at concurrency 1, 16 and 64 (req/s, p50, p99), beside the
    gateway's trivial `/healthz` through the same proxy at the same concurrency; the ratio
    transfer/trivial says what share of Serve's ceiling a real money movement keeps;
  - the batch endpoint (8,190 transfers per request), transfers/s.

Run with `make bench` (after the ledger benchmark) or `python -m bench.api`; the last line is
`api: transfer <r> of serve ceiling, batch <n> transfers/s`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from actors.settings import Settings
from bench.output import say
from bench.summary import BENCH_SHARDS, ApiFigures
from cluster import stack
from cluster.embedded.process import free_ports
from models.ledger.routing import shard_of

ADMIN_PASSWORD = "Bench-Operator-Secret-1"  # nosec B105 -- a throwaway stack's admin
PASSWORD = "Bench-Customer-Secret-1"  # nosec B105
ROUTING = "021000021"
LOAD_CONNECTIONS = 2
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Party:
    headers: dict[str, str]
    accounts: list[str]


@dataclass
class Run:
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def line(self) -> str:
        return f"{self.per_second:8,.0f} req/s  p50 {self.percentile(0.5):6.1f} ms  p99 {self.percentile(0.99):6.1f} ms"


def expect_status(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.url}: {response.status_code} {response.text[:300]}"
    body: dict[str, Any] = response.json()
    return body


def new_party(api: httpx.Client, admin: dict[str, str], accounts: int) -> Party:
    """A customer with approved KYC and funded checking accounts."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    expect_status(api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 201)
    token = expect_status(api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    n = uuid.uuid4().int
    profile = {
        "first_name": "Bench",
        "last_name": "Customer",
        "date_of_birth": "1980-01-01",
        "ssn": f"{100 + n % 500:03d}-{10 + (n >> 16) % 89:02d}-{1000 + (n >> 32) % 8999:04d}",
        "address": {"line1": "1 Bench Road", "city": "Austin", "postal_code": "73301", "country": "US"},
    }
    customer_id = expect_status(api.post("/api/v1/customers", json=profile, headers=headers), 201)["customer_id"]
    files = {"file": ("id.pdf", PDF, "application/pdf")}
    expect_status(
        api.post(f"/api/v1/customers/{customer_id}/documents", data={"kind": "passport"}, files=files, headers=headers),
        201,
    )
    expect_status(api.post(f"/api/v1/customers/{customer_id}/kyc", headers=headers))
    expect_status(api.post(f"/api/v1/admin/kyc/{customer_id}/approve", headers=admin))
    opened = []
    for _ in range(accounts):
        account = expect_status(
            api.post("/api/v1/accounts", json={"account_type": "CHECKING", "currency": "USD"}, headers=headers), 201
        )
        body = {"account_id": account["account_id"], "amount": "900000000.00", "currency": "USD"}
        expect_status(api.post("/api/v1/transactions/deposit", json=body, headers=headers), 201)
        opened.append(account["account_id"])
    return Party(headers, opened)


async def _load(
    concurrency: int, seconds: float, call: Callable[[httpx.AsyncClient, random.Random], Awaitable[None]], base_url: str
) -> Run:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        stop_at = time.perf_counter() + seconds

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                await call(client, rng)
                latencies.append((time.perf_counter() - started) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(worker(seed) for seed in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Run(len(latencies), elapsed, latencies)


async def _trivial(client: httpx.AsyncClient, rng: random.Random) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200


def _transferring(parties: Sequence[Party]) -> Callable[[httpx.AsyncClient, random.Random], Awaitable[None]]:
    every_account = [account for party in parties for account in party.accounts]

    async def transfer(client: httpx.AsyncClient, rng: random.Random) -> None:
        party = rng.choice(parties)
        source = rng.choice(party.accounts)
        destination = rng.choice([account for account in every_account if account != source])
        body = {
            "from_account_id": source,
            "to_account_id": destination,
            "amount": f"0.{rng.randint(1, 99):02d}",
            "currency": "USD",
        }
        response = await client.post("/api/v1/transactions/transfer", json=body, headers=party.headers)
        assert response.status_code == 201 and response.json()["status"] == "COMPLETED", response.text[:300]

    return transfer


@dataclass(frozen=True)
class Crossing:
    """How a batch's destinations are drawn: `share` of them on another shard than their source."""

    shard_count: int
    share: float

    def __post_init__(self) -> None:
        assert self.shard_count > 1 and 0.0 <= self.share <= 1.0

    def destinations(self, source: str, every_account: Sequence[str]) -> tuple[list[str], list[str]]:
        """(the accounts on the source's shard, those on others), the source left out."""
        home = shard_of(uuid.UUID(source), self.shard_count)
        same = [a for a in every_account if a != source and shard_of(uuid.UUID(a), self.shard_count) == home]
        other = [a for a in every_account if shard_of(uuid.UUID(a), self.shard_count) != home]
        assert same and other, "each shard holds accounts of the parties, the source's shard another besides it"
        return same, other


def batch_transfers(
    party: Party, every_account: Sequence[str], size: int, rng: random.Random, crossing: Crossing | None = None
) -> list[dict[str, str]]:
    """`size` transfers of 0.01 out of the party's accounts, each to another account of any party
    (with `crossing`, to one on another shard for its share of them)."""
    items = []
    for _ in range(size):
        source = rng.choice(party.accounts)
        if crossing is None:
            destination = rng.choice([account for account in every_account if account != source])
        else:
            same, other = crossing.destinations(source, every_account)
            destination = rng.choice(other if rng.random() < crossing.share else same)
        items.append({"from_account_id": source, "to_account_id": destination, "amount": "0.01", "currency": "USD"})
    return items


async def batch_rate(
    base_url: str, parties: Sequence[Party], batches: int, size: int, crossing: Crossing | None = None
) -> float:
    """Transfers/s through the batch endpoint, every transfer completed (sagas included)."""
    every_account = [account for party in parties for account in party.accounts]
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as client:
        began = time.perf_counter()
        for _ in range(batches):
            party = rng.choice(parties)
            items = batch_transfers(party, every_account, size, rng, crossing)
            response = await client.post(
                "/api/v1/transactions/transfer/batch", json={"transfers": items}, headers=party.headers
            )
            results = expect_status(response, 201)["items"]
            assert sum(item["status"] == "COMPLETED" for item in results) == size
        return batches * size / (time.perf_counter() - began)


async def _load_transactions(dsn: str, rows: int, heavy_account: str, accounts: Sequence[str]) -> float:
    """`rows` synthetic transactions in the read model: 5% on one heavy account, the rest over
    `accounts` and others, spread over a year, with a small vocabulary of descriptions; kind,
    status, description and counterparty drawn independently of the account. Loaded
    over one connection per core (PostgreSQL runs a statement on one core); seconds taken."""
    began = time.perf_counter()
    step = -(-rows // LOAD_CONNECTIONS)
    await asyncio.gather(
        *(
            _insert_transactions(dsn, first, min(rows, first + step - 1), heavy_account, accounts)
            for first in range(1, rows + 1, step)
        )
    )
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("ANALYZE transactions")
    finally:
        await connection.close()
    return time.perf_counter() - began


async def _insert_transactions(dsn: str, first: int, last: int, heavy_account: str, accounts: Sequence[str]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            """INSERT INTO transactions (transaction_id, kind, status, from_account_id, to_account_id, amount_minor,
                   currency, description, counterparty, initiated_by, fingerprint, created_at, updated_at)
               SELECT gen_random_uuid(),
                      (ARRAY['TRANSFER','PAYMENT','DEPOSIT','WITHDRAWAL'])[1 + floor(random() * 4)::int],
                      (ARRAY['COMPLETED','COMPLETED','COMPLETED','FAILED','REVERSED'])[1 + floor(random() * 5)::int],
                      CASE WHEN i % 20 = 0 THEN $1::uuid
                           WHEN i % 3 = 0 THEN ($2::uuid[])[1 + (i / 3) % cardinality($2::uuid[])]
                           ELSE gen_random_uuid() END,
                      gen_random_uuid(),
                      1 + (random() * 500000)::bigint,
                      'USD',
                      (ARRAY['Coffee beans','Electricity bill','Rent','Groceries','Salary','Gym membership',
                             'Train ticket','Book shop','Dinner with friends','Insurance premium'])
                          [1 + floor(random() * 10)::int] || ' #' || (i % 997),
                      (ARRAY['Corner Coffee','City Power','Landlord Ltd','FreshMart','Acme Corp'])
                          [1 + floor(random() * 5)::int],
                      '00000000-0000-0000-0000-000000000000', '[]',
                      now() - (random() * interval '365 days'), now()
               FROM generate_series($3::bigint, $4::bigint) AS i""",
            uuid.UUID(heavy_account),
            [uuid.UUID(account) for account in accounts],
            first,
            last,
        )
    finally:
        await connection.close()


async def _search_latency(base_url: str, admin: dict[str, str], heavy: str, repeats: int) -> None:
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    shapes: list[tuple[str, dict[str, Any]]] = [
        ("account, newest page", {"account_id": heavy}),
        ("account + last 30 days", {"account_id": heavy, "from": month_ago}),
        ("account + amount range", {"account_id": heavy, "min_amount": "100.00", "max_amount": "200.00"}),
        ("account + kind + status", {"account_id": heavy, "kind": "PAYMENT", "status": "REVERSED"}),
        ("account + text", {"account_id": heavy, "q": "gym"}),
        ("all + text (staff)", {"q": "insurance premium #42"}),
        ("all + counterparty + week (staff)", {"counterparty": "landlord", "from": week_ago}),
    ]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for label, params in shapes:
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await client.get(
                    "/api/v1/transactions/search", params={**params, "limit": 50}, headers=admin
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text[:300]
            say(f"  search {label:<34} p50 {statistics.median(timings):6.1f} ms  max {max(timings):6.1f} ms (HTTP)")


async def _search_sql(dsn: str, heavy: str, repeats: int) -> float:
    """The heaviest account-scoped query alone, in PostgreSQL (no HTTP, no Serve): its p50 in ms."""
    connection = await asyncpg.connect(dsn)
    try:
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            await connection.fetch(
                """SELECT * FROM transactions WHERE (from_account_id = $1 OR to_account_id = $1)
                   AND created_at >= now() - interval '30 days' AND amount_minor BETWEEN 10000 AND 20000
                   ORDER BY created_at DESC, transaction_id DESC LIMIT 51""",
                uuid.UUID(heavy),
            )
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)
    finally:
        await connection.close()


def setup(settings: Settings, args: argparse.Namespace) -> tuple[dict[str, str], list[Party]]:
    """The admin's headers and the customers the load runs as."""
    with httpx.Client(base_url=stack.http_url(settings), timeout=120) as api:
        login = {"email": settings.admin_email, "password": ADMIN_PASSWORD}
        admin = {"Authorization": f"Bearer {expect_status(api.post('/api/v1/auth/login', json=login))['access_token']}"}
        say(f"setting up {args.customers} customers with {args.accounts_each} funded accounts each…")
        parties = [new_party(api, admin, args.accounts_each) for _ in range(args.customers)]
    return admin, parties


async def measure(
    settings: Settings, args: argparse.Namespace, admin: dict[str, str], parties: list[Party]
) -> ApiFigures:
    base_url = stack.http_url(settings)
    # Search first, on a quiet stack: the transfers below leave a backlog of events that the
    # relay and the notifications consumer work through for a minute after.
    heavy = parties[0].accounts[0]
    others = [account for party in parties for account in party.accounts]
    seconds = await _load_transactions(settings.database_url, args.search_rows, heavy, others)
    say(f"search: {args.search_rows:,} transactions loaded into the read model in {seconds:.1f} s")
    await _search_latency(base_url, admin, heavy, args.search_repeats)
    sql_ms = await _search_sql(settings.database_url, heavy, args.search_repeats)
    say(f"  search query alone (account + 30 days + amount range): p50 {sql_ms:.1f} ms")
    ratios = {}
    alone: tuple[float, float] | None = None
    for concurrency in args.concurrency:
        trivial = await _load(concurrency, args.seconds, _trivial, base_url)
        transfers = await _load(concurrency, args.seconds, _transferring(parties), base_url)
        ratios[concurrency] = transfers.per_second / trivial.per_second
        if alone is None or concurrency == 1:
            alone = (transfers.percentile(0.5), trivial.percentile(0.5))
        say(f"concurrency {concurrency:>3}: trivial {trivial.line()}")
        say(f"                 transfer {transfers.line()}   ratio {ratios[concurrency]:.2f}")
    batch_per_s = await batch_rate(base_url, parties, args.batches, args.batch_size)
    say(f"batch endpoint: {args.batches} × {args.batch_size:,} transfers: {batch_per_s:,.0f} transfers/s")
    assert alone is not None, "at least one concurrency is measured"
    say(f"  single transfer alone: p50 {alone[0]:.1f} ms against the trivial endpoint's {alone[1]:.1f} ms")
    figures = ApiFigures(
        transfer_ratio_by_concurrency=ratios,
        transfer_p50_ms_alone=alone[0],
        trivial_p50_ms_alone=alone[1],
        batch_transfers_per_s=batch_per_s,
    )
    say(f"api alone: transfer {figures.transfer_ratio:.2f} of serve ceiling, batch {batch_per_s:,.0f} transfers/s")
    return figures


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.api", description=__doc__)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--customers", type=int, default=4)
    parser.add_argument("--accounts-each", type=int, default=4)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8_190)
    parser.add_argument("--search-rows", type=int, default=1_000_000)
    parser.add_argument("--search-repeats", type=int, default=20)
    return parser.parse_args(argv)


@contextlib.contextmanager
def bench_stack(label: str, shard_count: int = BENCH_SHARDS) -> Iterator[Settings]:
    """A whole stack (as `bankflow up` starts it) in a temporary directory, with limits out of the way."""
    with tempfile.TemporaryDirectory(prefix=f"bankflow-bench-{label}-") as scratch:
        ports = free_ports(7)
        settings = Settings(
            _env_file=None,
            data_dir=Path(scratch) / ".bankflow",
            postgres_port=ports[0],
            kafka_port=ports[1],
            redis_port=ports[2],
            ray_port=ports[3],
            http_port=ports[4],
            ray_dashboard=False,
            ray_dashboard_port=ports[5],
            smtp_port=ports[6],
            admin_password=ADMIN_PASSWORD,
            rate_limit_per_minute=1_000_000,
            auth_rate_limit_per_minute=1_000_000,
            daily_outgoing_limit_units=10**11,
            account_shards=shard_count,
        )
        say(f"starting the whole stack for the {label} benchmark…")
        try:
            stack.up(settings, progress=lambda line: say(f"  {line}"))
            yield settings.with_endpoints()
        finally:
            stack.down(settings, progress=lambda line: None)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    with bench_stack("api") as settings:
        admin, parties = setup(settings, args)
        asyncio.run(measure(settings, args, admin, parties))


if __name__ == "__main__":
    main()
