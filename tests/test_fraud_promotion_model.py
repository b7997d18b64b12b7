"""Which trained fraud model may serve: judged out of distribution when it was, never below the
rules alone, never below the serving model on the same footing. Pure."""

from __future__ import annotations

from models.fraud.promotion import promotion_refusal, standing

IN_ONLY = {"auc_pr": 0.99, "rules_auc_pr": 0.01}


def _judged(holdout: float, elsewhere: float, rules_elsewhere: float = 0.02) -> dict[str, object]:
    return {
        "auc_pr": holdout,
        "rules_auc_pr": 0.01,
        "out_of_distribution": {"auc_pr": elsewhere, "rules_auc_pr": rules_elsewhere},
    }


def test_a_model_judged_out_of_distribution_goes_by_that_figure() -> None:
    assert standing(_judged(0.99, 0.3)).auc_pr == 0.3
    assert standing(_judged(0.99, 0.3)).measured_on == "out of distribution"
    assert standing(IN_ONLY).measured_on == "on the holdout"


def test_a_model_weaker_than_the_rules_is_refused_even_when_nothing_serves() -> None:
    refusal = promotion_refusal("v-new", _judged(0.99, 0.015, rules_elsewhere=0.03), None, None)
    assert refusal is not None and "loses to the rules alone out of distribution" in refusal
    assert promotion_refusal("v-new", {"auc_pr": 0.2, "rules_auc_pr": 0.4}, None, None) is not None
    assert promotion_refusal("v-new", _judged(0.5, 0.04, rules_elsewhere=0.03), None, None) is None


def test_the_serving_model_is_beaten_on_the_same_footing() -> None:
    # Better elsewhere, worse on its own holdout: out of distribution is what counts.
    assert promotion_refusal("v-new", _judged(0.90, 0.40), "v-old", _judged(0.99, 0.20)) is None
    refusal = promotion_refusal("v-new", _judged(0.99, 0.20), "v-old", _judged(0.90, 0.40))
    assert refusal is not None and "below the serving v-old's 0.4000" in refusal
    # The serving model was never judged elsewhere: the holdout is the only figure they share.
    assert promotion_refusal("v-new", _judged(0.98, 0.40), "v-old", IN_ONLY) is not None
    assert promotion_refusal("v-new", _judged(0.995, 0.40), "v-old", IN_ONLY) is None
    assert promotion_refusal("v-old", IN_ONLY, "v-old", IN_ONLY) is None  # already serving
