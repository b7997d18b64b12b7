"""The web app in a real browser (Debian's chromium, driven by Playwright) against the session's stack.

Seeds one customer per Playwright project (approved KYC, two accounts, one funded), hands the
specs the first admin's credentials and the embedded SMTP server's Maildir (where a new customer's
verification code arrives), then runs `playwright test` in web/ and fails with its output when a
journey fails. BANKFLOW_E2E_ARGS (e.g. "e2e/backoffice.spec.ts --project desktop") narrows the run
while developing; the screenshot check then covers only what ran.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess  # nosec B404 -- runs the project's own Playwright suite
from pathlib import Path

import httpx
import pyotp
import pytest

from actors.settings import Settings
from cluster.embedded import smtp
from models.identity import Role
from tests.audit_client import operator_granted
from tests.banking_client import deposit, new_customer, open_account
from tests.conftest import ADMIN_PASSWORD
from tests.identity_client import STRONG_PASSWORD
from tests.test_web_unit import WEB, node_command, require_node_modules

CHROMIUM = Path(os.environ.get("BANKFLOW_CHROMIUM", "/usr/bin/chromium"))
PROJECTS = ("desktop", "phone")
FUNDED = "500.00"
# Enough for a transfer above the default rules' review threshold (10,000: cluster/migrations/0007).
REVIEW_FUNDS = "20000.00"
# The pages every full run must have photographed, per project (in both colour schemes). The phone
# runs the money-moving journey (money.spec.ts) only.
MONEY_PAGES = (
    *("login", "dashboard-chart", "history", "transfer-someone-review", "transfer-someone-receipt", "notifications"),
)
SCREENSHOT_PAGES = {
    "desktop": (
        *MONEY_PAGES,
        *("dashboard", "transfer-review", "transfer-receipt", "transfer-refused", "payees", "external-review"),
        *("scheduled", "signup", "onboarding-document", "security-mfa-setup"),
        *("admin-kyc-queue", "admin-kyc-review", "admin-customer", "admin-transactions", "admin-fraud"),
        *("transfer-held", "admin-fraud-case", "transfer-released", "payments-authorised", "payments-capture"),
        *("admin-system", "admin-users-grant", "deposit-review", "deposit-receipt", "dashboard-first-view"),
    ),
    "phone": MONEY_PAGES,
}


def _seed(api: httpx.Client, admin: dict[str, str], *, mfa: bool = False, funds: str = FUNDED) -> dict[str, object]:
    customer = new_customer(api, admin)
    funded = open_account(api, customer, "USD", "CHECKING")
    empty = open_account(api, customer, "USD", "SAVINGS")
    if funds != FUNDED:  # above the default daily limit: the bank raised this customer's
        limits = {"daily_outgoing_limit": "100000.00"}
        raised = api.put(f"/api/v1/accounts/{funded}/limits", json=limits, headers=admin)
        assert raised.status_code == 200, raised.text
    deposit(api, customer, funded, funds)
    me = api.get("/api/v1/auth/me", headers=customer.headers)
    assert me.status_code == 200, me.text

    def account(account_id: str) -> dict[str, str]:
        response = api.get(f"/api/v1/accounts/{account_id}", headers=customer.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return {"account_id": account_id, "number": body["number"], "balance": body["balance"]}

    seeded: dict[str, object] = {
        "email": me.json()["email"],
        "password": STRONG_PASSWORD,
        "funded": account(funded),
        "empty": account(empty),
    }
    if mfa:  # TOTP on: the browser signs in with a code computed from this secret
        secret = api.post("/api/v1/auth/mfa/setup", headers=customer.headers).json()["secret"]
        enabled = api.post("/api/v1/auth/mfa/enable", json={"code": pyotp.TOTP(secret).now()}, headers=customer.headers)
        assert enabled.status_code == 200, enabled.text
        seeded["mfa_secret"] = secret
    return seeded


def _page_snapshots(limit_chars: int = 6_000) -> str:
    """What each failed test's page showed (Playwright's aria snapshot), so a CI log explains the failure."""
    parts = []
    for context in sorted((WEB / "test-results").glob("*/error-context.md")):
        text = context.read_text(encoding="utf-8", errors="replace")
        parts.append(f"--- {context.parent.name}\n{text[:limit_chars]}")
    return "\n".join(parts)


@pytest.mark.timeout(1500)
def test_the_customer_journeys_in_chromium(
    api: httpx.Client, admin: dict[str, str], api_url: str, settings: Settings
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (as root: apt-get install -y chromium)")
    require_node_modules()
    customers = {project: _seed(api, admin) for project in PROJECTS}
    customers |= {f"{project}-payee": _seed(api, admin) for project in PROJECTS}  # money.spec.ts's recipient
    customers["desktop-mfa"] = _seed(api, admin, mfa=True)  # banking.spec.ts, desktop only
    customers["desktop-review"] = _seed(api, admin, funds=REVIEW_FUNDS)  # review.spec.ts, desktop only
    customers["desktop-newcomer-payee"] = _seed(api, admin)  # onboarding.spec.ts's recipient
    customers["desktop-returning"] = _seed(api, admin)  # banking.spec.ts's first view, desktop only
    customers["desktop-staff"] = _seed(api, admin)  # backoffice.spec.ts revokes the support role it has
    operator_granted(settings.database_url, str(customers["desktop-staff"]["email"]), [Role.SUPPORT])
    env = {
        **os.environ,
        "BANKFLOW_WEB_URL": api_url,
        "BANKFLOW_E2E_CUSTOMERS": json.dumps(customers),
        "BANKFLOW_E2E_ADMIN": json.dumps({"email": settings.admin_email, "password": ADMIN_PASSWORD}),
        "BANKFLOW_E2E_MAILDIR": str(smtp.mail_dir(settings)),
        "BANKFLOW_CHROMIUM": str(CHROMIUM),
        "NO_COLOR": "1",
        "CI": "1",
    }
    cli = WEB / "node_modules" / "@playwright" / "test" / "cli.js"
    narrowed = shlex.split(os.environ.get("BANKFLOW_E2E_ARGS", ""))
    result = subprocess.run(  # nosec B603 -- our own node and Playwright CLI; the extra args are the developer's
        [node_command(), str(cli), "test", *narrowed],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=1440,
        check=False,
    )
    print(result.stdout)  # each journey's time, shown with -rP
    assert result.returncode == 0, f"playwright test failed:\n{result.stdout}\n{result.stderr}\n{_page_snapshots()}"
    if narrowed:
        return
    screenshots = sorted(path.name for path in (WEB / "e2e" / "screenshots").glob("*.png"))
    for project in PROJECTS:
        for page in SCREENSHOT_PAGES[project]:
            for scheme in ("light", "dark"):
                assert f"{project}-{page}-{scheme}.png" in screenshots
