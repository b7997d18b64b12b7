"""The fraud pipeline offline: a seeded story, features from the scorer's own code, a model
that catches every injected pattern at 1% false positives and beats the rules alone; and a
second, PaySim-calibrated population model, independent of the story's, on which a model of the
story is judged out of distribution."""

from __future__ import annotations

import ast
import uuid
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from models.fraud.calibration import PlattCalibrated
from models.fraud.check import Verdict
from models.fraud.rules import Rule
from pipelines import population
from pipelines.population import PopulationConfig, generate_population
from pipelines.report import REPORT_FILES
from pipelines.synthetic import PATTERNS, StoryConfig, generate
from pipelines.training import build_dataset, evaluate, fit_and_evaluate, split_by_time, train

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


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return found | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_the_two_population_models_share_no_sampling_code() -> None:
    pipelines = Path(population.__file__).parent
    ours = {"pipelines.synthetic"}
    theirs = {"pipelines.population", "pipelines.paysim_figures"}
    assert not _imported_modules(pipelines / "population.py") & ours
    assert not _imported_modules(pipelines / "paysim_figures.py") & (ours | {"pipelines.population"})
    assert not _imported_modules(pipelines / "synthetic.py") & theirs
    # What they do share is the record they write, and nothing else of the project's.
    project = {
        name for name in _imported_modules(pipelines / "population.py") if name.startswith(("pipelines", "models"))
    }
    assert project == {"pipelines.paysim_figures", "pipelines.records"}


def test_the_calibrated_population_is_reproducible_and_robbed_the_paysim_way() -> None:
    config = PopulationConfig(clients=800, days=20, seed=5)
    world = generate_population(config)
    assert world == generate_population(config)
    assert world != generate_population(PopulationConfig(clients=800, days=20, seed=6))
    assert [r.at_ms for r in world] == sorted(r.at_ms for r in world)
    assert {r.kind for r in world} == {"DEPOSIT", "WITHDRAWAL", "PAYMENT", "TRANSFER"}
    frauds = [r for r in world if r.is_fraud]
    assert 0.0005 <= len(frauds) / len(world) <= 0.01, len(frauds) / len(world)
    assert set(Counter(r.pattern for r in frauds)) == set(population.TYPOLOGIES)
    for drain in (r for r in frauds if r.pattern == "takeover_transfer"):
        assert drain.amount_minor == drain.balance_before_minor  # the whole balance, to a mule
        cash_out = next(r for r in frauds if r.account == drain.counterparty)
        assert cash_out.kind == "WITHDRAWAL" and cash_out.amount_minor == drain.amount_minor
        assert population.HOUR_MS <= cash_out.at_ms - drain.at_ms <= 3 * population.HOUR_MS


@pytest.mark.timeout(300)
def test_a_model_of_one_world_is_judged_on_the_other_and_the_report_adds_up() -> None:
    story = build_dataset(generate(StoryConfig(customers=600, days=20, seed=7)), DEFAULT_RULES)
    elsewhere = build_dataset(generate_population(PopulationConfig(clients=800, days=20, seed=5)), DEFAULT_RULES)
    trained = fit_and_evaluate(story, elsewhere, "fraud-test")
    assert sorted(trained.report) == sorted(REPORT_FILES)  # the curves and the histogram, as PNG
    assert all(content.startswith(b"\x89PNG\r\n\x1a\n") for content in trained.report.values())
    judged = trained.elsewhere
    assert judged is not None
    assert judged.positives == int(elsewhere.y.sum()) and judged.negatives == int((elsewhere.y == 0).sum())
    assert set(judged.recall_by_pattern) == set(population.TYPOLOGIES)
    for figure in (judged.auc_pr, judged.recall_at_1pct_fpr, judged.rules_auc_pr, *judged.recall_by_pattern.values()):
        assert 0.0 <= figure <= 1.0
    assert set(trained.evaluation.recall_by_pattern) <= set(PATTERNS)  # the holdout is the story's own


def test_calibration_maps_the_scores_into_probabilities_keeping_their_order() -> None:
    story = build_dataset(generate(StoryConfig(customers=600, days=20, seed=7)), DEFAULT_RULES)
    train_mask, holdout_mask = split_by_time(story)
    model = train(story, train_mask)
    assert isinstance(model, PlattCalibrated) and model.slope > 0
    raw = model.model.predict_proba(story.x[holdout_mask])[:, 1]
    calibrated = model.predict_proba(story.x[holdout_mask])[:, 1]
    assert ((calibrated >= 0) & (calibrated <= 1)).all()
    order = np.argsort(raw, kind="stable")
    assert (np.diff(calibrated[order]) >= -1e-12).all()  # monotonic in the raw score
    # The booster's balanced class weights put its raw scores far above the fraud rate; the
    # calibrated ones are probabilities: on average near the share of fraud.
    assert calibrated.mean() < raw.mean()
    assert abs(calibrated.mean() - story.y[holdout_mask].mean()) < 0.01
