"""Small-sample statistics for hand audits: Wilson intervals, stratified shares, weighted AUC.

Audits judge a few dozen triples per stratum, so the normal approximation (p ± 1.96·se) gives
intervals that leave [0, 1] and collapse to a point at 0/n or n/n; the Wilson score interval does
neither. Kept and rejected triples are sampled at different rates (50 of each whatever their
counts), so every figure about the run as a whole weights a stratum by its size in the run, not
by how many of its triples happened to be judged.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054


def wilson_interval(share: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a share observed on `n` items (n may be an effective size)."""
    if n <= 0:
        return 0.0, 1.0
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (share + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(max(share * (1.0 - share), 0.0) / n + z2 / (4.0 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Stratum:
    """One sampled stratum: its size in the run, how many were judged, how many were correct."""

    size: int
    judged: int
    hits: int

    @property
    def share(self) -> float:
        return self.hits / self.judged


@dataclass(frozen=True)
class Estimate:
    """A share of the run with its 95% interval and the (effective) number of judged items."""

    value: float
    low: float
    high: float
    n_effective: float


def stratified_share(strata: Sequence[Stratum], z: float = Z_95) -> Estimate | None:
    """The run-level share, each stratum weighted by its size; None if a non-empty stratum has
    no judged item (its share is then unknown, and so is the total).

    Interval: Wilson at Kish's effective sample size 1 / Σ(w_h² / n_h), which equals n for one
    stratum and shrinks when a small sample stands for a large stratum. It depends on the weights
    only (not on the stratum shares), so it stays sensible when a stratum is all right or all
    wrong."""
    populated = [s for s in strata if s.size > 0]
    if not populated or any(s.judged == 0 for s in populated):
        return None
    total = sum(s.size for s in populated)
    weights = [s.size / total for s in populated]
    value = sum(w * s.share for w, s in zip(weights, populated))
    n_effective = 1.0 / sum(w * w / s.judged for w, s in zip(weights, populated))
    low, high = wilson_interval(value, n_effective, z)
    return Estimate(value, low, high, n_effective)


def weighted_auc(scores: Sequence[float], labels: Sequence[bool],
                 weights: Sequence[float] | None = None) -> float | None:
    """ROC AUC as the Mann-Whitney statistic: the (weighted) chance that a positive outscores a
    negative, ties counting half. None without both classes.

    Weights make a sample stand for its strata (a kept triple judged out of 50 of 2,000 counts
    40 times as much as a rejected one out of 50 of 50). Sorting by score and sweeping groups of
    equal scores makes it O(n log n)."""
    weights = [1.0] * len(scores) if weights is None else list(weights)
    if not len(scores) == len(labels) == len(weights):
        raise ValueError("scores, labels and weights differ in length")
    total_pos = sum(w for w, y in zip(weights, labels) if y)
    total_neg = sum(w for w, y in zip(weights, labels) if not y)
    if total_pos <= 0 or total_neg <= 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    below_neg = 0.0      # weight of negatives scored strictly below the current group
    wins = 0.0
    start = 0
    while start < len(order):
        stop = start
        while stop < len(order) and scores[order[stop]] == scores[order[start]]:
            stop += 1
        group = order[start:stop]
        group_pos = sum(weights[i] for i in group if labels[i])
        group_neg = sum(weights[i] for i in group if not labels[i])
        wins += group_pos * (below_neg + 0.5 * group_neg)
        below_neg += group_neg
        start = stop
    return wins / (total_pos * total_neg)
