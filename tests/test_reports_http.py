"""The regulatory reports over HTTP and from `bankflow reports`, on a history seeded here: a
customer whose deposits of one day pass 10,000 USD is a currency transaction candidate and one
whose cash in and out each stay below is not; a case resolved as fraud is ready to file, and
filed once; an account with three cases in a day is flagged; a submitted KYC file waits in the
queue. Customers get 403 on every report route; an auditor reads the reports and files nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from actors.settings import Settings
from cluster import cli
from models.audit import AuditAction
from tests.audit_client import me, only, signed_in_with_roles
from tests.banking_client import Customer, deposit, new_customer, open_account

REPORTS = "/api/v1/admin/reports"


def _around_today(settings: Settings) -> dict[str, str]:
    """A period of yesterday to tomorrow in the bank's zone: today's movements whatever the hour."""
    today = datetime.now(ZoneInfo(settings.business_time_zone)).date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}


def _withdraw(api: httpx.Client, customer: Customer, account_id: str, amount: str) -> None:
    body = {"account_id": account_id, "amount": amount, "currency": "USD"}
    response = api.post("/api/v1/transactions/withdrawal", json=body, headers=customer.headers)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "COMPLETED", response.json()


def _transfer(api: httpx.Client, customer: Customer, source: str, destination: str, amount: str) -> str:
    body = {"from_account_id": source, "to_account_id": destination, "amount": amount, "currency": "USD"}
    response = api.post("/api/v1/transactions/transfer", json=body, headers=customer.headers)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "PENDING_REVIEW", response.json()
    return str(response.json()["transaction_id"])


def _case_of(api: httpx.Client, admin: dict[str, str], transaction_id: str) -> str:
    found = api.get("/api/v1/fraud/cases", params={"transaction_id": transaction_id}, headers=admin)
    assert found.status_code == 200, found.text
    [case] = found.json()["items"]
    return str(case["case_id"])


def _resolve(api: httpx.Client, admin: dict[str, str], case_id: str, resolution: str) -> None:
    body = {"resolution": resolution, "note": "confirmed with the customer"}
    resolved = api.post(f"/api/v1/fraud/cases/{case_id}/resolve", json=body, headers=admin)
    assert resolved.status_code == 200, resolved.text


def _report(api: httpx.Client, headers: dict[str, str], name: str, **params: str) -> Any:
    response = api.get(f"{REPORTS}/{name}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    if params.get("format") == "csv":
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        return list(csv.DictReader(io.StringIO(response.text)))
    return response.json()


def _raise_daily_limit(api: httpx.Client, admin: dict[str, str], account_id: str) -> None:
    raised = api.put(f"/api/v1/accounts/{account_id}/limits", json={"daily_outgoing_limit": "100000.00"}, headers=admin)
    assert raised.status_code == 200, raised.text


def test_a_day_of_cash_above_the_threshold_is_a_candidate_with_its_movements(
    api: httpx.Client,
    admin: dict[str, str],
    checker: dict[str, str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    structuring, in_and_out = new_customer(api, admin), new_customer(api, admin)
    structured, mixed = open_account(api, structuring), open_account(api, in_and_out)
    _raise_daily_limit(api, admin, mixed)
    first = deposit(api, structuring, structured, "6000.00")
    second = deposit(api, structuring, structured, "5000.00")
    deposit(api, in_and_out, mixed, "9000.00")
    _withdraw(api, in_and_out, mixed, "9000.00")
    support = signed_in_with_roles(api, admin, checker, ["support"])
    period = _around_today(settings)

    report = _report(api, support, "currency-transactions", **period)
    assert (report["threshold"], report["currency"], report["time_zone"]) == ("10000.00", "USD", "America/New_York")
    mine = [item for item in report["items"] if item["customer_id"] == structuring.customer_id]
    [candidate] = mine
    assert (candidate["cash_in"], candidate["cash_out"], candidate["customer_name"]) == (
        "11000.00",
        "0.00",
        "Grace Hopper",
    )
    assert [movement["transaction_id"] for movement in candidate["movements"]] == [
        first["transaction_id"],
        second["transaction_id"],
    ]
    assert {movement["account_id"] for movement in candidate["movements"]} == {structured}
    # 9,000 in and 9,000 out are each below the threshold: cash in and out are counted apart.
    assert all(item["customer_id"] != in_and_out.customer_id for item in report["items"])
    lowered = _report(api, admin, "currency-transactions", **period, threshold="8500.00")
    assert [
        (item["cash_in"], item["cash_out"])
        for item in lowered["items"]
        if item["customer_id"] == in_and_out.customer_id
    ] == [("9000.00", "9000.00")]

    rows = _report(api, support, "currency-transactions", **period, format="csv")
    assert [row["amount"] for row in rows if row["customer_id"] == structuring.customer_id] == ["6000.00", "5000.00"]

    monkeypatch.setenv("BANKFLOW_DATABASE_URL", settings.database_url)
    assert cli.main(["reports", "ctr", "--from", period["from"], "--to", period["to"], "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [item for item in printed["items"] if item["customer_id"] == structuring.customer_id] == mine


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to: must not be before from"),
        ({"from": "2026-01-01", "to": "2026-12-31"}, "at most 92"),
        ({"from": "2026-03-01", "to": "2026-03-02", "time_zone": "Mars/Olympus_Mons"}, "IANA time zone"),
        ({"from": "2026-03-01", "to": "2026-03-02", "threshold": "ten thousand"}, "threshold"),
    ],
)
def test_a_reports_period_and_threshold_are_checked(
    api: httpx.Client, admin: dict[str, str], params: dict[str, str], problem: str
) -> None:
    response = api.get(f"{REPORTS}/currency-transactions", params=params, headers=admin)
    assert response.status_code == 422, response.text
    assert problem in response.text


def test_a_case_resolved_as_fraud_is_reported_ready_to_file_and_filed_once(
    api: httpx.Client, admin: dict[str, str], checker: dict[str, str], settings: Settings
) -> None:
    victim, mule = new_customer(api, admin), new_customer(api, admin)
    source, destination = open_account(api, victim), open_account(api, mule)
    _raise_daily_limit(api, admin, source)
    deposit(api, victim, source, "9000.00")
    deposit(api, victim, source, "9000.00")
    deposit(api, victim, source, "9000.00")
    deposit(api, victim, source, "9000.00")
    held = [_transfer(api, victim, source, destination, amount) for amount in ("11000.00", "10500.00", "10250.00")]
    cases = [_case_of(api, admin, transaction_id) for transaction_id in held]
    _resolve(api, admin, cases[0], "FRAUD")
    _resolve(api, admin, cases[1], "FALSE_POSITIVE")
    auditor = signed_in_with_roles(api, admin, checker, ["auditor"])
    support = signed_in_with_roles(api, admin, checker, ["support"])
    period = _around_today(settings)

    report = _report(api, auditor, "suspicious-activity", **period)
    [case] = [case for case in report["cases"] if case["case_id"] == cases[0]]
    assert case["subject"]["customer_id"] == victim.customer_id and case["subject"]["account_id"] == source
    assert (case["subject"]["name"], case["subject"]["address"]["city"]) == ("Grace Hopper", "Arlington")
    assert (case["transaction"]["transaction_id"], case["transaction"]["amount"]) == (held[0], "11000.00")
    assert case["assessment"]["verdict"] == "review" and "rule:large_amount_review" in case["assessment"]["reasons"]
    assert [step["action"] for step in case["timeline"]] == ["opened", "resolved:FRAUD"]
    assert case["filing"] is None and case["note"] == "confirmed with the customer"
    assert all(case["case_id"] != cases[1] for case in report["cases"])  # a false positive is not suspicious
    [flagged] = [account for account in report["flagged_accounts"] if account["account_id"] == source]
    assert flagged["most_cases_in_24h"] == 3 and flagged["customer_id"] == victim.customer_id
    assert [case["case_id"] for case in flagged["cases"]] == cases

    filing_of = f"{REPORTS}/suspicious-activity/{cases[0]}/filing"
    assert api.post(filing_of, json={"reference": "31000123"}, headers=auditor).status_code == 403
    filed = api.post(filing_of, json={"reference": "31000123"}, headers=support)
    assert filed.status_code == 201, filed.text
    assert filed.json()["reference"] == "31000123"
    again = api.post(filing_of, json={"reference": "31000999"}, headers=admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_filed")
    not_fraud = api.post(f"{REPORTS}/suspicious-activity/{cases[1]}/filing", json={"reference": "1"}, headers=admin)
    assert (not_fraud.status_code, not_fraud.json()["error"]["code"]) == (409, "not_fraud")
    unknown = api.post(f"{REPORTS}/suspicious-activity/{held[0]}/filing", json={"reference": "1"}, headers=admin)
    assert unknown.status_code == 404

    record = only(settings.database_url, AuditAction.SAR_FILE, cases[0])
    assert str(record["actor_user_id"]) == me(api, support)["user_id"]
    assert record["changes"] == {"before": {"sar_reference": None}, "after": {"sar_reference": "31000123"}}
    [case] = [
        case for case in _report(api, admin, "suspicious-activity", **period)["cases"] if case["case_id"] == cases[0]
    ]
    assert case["filing"]["reference"] == "31000123"
    rows = _report(api, admin, "suspicious-activity", **period, format="csv")
    [row] = [row for row in rows if row["case_id"] == cases[0]]
    assert (row["filed"], row["filing_reference"], row["amount"]) == ("yes", "31000123", "11000.00")


def test_a_submitted_kyc_file_waits_in_the_report_until_decided(
    api: httpx.Client,
    admin: dict[str, str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    waiting = new_customer(api, admin, approve=False)
    report = _report(api, admin, "kyc")
    [review] = [review for review in report["pending"] if review["customer_id"] == waiting.customer_id]
    assert review["age"] == "under_1_day" and review["waiting_hours"] >= 0
    assert report["by_status"]["SUBMITTED"] >= 1 and report["total"] == sum(report["by_status"].values())
    assert sum(report["pending_by_age"].values()) == len(report["pending"])
    assert waiting.customer_id in {row["customer_id"] for row in _report(api, admin, "kyc", format="csv")}

    assert api.post(f"/api/v1/admin/kyc/{waiting.customer_id}/approve", headers=admin).status_code == 200
    assert all(review["customer_id"] != waiting.customer_id for review in _report(api, admin, "kyc")["pending"])
    monkeypatch.setenv("BANKFLOW_DATABASE_URL", settings.database_url)
    assert cli.main(["reports", "kyc"]) == 0
    assert capsys.readouterr().out.startswith("customer_id,customer_name,submitted_at,waiting_hours,age\n")
    assert cli.main(["reports", "sar", "--from", "2026-03-02", "--to", "2026-03-01"]) == 1
    assert "to: must not be before from" in capsys.readouterr().out


def test_customers_get_403_on_every_report_route(api: httpx.Client, ada: Customer) -> None:
    period = {"from": "2026-03-01", "to": "2026-03-02"}
    for name, params in (("currency-transactions", period), ("suspicious-activity", period), ("kyc", {})):
        for format in ("json", "csv"):
            response = api.get(f"{REPORTS}/{name}", params={**params, "format": format}, headers=ada.headers)
            assert response.status_code == 403, (name, format, response.text)
    filing = api.post(
        f"{REPORTS}/suspicious-activity/00000000-0000-4000-8000-000000000000/filing",
        json={"reference": "1"},
        headers=ada.headers,
    )
    assert filing.status_code == 403
