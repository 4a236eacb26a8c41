"""The human-gold splits of a training recipe (`TrainConfig.gold`) as rendered pairs.

Train, dev and held-out pairs are read from the sources the recipe names, restricted to the
relations that have a hypothesis, and checked to share no document: a model selected or
calibrated on a document it trained on, or measured on one, would report what it memorised.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kg2instruction.errors import ConfigError
from kg2instruction.nli.verifier.config import GoldSource, TrainConfig
from kg2instruction.nli.verifier.gold_pairs import (VerificationPair, hypothesis,
                                                    knowledgenet_pairs, redocred_pairs)
from kg2instruction.nli.verifier.training_data import template_bank

LabelledPair = tuple[str, str, int]
SPLITS = ("train", "dev", "held_out")


@dataclass(frozen=True)
class GoldData:
    train: list[VerificationPair]
    dev: list[VerificationPair]
    held_out: list[VerificationPair]
    templates: Mapping[str, str]          # P-id -> the one hypothesis template


def hypothesis_templates(config: TrainConfig, base_dir: Path) -> dict[str, str]:
    """P-id -> the template its gold pairs are rendered with: the relation sense (the first
    template of the older bank when the recipe uses that one)."""
    bank = template_bank(config, base_dir)
    return {pid: by_lang[config.lang][0] for pid, by_lang in bank.items()
            if by_lang.get(config.lang)}


def source_pairs(source: GoldSource, base_dir: Path) -> list[VerificationPair]:
    path = base_dir / source.path
    if not path.is_file():
        raise ConfigError(f"gold file {source.path} not found under {base_dir}", key="gold")
    if source.dataset == "knowledgenet":
        return knowledgenet_pairs(path, set(source.folds))
    return redocred_pairs(path, source.part, every=source.every, offset=source.offset)


def split_pairs(sources: Sequence[GoldSource], base_dir: Path, templates: Mapping[str, str]
                ) -> list[VerificationPair]:
    return [pair for source in sources for pair in source_pairs(source, base_dir)
            if pair.pid in templates]


def gold_data(config: TrainConfig, base_dir: Path, splits: Sequence[str] = SPLITS) -> GoldData:
    """The recipe's gold splits (only those asked for are read; the others are empty)."""
    templates = hypothesis_templates(config, base_dir)
    read = {name: split_pairs(getattr(config.gold, name), base_dir, templates)
            if name in splits else [] for name in SPLITS}
    groups = {name: {pair.group for pair in pairs} for name, pairs in read.items()}
    for first, second in (("train", "dev"), ("train", "held_out"), ("dev", "held_out")):
        shared = groups[first] & groups[second]
        if shared:
            raise ConfigError(f"gold splits {first} and {second} share {len(shared)} documents "
                              f"(e.g. {sorted(shared)[0]}); choose disjoint folds/parts",
                              key=f"gold.{second}")
    return GoldData(read["train"], read["dev"], read["held_out"], templates)


def render(pair: VerificationPair, templates: Mapping[str, str]) -> LabelledPair:
    return pair.premise, hypothesis(pair, templates[pair.pid]), pair.label


GoldDraw = Literal["labels_1to1", "uniform"]


def gold_stream(pairs: Sequence[VerificationPair], templates: Mapping[str, str],
                weights: Mapping[str, float], rng: random.Random,
                draw: GoldDraw = "uniform") -> Iterator[LabelledPair]:
    """Endless training pairs: a dataset drawn by `weights` (default equal), then a pair of it,
    each pool reshuffled when used up.

    `uniform`: every pair of a dataset is drawn equally often (labels keep their share).
    `labels_1to1`: a label first, 1:1, then a pair of that label, so a mostly-positive set
    (KnowledgeNet) is not learnt as "always stated". It over-draws the relations that carry a
    set's few negatives: KnowledgeNet's reversed P40/P749 facts, whose positives the model then
    scores low (per-relation thresholds absorb that; AUC within a relation is unaffected). On the
    dev pairs it measured better on both datasets (see pipelines/nli/verifier-en-gold.yaml)."""
    by_label = draw == "labels_1to1"
    pools: dict[tuple[str, int], list[VerificationPair]] = defaultdict(list)
    for pair in pairs:
        pools[(pair.source, pair.label if by_label else -1)].append(pair)
    sources = sorted({source for source, _ in pools
                      if {p.label for key, pool in pools.items() if key[0] == source
                          for p in pool} == {0, 1}})
    if not sources:
        raise ConfigError("gold.train has no dataset with both positive and negative pairs",
                          key="gold.train")
    odds = [weights.get(source, 1.0) for source in sources]
    positions = {key: len(pool) for key, pool in pools.items()}   # exhausted: shuffle first
    while True:
        source = rng.choices(sources, odds)[0]
        key = (source, rng.randrange(2)) if by_label else (source, -1)
        pool = pools[key]
        if positions[key] >= len(pool):
            rng.shuffle(pool)
            positions[key] = 0
        yield render(pool[positions[key]], templates)
        positions[key] += 1
