"""Label-centric sampling flattens a skewed label distribution; page splits are stable."""
from __future__ import annotations

import random
from collections import Counter

import pydantic
import pytest

from kg2instruction.dataset.sampling import (SampleItem, SamplingConfig, combination_entropy,
                                             label_centric_sample)
from kg2instruction.dataset.splits import SplitConfig, split_of


def _skewed_items(n: int = 4000) -> list[SampleItem]:
    """Zipf-like: a few combinations dominate, as in biographies (birth date+place everywhere)."""
    rng = random.Random(0)
    combos = [("date of birth", "place of birth"), ("date of birth",), ("occupation",),
              ("spouse",), ("award received", "occupation"), ("father", "mother"),
              ("educated at",), ("member of",), ("place of death",), ()]
    weights = [400, 200, 100, 40, 20, 10, 8, 6, 4, 60]
    return [SampleItem.of(f"p{i:05d}", rng.choices(combos, weights)[0]) for i in range(n)]


def test_sampling_flattens_the_label_combination_distribution():
    items = _skewed_items()
    config = SamplingConfig(target_size=600, negative_rate=0.05, seed=7)
    kept = set(label_centric_sample(items, config))
    by_id = {it.paragraph_id: it.labels for it in items}
    before = combination_entropy(it.labels for it in items if it.labels)
    after = combination_entropy(by_id[p] for p in kept if by_id[p])
    uniform = combination_entropy(
        by_id[p] for p in label_centric_sample(items, config.model_copy(update={"decay": 0.0}))
        if by_id[p])
    assert len(kept) == 600
    assert after > before + 0.5, (before, after)
    assert after > uniform + 0.5, (uniform, after)  # uniform sampling keeps the skew
    # the rarest combination is over-represented relative to the input
    rare = {it.paragraph_id for it in items if it.labels == ("place of death",)}
    assert len(rare & kept) / len(kept) > 3 * len(rare) / len(items)


def test_sampling_is_reproducible_and_order_independent():
    items = _skewed_items(1000)
    config = SamplingConfig(target_size=200, seed=3)
    first = label_centric_sample(items, config)
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert label_centric_sample(shuffled, config) == first
    assert label_centric_sample(items, config.model_copy(update={"seed": 4})) != first


def test_negatives_taken_at_configured_rate():
    items = _skewed_items(2000)
    kept = label_centric_sample(items, SamplingConfig(target_size=400, negative_rate=0.1))
    by_id = {it.paragraph_id: it.labels for it in items}
    assert sum(1 for p in kept if not by_id[p]) == 40
    none = label_centric_sample(items, SamplingConfig(target_size=400, negative_rate=0.0))
    assert all(by_id[p] for p in none)


def test_small_input_keeps_everything_available():
    items = [SampleItem.of(f"p{i}", ["a"]) for i in range(5)]
    assert label_centric_sample(items, SamplingConfig(target_size=100, negative_rate=0.0)) == \
        sorted(it.paragraph_id for it in items)


def test_page_split_is_stable_and_follows_ratios():
    config = SplitConfig(ratios={"train": 0.8, "dev": 0.1, "test": 0.1}, seed=1)
    pages = [f"enwiki:{i}" for i in range(20000)]
    splits = Counter(split_of(p, config) for p in pages)
    assert abs(splits["train"] / 20000 - 0.8) < 0.02
    assert abs(splits["test"] / 20000 - 0.1) < 0.02
    # a page's split does not depend on which other pages exist
    assert [split_of(p, config) for p in pages[:50]] == [split_of(p, config) for p in pages[:50]]
    assert any(split_of(p, config) != split_of(p, config.model_copy(update={"seed": 2}))
               for p in pages[:50])


@pytest.mark.parametrize("ratios", [{"train": 0.8, "test": 0.1}, {"train": 1.2, "test": -0.2}, {}])
def test_bad_split_ratios_are_rejected(ratios):
    with pytest.raises(pydantic.ValidationError):
        SplitConfig(ratios=ratios)


def test_negative_share_holds_when_positives_fall_short_of_the_target():
    items = [SampleItem.of(f"p{i:04d}", ["a"] if i < 50 else []) for i in range(400)]
    kept = label_centric_sample(items, SamplingConfig(target_size=1000, negative_rate=0.2))
    by_id = {it.paragraph_id: it.labels for it in items}
    negatives = sum(1 for p in kept if not by_id[p])
    assert sum(1 for p in kept if by_id[p]) == 50
    assert negatives == round(50 * 0.2 / 0.8)
    everything = label_centric_sample(items, SamplingConfig(target_size=1000, negative_rate=1.0))
    assert len(everything) == 400     # rate 1: every negative the target has room for


def test_assign_splits_leaves_no_split_empty_on_tiny_runs():
    from kg2instruction.dataset.splits import assign_splits

    config = SplitConfig(ratios={"train": 0.8, "dev": 0.1, "test": 0.1}, seed=13)
    for n in range(3, 12):
        pages = [f"qid:Q{i}" for i in range(n)]
        assigned = assign_splits(pages, config)
        assert set(assigned.values()) == {"train", "dev", "test"}, n
        assert assign_splits(reversed(pages), config) == assigned
    # too few pages to fill every split: the plain hash assignment
    assert assign_splits(["a", "b"], config) == {p: split_of(p, config) for p in ("a", "b")}
    # large runs: identical to split_of for every page
    many = [f"qid:Q{i}" for i in range(2000)]
    assert assign_splits(many, config) == {p: split_of(p, config) for p in many}
