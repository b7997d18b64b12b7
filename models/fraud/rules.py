"""Fraud rules: JSON conditions over the features, checked and evaluated here. Pure.

A condition is one of
  {"feature": "<name>", "op": ">=", "value": 12.5}       ops: < <= > >= == !=
  {"all": [<condition>, …]}    {"any": [<condition>, …]}    {"not": <condition>}
Features are those of models/fraud/features.py plus "amount" (major units of the movement's
currency). A rule has a priority (higher is consulted first), an action and an active flag.

The decision: a party on the block list blocks; on the allow list allows; otherwise the
highest-priority matching rule whose action is "allow" exempts the movement, else the most
severe of the matching rules' actions and the model's verdict stands.
"""

from __future__ import annotations

import math
import operator
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from models.fraud.check import Assessment, Verdict
from models.fraud.features import FEATURE_NAMES

RULE_FEATURES: Final = frozenset({*FEATURE_NAMES, "amount"})
MAX_CONDITION_DEPTH: Final = 8
MAX_CONDITION_NODES: Final = 64
_OPERATORS: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_SEVERITY: Final = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}
# Model scores at or above these become a review or a block.
MODEL_REVIEW_SCORE: Final = 70
MODEL_BLOCK_SCORE: Final = 95
HIGH_RISK_SCORE: Final = 90
# An account with this many fraud cases opened within 24 hours is flagged `account.suspicious`
# (and listed by the suspicious activity report).
SUSPICIOUS_CASES_PER_DAY: Final = 3


class ListKind(StrEnum):
    ACCOUNT = "account"
    COUNTERPARTY = "counterparty"
    DEVICE = "device"
    IP = "ip"


class RuleError(ValueError):
    """A condition that cannot be a rule; the message names where in it."""


def check_condition(condition: Any, path: str = "condition", depth: int = 0, budget: list[int] | None = None) -> None:
    """Raise RuleError unless `condition` is a well-formed condition (bounded depth and size)."""
    budget = [MAX_CONDITION_NODES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise RuleError(f"{path}: a condition has at most {MAX_CONDITION_NODES} parts")
    if depth > MAX_CONDITION_DEPTH:
        raise RuleError(f"{path}: conditions nest at most {MAX_CONDITION_DEPTH} deep")
    if not isinstance(condition, dict) or len(condition) == 0:
        raise RuleError(f"{path}: must be an object")
    if "feature" in condition:
        _check_comparison(condition, path)
        return
    if len(condition) != 1:
        raise RuleError(f"{path}: use one of feature, all, any, not")
    ((key, inner),) = condition.items()
    if key in ("all", "any"):
        if not isinstance(inner, list) or not inner:
            raise RuleError(f"{path}.{key}: must be a non-empty list")
        for position, part in enumerate(inner):
            check_condition(part, f"{path}.{key}[{position}]", depth + 1, budget)
    elif key == "not":
        check_condition(inner, f"{path}.not", depth + 1, budget)
    else:
        raise RuleError(f"{path}: unknown key {key!r}")


def _check_comparison(condition: dict[str, Any], path: str) -> None:
    if set(condition) != {"feature", "op", "value"}:
        raise RuleError(f"{path}: a comparison has exactly feature, op and value")
    if condition["feature"] not in RULE_FEATURES:
        raise RuleError(f"{path}.feature: unknown feature {condition['feature']!r}")
    if condition["op"] not in _OPERATORS:
        raise RuleError(f"{path}.op: must be one of {' '.join(_OPERATORS)}")
    value = condition["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleError(f"{path}.value: must be a finite number")


def matches(condition: dict[str, Any], values: dict[str, float]) -> bool:
    if "feature" in condition:
        return _OPERATORS[condition["op"]](values[condition["feature"]], float(condition["value"]))
    ((key, inner),) = condition.items()
    if key == "all":
        return all(matches(part, values) for part in inner)
    if key == "any":
        return any(matches(part, values) for part in inner)
    return not matches(inner, values)


@dataclass(frozen=True)
class Rule:
    rule_id: uuid.UUID
    name: str
    condition: dict[str, Any]
    action: Verdict
    priority: int
    active: bool = True


@dataclass(frozen=True)
class ListHit:
    kind: ListKind
    value: str
    blocked: bool  # True: on the block list; False: on the allow list


def model_verdict(score: int) -> Verdict:
    if score >= MODEL_BLOCK_SCORE:
        return Verdict.BLOCK
    if score >= MODEL_REVIEW_SCORE:
        return Verdict.REVIEW
    return Verdict.ALLOW


def decide(
    values: dict[str, float], rules: Sequence[Rule], hits: Sequence[ListHit], model_score: int | None
) -> Assessment:
    """Lists, rules and the model's score → allow / review / block, with the reasons."""
    for hit in hits:
        if hit.blocked:
            return Assessment(Verdict.BLOCK, 100, (f"blocklist:{hit.kind.value}",))
    if hits:
        return Assessment(Verdict.ALLOW, 0, tuple(f"allowlist:{hit.kind.value}" for hit in hits))
    matched = sorted(
        (rule for rule in rules if rule.active and matches(rule.condition, values)),
        key=lambda rule: -rule.priority,
    )
    if matched and matched[0].action is Verdict.ALLOW:
        return Assessment(Verdict.ALLOW, 0 if model_score is None else model_score, (f"rule:{matched[0].name}",))
    verdict = Verdict.ALLOW
    reasons = [f"rule:{rule.name}" for rule in matched if rule.action is not Verdict.ALLOW]
    for rule in matched:
        if _SEVERITY[rule.action] > _SEVERITY[verdict]:
            verdict = rule.action
    rule_score = {Verdict.ALLOW: 0, Verdict.REVIEW: 70, Verdict.BLOCK: 100}[verdict]
    score = rule_score if model_score is None else max(rule_score, model_score)
    if model_score is not None:
        by_model = model_verdict(model_score)
        if by_model is not Verdict.ALLOW:
            reasons.append(f"model_score:{model_score}")
        if _SEVERITY[by_model] > _SEVERITY[verdict]:
            verdict = by_model
    return Assessment(verdict, score, tuple(reasons))
