"""The fraud pipeline offline: a seeded story, features from the scorer's own code, a model
that catches every injected pattern at 1% false positives and beats the rules alone."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from models.fraud.check import Verdict
from models.fraud.rules import Rule
from pipelines.synthetic import PATTERNS, StoryConfig, generate
from pipelines.training import build_dataset, evaluate, split_by_time, train

DEFAULT_RULES = [
    Rule(uuid.uuid4(), "large_amount_review", {"feature": "amount", "op": ">=", "value": 10_000}, Verdict.REVIEW, 10),
    Rule(
        uuid.uuid4(), "very_large_amount_block", {"feature": "amount", "op": ">=", "value": 250_000}, Verdict.BLOCK, 20
    ),
]


def test_the_story_is_reproducible_and_its_fraud_rate_realistic() -> None:
    first = generate(StoryConfig(customers=300, days=10, seed=3))
    assert first == generate(StoryConfig(customers=300, days=10, seed=3))
    assert first != generate(StoryConfig(customers=300, days=10, seed=4))
    assert [r.at_ms for r in first] == sorted(r.at_ms for r in first)
    story = generate(StoryConfig(customers=2_000, days=40, seed=7))
    rate = sum(r.is_fraud for r in story) / len(story)
    assert 0.001 <= rate <= 0.01, rate
    assert set(Counter(r.pattern for r in story if r.is_fraud)) == set(PATTERNS)
    assert all(r.balance_before_minor >= r.amount_minor for r in story if r.kind != "DEPOSIT")


@pytest.mark.timeout(300)
def test_the_model_catches_every_pattern_and_beats_the_rules() -> None:
    story = generate(StoryConfig(customers=2_000, days=40, seed=7))
    dataset = build_dataset(story, DEFAULT_RULES)
    train_mask, holdout_mask = split_by_time(dataset)
    assert dataset.at_ms[train_mask].max() < dataset.at_ms[holdout_mask].min()  # the holdout is the future
    figures = evaluate(train(dataset, train_mask), dataset, holdout_mask)
    assert figures.positives >= 40
    assert set(figures.recall_by_pattern) == set(PATTERNS)
    for pattern, recall in figures.recall_by_pattern.items():
        assert recall >= 0.8, (pattern, recall)
    assert figures.auc_pr > figures.rules_auc_pr
    assert figures.recall_at_1pct_fpr > figures.rules_recall_at_1pct_fpr
