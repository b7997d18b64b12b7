"""Four eyes' pure rules: who may decide a request and when, how a request shows once past its
time, and the one request a repeated command opens."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from models.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    Policy,
    approval_id_for,
    decision_problem,
    expiry_problem,
    request_view,
)
from models.audit import AuditAction
from models.identity import Principal, granted, roles_summary

OPENED = datetime(2026, 3, 2, 12, tzinfo=UTC)
MAKER = Principal(uuid.uuid4(), "maker@bankflow.local", frozenset({"admin"}), None, uuid.uuid4())


def _staff(*roles: str) -> Principal:
    return Principal(uuid.uuid4(), "staff@bankflow.local", frozenset(roles), None, uuid.uuid4())


def _request(**changes: object) -> ApprovalRequest:
    request = ApprovalRequest(
        approval_id=uuid.uuid4(),
        action=AuditAction.TRANSACTION_REVERSE,
        target_type="transaction",
        target_id=str(uuid.uuid4()),
        parameters={"reason": "paid twice"},
        summary="Reverse the deposit of 30.00 USD",
        maker_user_id=MAKER.user_id,
        maker_email=MAKER.email,
        maker_roles=("admin",),
        maker_session_id=MAKER.session_id,
        maker_reason="paid twice",
        status=ApprovalStatus.PENDING,
        created_at=OPENED,
        expires_at=OPENED + timedelta(days=1),
        checker_user_id=None,
        decided_at=None,
        decision_reason=None,
        result=None,
    )
    return replace(request, **changes)  # type: ignore[arg-type]


def test_a_second_admin_may_decide_a_pending_request_in_time() -> None:
    assert decision_problem(_request(), _staff("admin"), OPENED + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("checker", "request_changes", "at_hours", "refusal"),
    [
        (MAKER, {}, 1, (403, "own_request")),
        (_staff("support"), {}, 1, (403, "forbidden")),
        (_staff("auditor"), {}, 1, (403, "forbidden")),
        (_staff("admin"), {"status": ApprovalStatus.EXECUTED}, 1, (409, "already_decided")),
        (_staff("admin"), {"status": ApprovalStatus.REJECTED}, 1, (409, "already_decided")),
        (_staff("admin"), {}, 24, (409, "expired")),
    ],
)
def test_who_may_not_decide_and_when(
    checker: Principal, request_changes: dict[str, object], at_hours: int, refusal: tuple[int, str]
) -> None:
    found = decision_problem(_request(**request_changes), checker, OPENED + timedelta(hours=at_hours))
    assert found is not None and (found.failure.status, found.failure.code) == refusal


def test_a_request_past_its_time_shows_as_expired_and_the_maker_is_who_asked() -> None:
    request = _request()
    assert request_view(request, OPENED + timedelta(hours=23))["status"] == "PENDING"
    assert request_view(request, OPENED + timedelta(hours=24))["status"] == "EXPIRED"
    maker = request.maker()
    assert (maker.user_id, maker.session_id, maker.roles) == (MAKER.user_id, MAKER.session_id, frozenset({"admin"}))


def test_a_maker_never_checks_their_own_request_even_in_a_stored_row() -> None:
    with pytest.raises(AssertionError, match="own request"):
        _request(checker_user_id=MAKER.user_id)


def test_a_command_opens_one_request_and_expiry_is_bounded() -> None:
    command = uuid.uuid4()
    assert approval_id_for(AuditAction.TRANSACTION_REVERSE, command) == approval_id_for(
        AuditAction.TRANSACTION_REVERSE, command
    )
    assert approval_id_for(AuditAction.TRANSACTION_REVERSE, command) != approval_id_for(
        AuditAction.TRANSACTION_REVERSE, uuid.uuid4()
    )
    assert expiry_problem(59) is not None and expiry_problem(60) is None and expiry_problem(31 * 86400) is not None
    with pytest.raises(AssertionError):
        Policy(AuditAction.LOGIN, True, 3600)


def test_a_threshold_governs_only_the_amounts_above_it() -> None:
    limits = Policy(AuditAction.ACCOUNT_LIMITS_CHANGE, True, 3600, above_units=100_000)
    assert not limits.governs([Decimal("100000.00"), Decimal("5")])
    assert limits.governs([Decimal("5"), Decimal("100000.01")])
    assert not limits.governs([])
    assert not Policy(AuditAction.ACCOUNT_LIMITS_CHANGE, False, 3600, above_units=0).governs([Decimal("1")])
    assert Policy(AuditAction.TRANSACTION_REVERSE, True, 3600).governs()
    with pytest.raises(AssertionError):
        Policy(AuditAction.TRANSACTION_REVERSE, True, 3600, above_units=10)


def test_a_grant_of_roles_is_checked_by_neither_the_maker_nor_the_user_it_gives_them_to() -> None:
    grantee = _staff("admin", "customer")
    grant = _request(action=AuditAction.ROLES_CHANGE, target_type="user", target_id=str(grantee.user_id))
    later = OPENED + timedelta(minutes=5)
    refused = decision_problem(grant, grantee, later)
    assert refused is not None and refused.failure.code == "own_grant"
    assert decision_problem(grant, _staff("admin"), later) is None
    refused = decision_problem(grant, _staff("support"), later)
    assert refused is not None and refused.failure.code == "forbidden"


def test_only_a_change_that_adds_a_role_is_a_grant() -> None:
    assert granted(["customer"], ["customer", "support"]) == {"support"}
    assert granted(["customer", "support"], ["customer"]) == frozenset()
    assert granted(["support"], ["admin"]) == {"admin"}  # a swap adds one
    summary = roles_summary("jo@bankflow.local", ["customer"], ["admin", "customer"])
    assert summary == "Give jo@bankflow.local the roles admin, customer (adds admin; now customer)"
