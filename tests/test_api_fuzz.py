"""Schemathesis against the app's own OpenAPI, for the auth and customer routes, with a real
token: no response is a 5xx, and every response matches the schema of its status.

Driven directly with hypothesis (schemathesis's pytest plugin does not run under pytest 9)."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.identity_client import login, new_email, register

EXAMPLES_PER_OPERATION = 20


def test_no_server_errors_and_responses_match_the_schema(api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=30) as api:
        email = new_email()
        register(api, email)
        token = login(api, email).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = (
        schemathesis.openapi.from_url(f"{api_url}/openapi.json")
        .include(path_regex=r"^/api/v1/(auth|customers)")
        .exclude(path_regex=r"/logout$")  # it would end the session every other case uses
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [operation.label for operation in operations]
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
    assert failures == {}
