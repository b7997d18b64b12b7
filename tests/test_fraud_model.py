"""The fraud features and rules, pure: windows, novelty, condition checking and the decision."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.fraud.check import Verdict
from models.fraud.features import (
    DAY_MS,
    FEATURE_NAMES,
    HOUR_MS,
    MINUTE_MS,
    Behaviour,
    Movement,
    RecentMovements,
    features,
    vector,
)
from models.fraud.rules import ListHit, ListKind, Rule, RuleError, check_condition, decide

NOW_MS = 1_796_000_000_000


def _behaviour(**changes: Any) -> Behaviour:
    values: dict[str, Any] = {
        "recent": (),
        "lifetime_count": 0,
        "lifetime_sum_minor": 0,
        "counterparty_first_seen_ms": None,
        "balance_minor": None,
        "destination_payers_24h": 0,
    }
    values.update(changes)
    values["recent"] = RecentMovements.of(values["recent"])
    return Behaviour(**values)


def test_velocity_windows_count_only_what_falls_inside_them() -> None:
    recent = (
        (NOW_MS - 30_000, 100),
        (NOW_MS - 10 * MINUTE_MS, 200),
        (NOW_MS - 5 * HOUR_MS, 300),
        (NOW_MS - DAY_MS - 1, 400),
    )
    values = features(Movement("TRANSFER", 1_000, NOW_MS, "x"), _behaviour(recent=recent))
    assert (values["count_1m"], values["count_1h"], values["count_24h"]) == (1.0, 2.0, 3.0)
    assert values["new_counterparty"] == 1.0 and values["counterparty_age_days"] == -1.0
    assert values["kind_transfer"] == 1.0 and values["kind_payment"] == 0.0


@given(
    st.lists(
        st.tuples(st.integers(min_value=NOW_MS - 2 * DAY_MS, max_value=NOW_MS + HOUR_MS), st.integers(1, 10**9)),
        max_size=60,
    )
)
def test_velocity_is_each_window_counted_on_its_own(recent: list[tuple[int, int]]) -> None:
    """The one-pass windows against their definition: movements with now - span < at <= now."""
    values = features(Movement("TRANSFER", 1_000, NOW_MS, "x"), _behaviour(recent=tuple(recent)))
    for span_ms, count_name, sum_name in (
        (MINUTE_MS, "count_1m", None),
        (HOUR_MS, "count_1h", "log_sum_1h"),
        (DAY_MS, "count_24h", "log_sum_24h"),
    ):
        inside = [amount for at_ms, amount in recent if NOW_MS - span_ms < at_ms <= NOW_MS]
        assert values[count_name] == float(len(inside))
        if sum_name is not None:
            assert values[sum_name] == math.log10(1 + sum(inside))


@given(
    st.lists(st.tuples(st.integers(0, 1_000), st.integers(1, 10**6)), max_size=40),
    st.integers(-10, 1_010),
    st.integers(-10, 1_010),
    st.integers(-10, 1_010),
)
def test_a_later_part_of_recent_movements_windows_as_its_own_list(
    movements: list[tuple[int, int]], bound_ms: int, after_ms: int, until_ms: int
) -> None:
    """`after` shares the arrays of the whole; its windows count only what it holds."""
    later = RecentMovements.of(movements).after(bound_ms)
    kept = sorted(movement for movement in movements if movement[0] > bound_ms)
    assert list(later) == kept and len(later) == len(kept)
    assert later == RecentMovements.of(kept)
    inside = [amount for at_ms, amount in kept if after_ms < at_ms <= until_ms]
    assert later.window(after_ms, until_ms) == (len(inside), sum(inside))


def test_amount_history_novelty_and_draining() -> None:
    known = _behaviour(
        lifetime_count=4, lifetime_sum_minor=4_000, counterparty_first_seen_ms=NOW_MS - 2 * DAY_MS, balance_minor=5_000
    )
    values = features(Movement("WITHDRAWAL", 5_000, NOW_MS, "x"), known)
    assert values["amount_vs_average"] == 5.0 and values["drained_fraction"] == 1.0
    assert values["new_counterparty"] == 0.0 and values["counterparty_age_days"] == 2.0


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=0, max_value=10**13))
def test_every_feature_is_a_finite_number_in_a_fixed_order(amount_minor: int, at_ms: int) -> None:
    named = features(Movement("PAYMENT", amount_minor, at_ms, None), _behaviour())
    assert list(named) == list(FEATURE_NAMES)
    assert all(math.isfinite(value) and abs(value) < 1e12 for value in vector(named))


@pytest.mark.parametrize(
    ("condition", "where"),
    [
        ("amount > 5", "condition: must be an object"),
        ({"feature": "colour", "op": ">", "value": 1}, "condition.feature"),
        ({"feature": "amount", "op": "~", "value": 1}, "condition.op"),
        ({"feature": "amount", "op": ">", "value": "1"}, "condition.value"),
        ({"all": []}, "condition.all"),
        ({"any": [{"feature": "amount", "op": ">", "value": 1}, {"nope": 1}]}, "condition.any[1]"),
        ({"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {}}}}}}}}}}, "nest"),
    ],
)
def test_bad_conditions_are_refused_naming_where(condition: Any, where: str) -> None:
    with pytest.raises(RuleError, match=re.escape(where)):
        check_condition(condition)


def _rule(name: str, condition: dict[str, Any], action: Verdict, priority: int = 0) -> Rule:
    check_condition(condition)
    return Rule(uuid.uuid4(), name, condition, action, priority)


def test_lists_then_rules_then_the_model_decide() -> None:
    values = {"amount": 500.0, "count_1m": 4.0}
    fast = _rule("fast", {"feature": "count_1m", "op": ">=", "value": 3}, Verdict.REVIEW)
    big = _rule("big", {"all": [{"feature": "amount", "op": ">", "value": 100}]}, Verdict.BLOCK)
    trusted = _rule("trusted", {"not": {"feature": "amount", "op": ">", "value": 1000}}, Verdict.ALLOW, priority=5)
    assert decide(values, [fast], [], None).verdict is Verdict.REVIEW
    assert decide(values, [fast, big], [], None).verdict is Verdict.BLOCK
    assert decide(values, [fast, big, trusted], [], None).verdict is Verdict.ALLOW
    blocked = [ListHit(ListKind.COUNTERPARTY, "x", blocked=True)]
    assert decide(values, [trusted], blocked, None).reasons == ("blocklist:counterparty",)
    allowed = [ListHit(ListKind.ACCOUNT, "y", blocked=False)]
    assert decide(values, [big], allowed, None).verdict is Verdict.ALLOW
    by_model = decide({"amount": 1.0, "count_1m": 0.0}, [fast], [], 96)
    assert by_model.verdict is Verdict.BLOCK and by_model.score == 96 and "model_score:96" in by_model.reasons
    assert decide({"amount": 1.0, "count_1m": 0.0}, [fast], [], 10).verdict is Verdict.ALLOW
