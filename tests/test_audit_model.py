"""The audit trail's rules: masking, what a record's changes hold, and a chain that shows any
record altered, removed, or re-sealed in place."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from models.audit import (
    ANONYMOUS,
    GENESIS_HASH,
    MASK,
    AuditAction,
    AuditActor,
    AuditEntry,
    AuditOrigin,
    AuditOutcome,
    AuditRecord,
    ChainCheck,
    changes,
    mask_value,
    record_hash,
    sealed,
)
from models.identity import Principal

START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ADMIN = Principal(uuid.uuid4(), "root@bank.example", frozenset({"admin", "customer"}), None, uuid.uuid4())


def _entry(number: int) -> AuditEntry:
    return AuditEntry(
        AuditAction.ACCOUNT_FREEZE,
        "account",
        str(uuid.UUID(int=number)),
        AuditOutcome.SUCCESS,
        AuditActor.of(ADMIN),
        AuditOrigin("10.0.0.1", "pytest", f"request-{number}", None),
        changes({"status": "ACTIVE"}, {"status": "FROZEN"}),
    )


def _chain(length: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    prev_hash = GENESIS_HASH
    for number in range(1, length + 1):
        record = sealed(_entry(number), number, prev_hash, uuid.uuid4(), START + timedelta(seconds=number))
        records.append(record)
        prev_hash = record.hash
    return records


def _checked(records: list[AuditRecord]) -> ChainCheck:
    check = ChainCheck()
    check.feed(records[:2])  # fed a page at a time, as the verifier reads them
    check.feed(records[2:])
    return check


def test_secrets_are_never_kept_and_personal_data_only_in_part() -> None:
    assert mask_value("password", "Correct-Horse-Battery-9") == MASK
    assert mask_value("totp_secret", "JBSWY3DPEHPK3PXP") == MASK
    assert mask_value("ssn", "123-45-6789") == MASK
    assert mask_value("email", "grace.hopper@example.com") == f"g{MASK}@example.com"
    assert mask_value("phone", "+14155550199") == f"{MASK}99"
    assert mask_value("last_name", "Hopper") == f"H{MASK}"
    assert mask_value("status", "FROZEN") == "FROZEN"
    assert mask_value("roles", ["admin", "customer"]) == ["admin", "customer"]
    assert mask_value("email", None) is None


def test_changes_name_only_the_fields_that_changed_masked() -> None:
    before = {"status": "ACTIVE", "daily_outgoing_limit": "5000.00", "password": "old-secret"}
    after = {"status": "ACTIVE", "daily_outgoing_limit": "250.00", "password": "new-secret"}
    assert changes(before, after) == {
        "before": {"daily_outgoing_limit": "5000.00", "password": MASK},
        "after": {"daily_outgoing_limit": "250.00", "password": MASK},
    }
    assert changes({}, {"email": "ada@example.com"}) == {"before": {}, "after": {"email": f"a{MASK}@example.com"}}


def test_an_actor_is_who_the_principal_is() -> None:
    actor = AuditActor.of(ADMIN)
    assert actor == AuditActor(ADMIN.user_id, ("admin", "customer"), ADMIN.session_id)
    assert ANONYMOUS.user_id is None and ANONYMOUS.roles == ()


def test_an_untouched_chain_verifies() -> None:
    records = _chain(5)
    assert records[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(records))
    check = _checked(records)
    assert check.first_break is None and check.checked == 5 and check.last_seq == 5


def test_a_record_altered_in_place_breaks_the_chain_at_it() -> None:
    records = _chain(5)
    records[2] = dataclasses.replace(records[2], reason="nothing to see here")
    found = _checked(records).first_break
    assert found is not None and found.seq == 3 and "altered" in found.problem


def test_a_record_re_sealed_after_an_edit_breaks_the_chain_at_the_next() -> None:
    records = _chain(5)
    edited = dataclasses.replace(records[1], actor_user_id=uuid.uuid4())
    records[1] = dataclasses.replace(edited, hash=record_hash(edited.prev_hash, edited))
    found = _checked(records).first_break
    assert found is not None and found.seq == 3 and "previous hash" in found.problem


def test_removed_records_are_named() -> None:
    records = _chain(6)
    found = _checked(records[:2] + records[4:]).first_break
    assert found is not None and found.seq == 5 and found.problem == "records 3–4 are missing"
    found = _checked(records[1:]).first_break
    assert found is not None and found.seq == 2 and found.problem == "record 1 is missing"


@given(st.integers(min_value=1, max_value=12), st.data())
def test_any_single_field_changed_in_any_record_is_found(length: int, data: st.DataObject) -> None:
    records = _chain(length)
    position = data.draw(st.integers(min_value=0, max_value=length - 1))
    tampered = data.draw(
        st.sampled_from(
            [
                {"target_id": "someone-else"},
                {"outcome": "failure"},
                {"actor_roles": ("customer",)},
                {"occurred_at": records[position].occurred_at + timedelta(microseconds=1)},
                {"changes": {"before": {}, "after": {}}},
                {"origin": {**records[position].origin, "ip_address": "192.0.2.7"}},
            ]
        )
    )
    records[position] = dataclasses.replace(records[position], **tampered)
    found = _checked(records).first_break
    assert found is not None and found.seq == position + 1
