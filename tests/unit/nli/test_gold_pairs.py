"""Relation-verification pairs built from the human gold in tests/fixtures/gold: known facts
come out positive, each kind of negative comes from a real co-occurring pair the annotation
rules out, no claim is both, and the splits share no document."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.errors import ConfigError
from kg2instruction.nli.verifier.config import GoldSource, TrainConfig
from kg2instruction.nli.verifier.gold_data import gold_data
from kg2instruction.nli.verifier.gold_pairs import (VerificationPair, detokenize, hypothesis,
                                                    knowledgenet_pairs, read_redocred,
                                                    redocred_pairs)

REPO = Path(__file__).resolve().parents[3]
KN = REPO / "tests/fixtures/gold/knowledgenet/folds1-3.jsonl.gz"
REDOCRED = REPO / "tests/fixtures/gold/redocred/dev_revised.json.gz"


@pytest.fixture(scope="module")
def kn_all() -> list[VerificationPair]:
    return knowledgenet_pairs(KN, {1, 2, 3})


@pytest.fixture(scope="module")
def redocred_all() -> list[VerificationPair]:
    return redocred_pairs(REDOCRED, "all")


def claims(pairs, group: str) -> set[tuple[str, str, str, int, str]]:
    return {(p.head, p.pid, p.tail, p.label, p.kind) for p in pairs if p.group == group}


def test_knowledgenet_child_of_is_p40_read_backwards(kn_all) -> None:
    """'... Norma Waterson on vocals, her husband Martin Carthy ... and their daughter Eliza
    Carthy': CHILD_OF(Eliza, Norma) is the claim (Norma, P40, Eliza); read the other way round
    it is a negative, and so is the spouse property between mother and daughter."""
    family = claims(kn_all, "kn:1033")
    assert ("Norma Waterson", "P40", "Eliza Carthy", 1, "positive") in family
    assert ("Martin Carthy", "P40", "Eliza Carthy", 1, "positive") in family
    assert ("Eliza Carthy", "P40", "Norma Waterson", 0, "reversed") in family
    assert ("Eliza Carthy", "P26", "Norma Waterson", 0, "other_property") in family
    assert ("Norma Waterson", "P26", "Martin Carthy", 1, "positive") in family
    assert ("Norma Waterson", "P26", "Eliza Carthy", 0, "wrong_tail") in family


def test_knowledgenet_keeps_pronoun_subjects_and_cuts_the_premise_to_their_sentence(kn_all
                                                                                     ) -> None:
    ceo = [p for p in kn_all if p.group == "kn:1550" and p.pid == "P169" and p.label == 1]
    assert any(p.head == "Raymond James Bank" and p.tail == "He" for p in ceo)
    assert all(p.premise.startswith("He is currently the president and CEO") for p in ceo)
    # A relative pronoun makes no claim sentence: "which" is never an end of a pair.
    assert not any(p.head.lower() in ("which", "who") or p.tail.lower() in ("which", "who")
                   for p in kn_all)


def test_knowledgenet_other_property_negative(kn_all) -> None:
    """'Keshet International was established in 2012 and is led by chief executive officer Alon
    Shtruzman.' states the CEO; the passage is annotated for FOUNDED_BY and has none."""
    keshet = claims(kn_all, "kn:14899")
    assert ("Keshet International", "P169", "Alon Shtruzman", 1, "positive") in keshet
    assert ("Keshet International", "P112", "Alon Shtruzman", 0, "other_property") in keshet


def test_pronoun_is_written_in_the_case_its_place_asks_for() -> None:
    pair = VerificationPair("premise", "She", "Eliza Carthy", "P40", 1, "knowledgenet",
                            "positive", "kn:1033")
    assert hypothesis(pair, "[Y] is a child of [X].") == "Eliza Carthy is a child of her."
    assert hypothesis(pair, "[X] married [Y].") == "She married Eliza Carthy."


def test_redocred_positive_uses_its_evidence_sentence(redocred_all) -> None:
    schneider = [p for p in redocred_all if p.group == "redocred:0"]
    birth = [p for p in schneider if p.pid == "P19" and p.label == 1]
    assert [(p.head, p.tail) for p in birth] == [('Wilfried "Willi" Schneider', "Mediaș")]
    assert birth[0].premise.startswith('Wilfried "Willi" Schneider (born 13 March 1963 in '
                                       'Mediaș, Transylvania) is a German skeleton racer')
    negatives = [p for p in schneider if p.kind == "no_relation"]
    assert ("Schneider", "P19", "Salt Lake City") in {(p.head, p.pid, p.tail) for p in negatives}
    assert all(p.label == 0 for p in negatives)


def test_redocred_unstated_sentence_negative(redocred_all) -> None:
    """'The Sacramento Bee is a daily newspaper published in Sacramento, California, ...' names
    both ends of (The Sacramento Bee, P1376, California) but is evidence for no fact of the
    pair."""
    bee = [p for p in redocred_all if p.group == "redocred:8" and p.kind == "unstated_sentence"]
    assert ("The Sacramento Bee", "P1376", "California") in {(p.head, p.pid, p.tail) for p in bee}
    assert all(p.label == 0 and p.head in p.premise and p.tail in p.premise for p in bee)


def test_no_claim_is_both_positive_and_negative(kn_all, redocred_all) -> None:
    for pairs in (kn_all, redocred_all):
        labels: dict[tuple, set[int]] = {}
        for p in pairs:
            labels.setdefault((p.premise, p.head, p.tail, p.pid), set()).add(p.label)
        assert all(len(found) == 1 for found in labels.values())
        assert {p.kind for p in pairs if p.label == 1} == {"positive"}


def test_every_end_is_written_in_its_premise(redocred_all) -> None:
    assert all(p.head in p.premise and p.tail in p.premise for p in redocred_all)


def test_splits_are_disjoint_by_document() -> None:
    folds = [{p.group for p in knowledgenet_pairs(KN, {fold})} for fold in (1, 2, 3)]
    assert all(folds) and not (folds[0] & folds[1] or folds[0] & folds[2] or folds[1] & folds[2])
    even = {p.group for p in redocred_pairs(REDOCRED, "even")}
    odd = {p.group for p in redocred_pairs(REDOCRED, "odd")}
    assert even and odd and not even & odd
    slices = [{p.group for p in redocred_pairs(REDOCRED, "even", every=4, offset=k)}
              for k in range(4)]
    assert set().union(*slices) == even and sum(map(len, slices)) == len(even)


def test_the_shipped_recipe_keeps_held_out_documents_out_of_training() -> None:
    config = validate(TrainConfig, load_yaml(REPO / "pipelines/nli/verifier-en-gold.yaml"))
    data = gold_data(config, REPO)
    groups = [{p.group for p in split} for split in (data.train, data.dev, data.held_out)]
    assert all(groups) and not (groups[0] & groups[1] or groups[0] & groups[2]
                                or groups[1] & groups[2])
    overlapping = config.model_copy(update={"gold": config.gold.model_copy(
        update={"dev": (GoldSource(dataset="knowledgenet", path=str(KN.relative_to(REPO)),
                                   folds=(1,)),)})})
    with pytest.raises(ConfigError, match="train and dev share"):
        gold_data(overlapping, REPO)


def test_detokenize_writes_prose_and_keeps_token_offsets() -> None:
    tokens = 'Wilfried " Willi " Schneider ( born 1963 in Mediaș , Transylvania ) .'.split()
    text, spans = detokenize(tokens)
    assert text == 'Wilfried "Willi" Schneider (born 1963 in Mediaș, Transylvania).'
    assert [text[a:b] for a, b in spans] == tokens
    assert read_redocred(REDOCRED)[0].title == "Willi Schneider (skeleton racer)"
