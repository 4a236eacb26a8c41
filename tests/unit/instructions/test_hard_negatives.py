"""Hard-negative dictionary: built from similarity and co-occurrence, editable, checked on load."""
from __future__ import annotations

import pytest

from kg2instruction.config.theme import available_themes, load_theme
from kg2instruction.errors import ConfigError
from kg2instruction.instructions.hard_negatives import (HardNegatives, build_hard_negatives,
                                                        cooccurrence, label_similarity,
                                                        load_hard_negatives,
                                                        write_hard_negatives)
from tests.unit.instructions.real_tables import REPO


def test_similar_labels_are_closer_than_unrelated_ones():
    assert label_similarity(("place of birth", "出生地点"), ("place of death", "死亡地点")) > \
        label_similarity(("place of birth", "出生地点"), ("spouse", "配偶"))


def test_cooccurrence_is_normalised_by_the_rarer_label():
    together = cooccurrence([["a", "b"], ["a", "b"], ["a"], ["a", "c"]])
    assert together[frozenset(("a", "b"))] == 1.0
    assert together[frozenset(("a", "c"))] == 1.0
    assert frozenset(("b", "c")) not in together


def test_dictionary_of_person(person):
    dictionary = build_hard_negatives(person, top_k=3)
    labels = set(person.labels("en"))
    assert set(dictionary.negatives) == labels
    for label, others in dictionary.negatives.items():
        assert len(others) == 3 and label not in others and set(others) <= labels
    assert "place of death" in dictionary.for_label("place of birth")


def test_cooccurrence_moves_labels_up(person):
    plain = build_hard_negatives(person, top_k=1)
    together = build_hard_negatives(person, [["spouse", "occupation"]] * 50, top_k=1,
                                    similarity_weight=0.3)
    assert plain.for_label("spouse") != ["occupation"]
    assert together.for_label("spouse") == ["occupation"]


def test_yaml_round_trip_and_translation(tmp_path, person, books):
    dictionary = build_hard_negatives(person)
    path = tmp_path / "person.yaml"
    write_hard_negatives(dictionary, path)
    assert path.read_text(encoding="utf-8").startswith("# Hard negatives")
    assert load_hard_negatives(path, person) == dictionary
    zh = dictionary.translated(books["zh"].relations)
    assert "死亡地点" in zh["出生地点"]


def test_an_unknown_label_names_file_line_and_key(tmp_path, person):
    path = tmp_path / "person.yaml"
    path.write_text("theme: person\nnegatives:\n  spouse:\n    - sibling\n    - best friend\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_hard_negatives(path, person)
    assert "line 5" in str(err.value) and "negatives.spouse.1" in str(err.value)
    assert "best friend" in str(err.value)


def test_a_dictionary_of_another_theme_is_refused(tmp_path, person):
    path = tmp_path / "works.yaml"
    write_hard_negatives(HardNegatives(theme="works"), path)
    with pytest.raises(ConfigError, match="theme 'works'"):
        load_hard_negatives(path, person)


@pytest.mark.parametrize("theme", available_themes(REPO / "themes"))
def test_committed_dictionaries_match_their_themes(theme):
    loaded = load_theme(theme, REPO / "themes")
    dictionary = load_hard_negatives(REPO / "themes" / "hard_negatives" / f"{theme}.yaml", loaded)
    assert set(dictionary.negatives) == set(loaded.labels("en"))


@pytest.mark.parametrize("embeddings", ["ngram", "minilm"])
def test_cli_builds_an_editable_dictionary(tmp_path, person, embeddings):
    from kg2instruction.cli import main as kg2i

    out = tmp_path / "person.yaml"
    assert kg2i(["hard-negatives", "--theme", "person", "--themes-dir", str(REPO / "themes"),
                 "--out", str(out), "--embeddings", embeddings, "--top-k", "2"]) == 0
    dictionary = load_hard_negatives(out, person)
    assert all(len(v) == 2 for v in dictionary.negatives.values())
    assert "place of death" in dictionary.for_label("place of birth")
    assert f"--embeddings {embeddings}" in out.read_text(encoding="utf-8")


def test_cli_refuses_an_unknown_similarity(tmp_path, capsys):
    from kg2instruction.cli import main as kg2i

    assert kg2i(["hard-negatives", "--theme", "person", "--themes-dir", str(REPO / "themes"),
                 "--out", str(tmp_path / "x.yaml"), "--embeddings", "word2vec"]) == 2
    assert "expected ngram or minilm" in capsys.readouterr().err
