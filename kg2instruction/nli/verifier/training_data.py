"""Assemble the verifier's data from the config: general NLI pairs and page-split relation
examples, and render relation examples into (premise, hypothesis, label) triples."""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg2instruction.config.senses import load_senses
from kg2instruction.config.theme import available_themes, load_theme
from kg2instruction.nli.hypotheses import fill_template, fill_templates
from kg2instruction.nli.verifier.config import TrainConfig
from kg2instruction.errors import ConfigError
from kg2instruction.nli.verifier.general_nli import NliCorpus, NliPair, corpora_for, read_corpus
from kg2instruction.nli.verifier.kg_facts import read_kg_facts
from kg2instruction.nli.verifier.relation_pairs import (ExampleBuilder, RelationExample,
                                                        balanced_sample, build_examples,
                                                        read_sentences,
                                                        split_by_page)
from kg2instruction.nli.verifier.template_bank import (TemplateBank, bank_from_senses,
                                                        build_template_bank)

LabelledPair = tuple[str, str, int]


@dataclass(frozen=True)
class RelationData:
    train: list[RelationExample]
    held_out: list[RelationExample]
    bank: TemplateBank
    train_pages: int
    held_out_pages: int


def general_pairs(config: TrainConfig, base_dir: Path) -> list[NliPair]:
    """The training general NLI pairs of the config's language, shuffled with the seed."""
    pairs = [pair for corpus in training_corpora(config)
             for pair in read_corpus(corpus, base_dir / config.nli_data_dir)]
    random.Random(config.seed).shuffle(pairs)
    return pairs


def training_corpora(config: TrainConfig) -> list[NliCorpus]:
    return [c for c in corpora_for(config.lang) if c.name not in config.held_out_corpora]


def held_out_general_pairs(config: TrainConfig, base_dir: Path) -> list[NliPair]:
    """The pairs of the held-out corpora, in file order (never trained on)."""
    known = {c.name: c for c in corpora_for(config.lang)}
    unknown = sorted(set(config.held_out_corpora) - set(known))
    if unknown:
        raise ConfigError(f"held-out corpora {unknown} are not {config.lang} corpora "
                          f"(known: {sorted(known)})", key="held_out_corpora")
    return [pair for name in config.held_out_corpora
            for pair in read_corpus(known[name], base_dir / config.nli_data_dir)]


def held_out_nli_sample(config: TrainConfig, base_dir: Path, pairs: int) -> list[NliPair]:
    """The recipe's held-out NLI evaluation set: `pairs` pairs of its held-out corpora, half
    entailed, seeded by the recipe (the benchmark and `kg2i nli eval` score the same pairs)."""
    return balanced_sample(held_out_general_pairs(config, base_dir), pairs, config.seed)


def template_bank(config: TrainConfig, base_dir: Path) -> TemplateBank:
    """By default the relation senses, so training hypotheses are the ones score_nli scores."""
    themes_dir = base_dir / config.themes_dir
    if config.hypotheses == "senses":
        return bank_from_senses(load_senses(themes_dir))
    themes = [load_theme(name, themes_dir) for name in available_themes(themes_dir)]
    csv = base_dir / config.prompt_csv if config.prompt_csv else None
    return build_template_bank(themes, csv)


def relation_data(config: TrainConfig, base_dir: Path) -> RelationData:
    """Relation examples of train pages and of held-out pages (never the same page)."""
    bank = template_bank(config, base_dir)
    kg = read_kg_facts(base_dir / config.kg_dump)
    sentences = [s for s in read_sentences(base_dir / config.sentences) if s.lang == config.lang]
    train, held_out = split_by_page(sentences, config.held_out_fraction, config.seed)
    builder = ExampleBuilder(kg, bank, config.lang)
    return RelationData(
        train=build_examples(train, builder, config.seed, config.negatives_per_positive,
                             config.train_negative_weights),
        held_out=build_examples(held_out, builder, config.seed + 1, config.negatives_per_positive),
        bank=bank, train_pages=len({s.page for s in train}),
        held_out_pages=len({s.page for s in held_out}))


def render_one(example: RelationExample, bank: TemplateBank, rng: random.Random) -> LabelledPair:
    """The example with one template drawn at random (training sees every template in turn)."""
    template = rng.choice(bank[example.pid][example.lang])
    return example.premise, fill_template(template, example.head, example.tail), example.label


def render_all(example: RelationExample, bank: TemplateBank) -> list[str]:
    """Every hypothesis of the example's relation (scored with max, as the stage does)."""
    return fill_templates(bank[example.pid][example.lang], example.head, example.tail)


def general_as_labelled(pairs: Sequence[NliPair]) -> list[LabelledPair]:
    return [(p.premise, p.hypothesis, p.label) for p in pairs]
