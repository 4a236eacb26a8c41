"""Which mentions describe the page subject (annotate/subject_descriptions.py)."""
from __future__ import annotations

from kg2instruction.annotate.subject_descriptions import description_qids, is_subject_description


def test_a_lowercase_phrase_ending_in_a_lead_noun_describes_the_subject() -> None:
    nouns = ("province",)
    assert is_subject_description("province", nouns)
    assert is_subject_description("western province", nouns)
    # a capital letter marks a name, never a description
    assert not is_subject_description("Province of Canada", nouns)
    assert not is_subject_description("Canadian province", nouns)
    assert not is_subject_description("provinces", nouns)      # another word
    assert not is_subject_description("province", ())
    assert not is_subject_description("", nouns)


def test_uncased_scripts_need_the_noun_itself() -> None:
    assert is_subject_description("省份", ("省份",))
    assert not is_subject_description("加拿大省份", ("省份",))


def test_an_entity_also_named_properly_keeps_its_pairs() -> None:
    anchors = [("Q2879", "province"), ("Q16", "Canada"), ("Q1951", "province"),
               ("Q35657", "state"), ("Q35657", "U.S. state")]
    assert description_qids(anchors, "Q1951", ("province", "state")) == frozenset({"Q2879"})
    assert description_qids([(None, "province")], "Q1951", ("province",)) == frozenset()
