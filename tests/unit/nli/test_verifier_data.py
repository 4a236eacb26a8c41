"""Training data of the verifier on real fixtures: NLI readers, the template bank, typed
relation-verification negatives, the page split, and theme validation of templates."""
from __future__ import annotations

import gzip
import itertools
import random
from pathlib import Path

import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.errors import ConfigError, InputError
from kg2instruction.nli.verifier.general_nli import (DEFAULT_CORPORA, NliCorpus, corpora_for,
                                                     read_corpus)
from kg2instruction.nli.verifier.kg_facts import KgFacts
from kg2instruction.nli.verifier.relation_pairs import (ExampleBuilder, Sentence,
                                                        balanced_sample, read_sentences,
                                                        split_by_page)
from kg2instruction.nli.verifier.template_bank import build_template_bank

REPO = Path(__file__).resolve().parents[3]
NLI = REPO / "tests/fixtures/nli"


@pytest.mark.parametrize("corpus", DEFAULT_CORPORA, ids=lambda c: c.name)
def test_every_corpus_reads_into_binary_pairs(corpus) -> None:
    pairs = list(itertools.islice(read_corpus(corpus, NLI), 300))
    assert len(pairs) == 300
    assert {p.label for p in pairs} == {0, 1}
    assert all(p.premise and p.hypothesis and p.lang == corpus.lang for p in pairs)


def test_non_commercial_sets_are_flagged() -> None:
    flagged = {c.name for c in DEFAULT_CORPORA if c.non_commercial}
    assert {"sick", "ocnli_train", "cmnli_dev"} <= flagged
    assert "snli_dev" not in flagged and corpora_for("zh")


def test_unknown_label_names_file_and_line(tmp_path) -> None:
    bad = tmp_path / "bad.tsv.gz"
    with gzip.open(bad, "wt") as handle:
        handle.write("a\tb\tentailment\nc\td\tmaybe\n")
    with pytest.raises(InputError, match="maybe") as error:
        list(read_corpus(NliCorpus("bad", "zh", "bad.tsv.gz", "csts", "-", False), tmp_path))
    assert error.value.line == 2


def test_template_bank_swaps_reversed_pids() -> None:
    person = load_theme("person", REPO / "themes")
    prompts = REPO / "tests/fixtures/wikidata/relation_prompts_23langs.csv"
    bank = build_template_bank([person], prompts)
    assert "[X] was born in [Y]." in bank["P19"]["en"]
    assert "[X]的出生地是[Y]。" in bank["P19"]["zh"]
    # 'work' lists P50 (author) reversed: (book, P50, person) reads person --work--> book,
    # so in the claim's orientation ([X] = book) "[X] created [Y]." becomes "[Y] created [X]."
    assert "[Y] created [X]." in bank["P50"]["en"]
    assert "[X] created [Y]." in bank["P800"]["en"]


@pytest.fixture(scope="module")
def real_sentences() -> list[Sentence]:
    path = REPO / "tests/fixtures/wikidata/trex-gold-dev.jsonl.gz"
    return list(itertools.islice(read_sentences(path), 3000))


def test_split_by_page_never_shares_a_page(real_sentences) -> None:
    train, held_out = split_by_page(real_sentences, 0.2, seed=13)
    assert held_out and train
    assert not {s.page for s in train} & {s.page for s in held_out}
    again, _ = split_by_page(list(reversed(real_sentences)), 0.2, seed=13)
    assert {s.id for s in again} == {s.id for s in train}


def test_negatives_are_typed_and_never_stated_facts() -> None:
    text = ("Guido Calza (April 21, 1888 – April 17, 1946 in Rome, Italy), born in Milan, Italy, "
            "was an Italian archaeologist whose work included excavations in Rome and at the port "
            "city of Ostia.")
    sentence = Sentence("s1", "Q1", "en", text,
                        (("Q1", "P20", "Q220", "Guido Calza", "Rome"),))
    kg = KgFacts(labels={"Q220": {"en": "Rome"}, "Q490": {"en": "Milan"},
                         "Q38": {"en": "Italy"}},
                 claims={"Q1": [("P20", "Q220"), ("P19", "Q490"), ("P27", "Q38"),
                                ("P119", "Q220")],
                         "Q9": [("P19", "Q220"), ("P131", "Q38")]})
    bank = {"P19": {"en": ["[X] was born in [Y]."]}, "P20": {"en": ["[X] died in [Y]."]},
            "P27": {"en": ["[X] is a citizen of [Y]."]}, "P119": {"en": ["[X] is buried in [Y]."]}}
    builder = ExampleBuilder(kg, bank)
    negatives = builder.negatives(sentence, sentence.facts[0])
    assert negatives["kg_other_relation"] == [("Guido Calza", "Rome", "P119")]
    assert set(negatives["kg_subject_fact"]) == {("Guido Calza", "Milan", "P19"),
                                                 ("Guido Calza", "Italy", "P27")}
    assert ("Guido Calza", "Milan", "P20") in negatives["wrong_tail"]
    assert ("Guido Calza", "Rome", "P19") in negatives["other_relation"]   # Rome is a P19 object
    examples = builder.examples(sentence, random.Random(0), negatives_per_positive=3)
    assert [e.label for e in examples] == [1, 0, 0, 0]
    assert {e.kind for e in examples[1:]} <= {"kg_other_relation", "kg_subject_fact",
                                              "wrong_tail"}


def test_balanced_sample_is_half_positive(real_sentences) -> None:
    from kg2instruction.nli.verifier.relation_pairs import RelationExample
    examples = [RelationExample("p", "h", "t", "P1", i % 3 == 0, "k", "pg", "en")
                for i in range(300)]
    chosen = balanced_sample(examples, 120, seed=1)
    assert len(chosen) == 120 and sum(e.label for e in chosen) == 60
    assert chosen == balanced_sample(examples, 120, seed=1)


def test_relation_without_templates_is_a_config_error(tmp_path) -> None:
    theme = (REPO / "themes/person.yaml").read_text(encoding="utf-8")
    broken = theme.replace('zh: ["[X]出生于[Y]。", "[X]的出生地是[Y]。"]', "zh: []", 1)
    assert broken != theme
    (tmp_path / "person.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match="no zh NLI templates") as error:
        load_theme("person", tmp_path)
    assert error.value.line is not None


def _calza_builder() -> tuple[ExampleBuilder, Sentence]:
    text = ("Guido Calza (April 21, 1888 – April 17, 1946 in Rome, Italy), born in Milan, Italy, "
            "was an Italian archaeologist whose work included excavations in Rome and at the port "
            "city of Ostia.")
    sentence = Sentence("s1", "Q1", "en", text, (("Q1", "P20", "Q220", "Guido Calza", "Rome"),))
    kg = KgFacts(labels={"Q220": {"en": "Rome"}, "Q490": {"en": "Milan"}, "Q38": {"en": "Italy"}},
                 claims={"Q1": [("P20", "Q220"), ("P19", "Q490"), ("P119", "Q220")],
                         "Q9": [("P19", "Q220")]})
    bank = {"P19": {"en": ["[X] was born in [Y]."]}, "P20": {"en": ["[X] died in [Y]."]},
            "P119": {"en": ["[X] is buried in [Y]."]}}
    return ExampleBuilder(kg, bank), sentence


def test_negative_kind_weights_shift_training_draws_only_when_given() -> None:
    builder, sentence = _calza_builder()

    def kinds(weights, seed):
        made = builder.examples(sentence, random.Random(seed), 1, weights)
        return made[1].kind

    uniform = [kinds(None, seed) for seed in range(200)]
    assert {"kg_other_relation", "kg_subject_fact", "wrong_tail"} <= set(uniform)
    assert uniform == [kinds({}, seed) for seed in range(200)]      # empty = uniform, same draws
    heavy = [kinds({"wrong_tail": 50.0}, seed) for seed in range(200)]
    assert heavy.count("wrong_tail") > 150 > uniform.count("wrong_tail")


def test_held_out_corpora_are_excluded_from_training_and_checked() -> None:
    from kg2instruction.nli.verifier.config import TrainConfig
    from kg2instruction.nli.verifier.training_data import general_pairs, held_out_general_pairs

    config = TrainConfig(lang="zh", held_out_corpora=("ocnli_dev",))
    train = general_pairs(config, REPO)
    held = held_out_general_pairs(config, REPO)
    assert held and {p.source for p in held} == {"ocnli_dev"}
    assert "ocnli_dev" not in {p.source for p in train} and {p.lang for p in train} == {"zh"}
    assert not {(p.premise, p.hypothesis) for p in held} & {(p.premise, p.hypothesis)
                                                            for p in train}
    with pytest.raises(ConfigError, match="snli_dev"):
        held_out_general_pairs(TrainConfig(lang="zh", held_out_corpora=("snli_dev",)), REPO)
