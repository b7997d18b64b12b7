"""Benchmark: the web dashboard's first data for a customer with 5 accounts and 10,000 transactions.

Starts a whole stack (as `bankflow up` does) in a temporary directory, or runs on the stack it is
given; creates a customer with 5 funded accounts and moves 10,000 transfers between them through
the batch endpoint, then loads the dashboard in Chromium (bench/web_dashboard.mjs, Playwright) in a
new browser context each time, timing from the navigation's start to every balance on screen. The
baseline, measured in the same run, is the same app's sign-in page to its heading: the ratio says
what the dashboard's data costs on top of loading the app itself. The browser is timed once the
seeding's notifications (one mail per movement) have all gone out.

Needs the built web app (`make install`) and Debian's chromium (`make browser`). Run with
`make bench` or `python -m bench.web`; the last line is
`web: dashboard first data p50 <ms> ms (<r>x the sign-in page), cached <ms> ms (<r>x), the app's own
dashboard <ms> ms (<r>x), 5 accounts, 10,000 transactions` (a first visit, then a returning one whose
browser has the app's files). First data is every balance on screen, as the dashboard's first view
(web/src/firstView) draws them before the app has started; the app's own dashboard is when the app
shows them itself and takes over.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess  # nosec B404 -- runs our own benchmark script with our node
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import httpx

from actors.settings import Settings
from bench.api import ADMIN_PASSWORD, PASSWORD, batch_transfers, bench_stack, expect_status, new_party
from bench.output import say
from cluster import stack
from cluster.embedded import smtp
from models.transactions import MAX_BATCH_TRANSFERS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "web_dashboard.mjs"
SCRIPT_TIMEOUT_S = 900
QUIET_FOR_S = 5  # no new mail for this long: the notifications of the seeding are all out
QUIET_TIMEOUT_S = 900


def _node_command() -> str:
    """The node that builds the web app (web/scripts/gen_api.py finds it: the machine's or .venv's)."""
    spec = importlib.util.spec_from_file_location("bankflow_web_gen_api", ROOT / "web" / "scripts" / "gen_api.py")
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    command: str = module.node_command()
    return command


def _seed(api: httpx.Client, admin: dict[str, str], accounts: int, transactions: int) -> dict[str, str]:
    """A customer with `accounts` funded accounts and `transactions` transfers between them; its session."""
    party = new_party(api, admin, accounts)
    rng = random.Random(11)
    left = transactions - accounts  # each account's opening deposit is a transaction too
    while left > 0:
        size = min(left, MAX_BATCH_TRANSFERS)
        items = batch_transfers(party, party.accounts, size, rng)
        response = api.post("/api/v1/transactions/transfer/batch", json={"transfers": items}, headers=party.headers)
        results = expect_status(response, 201)
        assert sum(item["status"] == "COMPLETED" for item in results["items"]) == size
        left -= size
        say(f"  {transactions - max(left, 0):,} of {transactions:,} transactions")
    email = expect_status(api.get("/api/v1/auth/me", headers=party.headers))["email"]
    tokens = expect_status(api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}))
    return {"accessToken": tokens["access_token"], "refreshToken": tokens["refresh_token"]}


def _wait_until_quiet(settings: Settings) -> None:
    """Wait for the seeding's aftermath (a notification and a mail for each of its movements,
    which keeps the consumer and the mail server busy for minutes) to end, so that the browser is
    timed on a bank at rest rather than beside that backlog."""
    inbox = smtp.mail_dir(settings) / "new"
    deadline_s = time.monotonic() + QUIET_TIMEOUT_S
    last_count, last_change_s = -1, time.monotonic()
    while time.monotonic() < deadline_s:
        count = sum(1 for _ in inbox.iterdir()) if inbox.is_dir() else 0
        now_s = time.monotonic()
        if count != last_count:
            if last_count >= 0:
                say(f"  {count:,} notification mails sent, waiting for the rest…")
            last_count, last_change_s = count, now_s
        elif now_s - last_change_s >= QUIET_FOR_S:
            return
        time.sleep(1)
    raise SystemExit(f"web: the seeding's notifications were still being sent after {QUIET_TIMEOUT_S} s")


def measure(settings: Settings, args: argparse.Namespace) -> None:
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        raise SystemExit("web/dist is missing: build the web app first (`make install`)")
    if not Path(args.chromium).exists():
        raise SystemExit(f"{args.chromium} is missing: `make browser` installs Debian's chromium")
    base_url = stack.http_url(settings)
    with httpx.Client(base_url=base_url, timeout=300) as api:
        login = {"email": settings.admin_email, "password": ADMIN_PASSWORD}
        admin = {"Authorization": f"Bearer {expect_status(api.post('/api/v1/auth/login', json=login))['access_token']}"}
        say(f"web: a customer with {args.accounts} accounts and {args.transactions:,} transactions…")
        session = _seed(api, admin, args.accounts, args.transactions)
    _wait_until_quiet(settings)
    say(f"web: {args.loads} dashboard loads and {args.loads} sign-in page loads in Chromium, each in a new context…")
    environment = {
        **os.environ,
        "BENCH_BASE_URL": base_url,
        "BENCH_SESSION": json.dumps(session),
        "BENCH_ACCOUNTS": str(args.accounts),
        "BENCH_LOADS": str(args.loads),
        "BENCH_CHROMIUM": args.chromium,
    }
    finished = subprocess.run(  # nosec B603 -- our node running our script
        [_node_command(), str(SCRIPT)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"web: the browser script failed:\n{finished.stdout}\n{finished.stderr}")
    timings = json.loads(finished.stdout.strip().splitlines()[-1])
    dashboard_ms = statistics.median(timings["dashboard_ms"])
    login_ms = statistics.median(timings["login_ms"])
    say(f"  sign-in page to its heading: p50 {login_ms:.0f} ms, max {max(timings['login_ms']):.0f} ms")
    say(f"  dashboard to every balance:  p50 {dashboard_ms:.0f} ms, max {max(timings['dashboard_ms']):.0f} ms")
    app_ms = statistics.median(timings["dashboard_app_ms"])
    say(f"  the app's own dashboard:     p50 {app_ms:.0f} ms, max {max(timings['dashboard_app_ms']):.0f} ms")
    warm_ms = statistics.median(timings["dashboard_warm_ms"])
    app_warm_ms = statistics.median(timings["dashboard_app_warm_ms"])
    login_warm_ms = statistics.median(timings["login_warm_ms"])
    say(
        f"  with the app's files cached: sign-in p50 {login_warm_ms:.0f} ms, dashboard p50 {warm_ms:.0f} ms, "
        f"the app's own {app_warm_ms:.0f} ms"
    )
    say(
        f"web: dashboard first data p50 {dashboard_ms:.0f} ms ({dashboard_ms / login_ms:.2f}x the sign-in page), "
        f"cached {warm_ms:.0f} ms ({warm_ms / login_warm_ms:.2f}x), the app's own dashboard {app_ms:.0f} ms "
        f"({app_ms / login_ms:.2f}x), {args.accounts} accounts, {args.transactions:,} transactions"
    )


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.web", description=__doc__)
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--chromium", default=os.environ.get("BANKFLOW_CHROMIUM", "/usr/bin/chromium"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    with bench_stack("web") as settings:
        measure(settings, args)


if __name__ == "__main__":
    main()
