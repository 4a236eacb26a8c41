"""Span-based micro precision, recall and F1, and the Score, following IEPile's evaluator.

Conventions (so our numbers compare with published ones):

- A fact matches only on exact, case-sensitive string equality of all its fields: (head, relation,
  tail) for relations, (entity, type) for entities.
- ``normal`` mode treats a record's gold and predicted facts as multisets: true positives are the
  size of their Counter intersection, and a fact predicted twice counts twice. ``set`` mode first
  removes duplicates on both sides.
- Micro averaging: gold, predicted and correct counts are summed over records (per theme and
  overall) before dividing.
- P and R are percentages rounded to two decimals (0 when the denominator is 0); F1 is computed
  from those rounded values and rounded to two decimals (``round(2PR/(P+R), 2)``, 0 when P+R = 0).
- Score = 0.5 * F1 + 0.5 * ROUGE-2, both in percent (ROUGE-2 already rounded to two decimals),
  rounded half-up to two decimals.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum


class MatchMode(str, Enum):
    NORMAL = "normal"
    SET = "set"


@dataclass
class MatchCounts:
    """Facts in the gold, in the prediction, and in both."""

    gold: int = 0
    predicted: int = 0
    correct: int = 0

    def __iadd__(self, other: MatchCounts) -> MatchCounts:
        self.gold += other.gold
        self.predicted += other.predicted
        self.correct += other.correct
        return self


def count_matches(gold: Sequence[Hashable], predicted: Sequence[Hashable],
                  mode: MatchMode) -> MatchCounts:
    """Counts for one record in `mode`."""
    if MatchMode(mode) is MatchMode.SET:
        gold_set, pred_set = set(gold), set(predicted)
        return MatchCounts(len(gold_set), len(pred_set), len(gold_set & pred_set))
    correct = sum((Counter(gold) & Counter(predicted)).values())
    return MatchCounts(len(gold), len(predicted), correct)


def percent(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` in percent, rounded to two decimals; 0 for a zero denominator."""
    return 0.0 if denominator == 0 else round(numerator / denominator * 100, 2)


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 in percent (two decimals)."""

    precision: float
    recall: float
    f1: float


def precision_recall_f1(counts: MatchCounts) -> PRF:
    """IEPile's arithmetic: P and R rounded before F1."""
    p = percent(counts.correct, counts.predicted)
    r = percent(counts.correct, counts.gold)
    f1 = 0.0 if p + r == 0 else round(2 * p * r / (p + r), 2)
    return PRF(p, r, f1)


def combined_score(f1_percent: float, rouge2_percent: float) -> float:
    """The paper's Score = 0.5 F1 + 0.5 ROUGE-2, both on the 0-100 scale.

    The mean of two two-decimal numbers often ends in 5 at the third decimal, where binary
    floats round either way; decimal half-up makes it the number a person computes by hand."""
    mean = (Decimal(str(f1_percent)) + Decimal(str(rouge2_percent))) / 2
    return float(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
