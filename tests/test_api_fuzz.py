"""Schemathesis against the app's own OpenAPI, for the auth, customer, account and transaction
routes, with a real token: no response is a 5xx, and every response matches the schema of its status.

Driven directly with hypothesis (schemathesis's pytest plugin does not run under pytest 9)."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from actors.settings import Settings
from tests.banking_client import deposit, new_customer, open_account
from tests.conftest import ADMIN_PASSWORD
from tests.identity_client import bearer, login, new_email, register

EXAMPLES_PER_OPERATION = 20


def test_no_server_errors_and_responses_match_the_schema(api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=30) as api:
        email = new_email()
        register(api, email)
        token = login(api, email).json()["access_token"]
    schema = (
        schemathesis.openapi.from_url(f"{api_url}/openapi.json")
        .include(path_regex=r"^/api/v1/(auth|customers)")
        .exclude(path_regex=r"/logout$")  # it would end the session every other case uses
    )
    assert _fuzz(api_url, schema, {"Authorization": f"Bearer {token}"}, minimum_operations=15) == {}


def test_money_routes_never_answer_5xx(api_url: str, settings: Settings) -> None:
    """As a customer with approved KYC and a funded account, so that cases reach the ledger."""
    with httpx.Client(base_url=api_url, timeout=60) as api:
        admin = bearer(login(api, settings.admin_email, ADMIN_PASSWORD).json()["access_token"])
        customer = new_customer(api, admin)
        account = open_account(api, customer)
        deposit(api, customer, account, "1000.00")
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json").include(
        path_regex=r"^/api/v1/(accounts|transactions)"
    )
    assert _fuzz(api_url, schema, customer.headers, minimum_operations=20) == {}


def _fuzz(api_url: str, schema: Any, headers: dict[str, str], minimum_operations: int) -> dict[str, str]:
    """Every operation of `schema` exercised; the failures by operation."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= minimum_operations, [operation.label for operation in operations]
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=api_url, headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            exercise()
        except Exception as error:  # noqa: BLE001 -- collect every operation's failure, report them together
            failures[operation.label] = str(error)[:2000]
    return failures
