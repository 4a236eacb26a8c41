"""Wilson intervals, stratified shares and the Mann-Whitney AUC against values worked by hand."""
from __future__ import annotations

import random

import pytest

from kg2instruction.audit.stats import Stratum, stratified_share, weighted_auc, wilson_interval


@pytest.mark.parametrize(("share", "n", "low", "high"), [
    # 8/10: centre (0.8 + 1.9208/10) / 1.38415 = 0.71674,
    # half 1.96·√(0.016 + 0.0096037) / 1.38415 = 0.22658
    (0.8, 10, 0.49016, 0.94332),
    # 0/10: centre = half = 0.19207 / 1.38415 = 0.13877
    (0.0, 10, 0.0, 0.27753),
    (1.0, 10, 0.72247, 1.0),
    # 1/2: symmetric around 0.5
    (0.5, 2, 0.09453, 0.90547),
])
def test_wilson_interval_matches_hand_computation(share, n, low, high) -> None:
    assert wilson_interval(share, n) == pytest.approx((low, high), abs=1e-5)


def test_wilson_interval_without_items_is_uninformative() -> None:
    assert wilson_interval(0.0, 0) == (0.0, 1.0)


def test_stratified_share_weights_strata_by_size() -> None:
    # sizes 300 and 100 -> weights 0.75, 0.25; shares 8/10 and 5/10 -> 0.6 + 0.125 = 0.725;
    # Kish n_eff = 1 / (0.75²/10 + 0.25²/10) = 16; Wilson(0.725, 16) by hand: centre 0.68144,
    # half 1.96·√(0.199375/16 + 3.8415/1024) / 1.24009 = 0.20124
    estimate = stratified_share([Stratum(300, 10, 8), Stratum(100, 10, 5)])
    assert estimate is not None
    assert estimate.value == pytest.approx(0.725)
    assert estimate.n_effective == pytest.approx(16.0)
    assert (estimate.low, estimate.high) == pytest.approx((0.48020, 0.88268), abs=1e-5)


def test_one_stratum_is_the_plain_wilson_interval() -> None:
    estimate = stratified_share([Stratum(5000, 10, 8)])
    assert estimate is not None and estimate.n_effective == pytest.approx(10.0)
    assert (estimate.low, estimate.high) == pytest.approx(wilson_interval(0.8, 10))


def test_stratified_share_is_unknown_when_a_populated_stratum_has_no_judged_item() -> None:
    assert stratified_share([Stratum(300, 10, 8), Stratum(100, 0, 0)]) is None
    assert stratified_share([Stratum(300, 10, 8), Stratum(0, 0, 0)]).value == pytest.approx(0.8)


def test_auc_counts_ties_half() -> None:
    # positives 0.9, 0.5, 0.5 vs negatives 0.5, 0.1: pairs won 1+1, 0.5+1, 0.5+1 -> 5 of 6
    assert weighted_auc([0.9, 0.5, 0.5, 0.5, 0.1], [True, True, True, False, False]) == \
        pytest.approx(5 / 6)


def test_weighted_auc_counts_each_pair_by_the_product_of_weights() -> None:
    # positive 0.9 (weight 2) beats the negative 0.5 (weight 1), loses to 0.95 (weight 3):
    # 2·1 / (2 · 4) = 0.25
    assert weighted_auc([0.9, 0.5, 0.95], [True, False, False], [2, 1, 3]) == pytest.approx(0.25)


def test_weighted_auc_equals_the_pairwise_definition() -> None:
    rng = random.Random(7)
    scores = [round(rng.random(), 1) for _ in range(120)]       # rounded: many ties
    labels = [rng.random() < 0.4 for _ in range(120)]
    weights = [rng.choice([1.0, 4.0, 25.0]) for _ in range(120)]
    pos = [(s, w) for s, y, w in zip(scores, labels, weights) if y]
    neg = [(s, w) for s, y, w in zip(scores, labels, weights) if not y]
    pairwise = sum(wp * wn * (1.0 if sp > sn else 0.5 if sp == sn else 0.0)
                   for sp, wp in pos for sn, wn in neg)
    expected = pairwise / (sum(w for _, w in pos) * sum(w for _, w in neg))
    assert weighted_auc(scores, labels, weights) == pytest.approx(expected)


def test_auc_needs_both_classes() -> None:
    assert weighted_auc([0.2, 0.4], [True, True]) is None
    assert weighted_auc([], []) is None
