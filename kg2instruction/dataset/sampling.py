"""Label-centric sampling (InstructIE): keep rare relation-label combinations.

Distant supervision over Wikipedia is dominated by a few label combinations (a person's birth date
and place in every biography); training on that skew teaches a model to predict those labels
everywhere. The paper's remedy, which no released code implements, is to enumerate each paragraph's
label combination and make a combination less likely to be taken the more often it has already
been taken. Here that is: walk the paragraphs in a seeded random order, accept one with probability
`1 / (1 + taken[combination]) ** decay`, and repeat passes over the not-yet-taken paragraphs until
the target size is reached or nothing is left. Empty combinations (paragraphs without triples) are
negatives: they are taken only at `negative_rate`, because a model must also learn to say "none";
the rate is a share of the output, so a theme with fewer positives than the target does not end
up mostly negative.

Determinism: the input is ordered by paragraph id before shuffling and randomness comes from a
generator seeded by `seed` alone, so shard order and executor never change the result.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

Combination = tuple[str, ...]


class SamplingConfig(BaseModel):
    """How many paragraphs to keep per theme and how strongly to flatten label combinations."""

    model_config = ConfigDict(extra="forbid")

    target_size: int = Field(10_000, ge=1, description="paragraphs to keep per theme")
    decay: float = Field(1.0, ge=0.0, description="0 = uniform sampling; larger = flatter")
    negative_rate: float = Field(0.05, ge=0.0, le=1.0,
                                 description="share of triple-less paragraphs taken")
    max_passes: int = Field(50, ge=1)
    seed: int = 13


@dataclass(frozen=True)
class SampleItem:
    """A paragraph as the sampler sees it: its id and the set of relation labels it holds."""

    paragraph_id: str
    labels: Combination  # sorted, deduplicated; () for a paragraph without triples

    @classmethod
    def of(cls, paragraph_id: str, labels: Iterable[str]) -> SampleItem:
        return cls(paragraph_id, tuple(sorted(set(labels))))


def label_centric_sample(items: Sequence[SampleItem], config: SamplingConfig) -> list[str]:
    """Paragraph ids to keep, in paragraph-id order."""
    rng = random.Random(config.seed)
    ordered = sorted(items, key=lambda it: it.paragraph_id)
    negatives = [it for it in ordered if not it.labels]
    positives = [it for it in ordered if it.labels]

    n_negative = min(len(negatives), round(config.negative_rate * config.target_size))
    n_positive = min(len(positives), config.target_size - n_negative)
    if config.negative_rate < 1.0:   # fewer positives than the target: keep the negative share
        share = config.negative_rate / (1.0 - config.negative_rate)
        n_negative = min(n_negative, round(n_positive * share))
    taken_neg = rng.sample(negatives, n_negative) if n_negative else []

    taken: Counter[Combination] = Counter()
    chosen: list[SampleItem] = []
    remaining = positives[:]
    for _ in range(config.max_passes):
        if len(chosen) >= n_positive or not remaining:
            break
        rng.shuffle(remaining)
        left: list[SampleItem] = []
        for item in remaining:
            if len(chosen) >= n_positive:
                left.append(item)
                continue
            if rng.random() < (1.0 + taken[item.labels]) ** -config.decay:
                chosen.append(item)
                taken[item.labels] += 1
            else:
                left.append(item)
        remaining = left
    if len(chosen) < n_positive:  # decay so strong that passes ran out: fill uniformly
        rng.shuffle(remaining)
        chosen.extend(remaining[: n_positive - len(chosen)])
    return sorted(it.paragraph_id for it in chosen + taken_neg)


def combination_entropy(combinations: Iterable[Combination]) -> float:
    """Shannon entropy (bits) of the label-combination distribution: higher = flatter."""
    counts = Counter(combinations)
    total = sum(counts.values())
    if total == 0:
        return 0.0
    return -sum(c / total * math.log2(c / total) for c in counts.values())
