"""Finding known names in text: word boundaries, the case rule, Chinese substrings, stop words."""
from __future__ import annotations

from kg2instruction.annotate.name_index import NameIndex, case_compatible, name_keys, text_vocabulary
from kg2instruction.annotate.stop_names import stop_names


def found(index: NameIndex, text: str) -> list[tuple[str, tuple]]:
    return [(text[m.start:m.end], m.payloads) for m in index.find(text)]


def test_lowercase_labels_match_capitalised_text_but_not_the_reverse() -> None:
    index = NameIndex("en", min_chars=3)
    for name, qid in [("cyclist", "Q2309784"), ("archbishop", "Q49476"), ("Bush", "Q207"),
                      ("Archbishop of Canterbury", "Q214100")]:
        index.add(name, qid)
    text = "Cyclist. The Archbishop of Canterbury met Bush near a bush; an archbishop cycled."
    hits = found(index, text)
    assert ("Cyclist", ("Q2309784",)) in hits
    assert ("Archbishop", ("Q49476",)) in hits and ("archbishop", ("Q49476",)) in hits
    assert ("Archbishop of Canterbury", ("Q214100",)) in hits
    assert [h for h in hits if h[0].lower() == "bush"] == [("Bush", ("Q207",))]


def test_matches_sit_on_word_boundaries_and_handle_punctuation() -> None:
    index = NameIndex("en", min_chars=3)
    index.add("art", "Q735")
    index.add("Washington, D.C.", "Q61")
    text = "The start of art in Washington, D.C. and Lincoln's art."
    assert found(index, text) == [("art", ("Q735",)), ("Washington, D.C.", ("Q61",)),
                                  ("art", ("Q735",))]


def test_case_rule() -> None:
    assert case_compatible("iPhone", "IPHONE")
    assert case_compatible("the world", "The World")
    assert not case_compatible("Will", "will")
    assert not case_compatible("New York", "new york")


def test_unusable_names_are_refused() -> None:
    index = NameIndex("en", min_chars=3, max_tokens=3,
                      stop_keys=name_keys(stop_names("en", "spacy", ()), "en"))
    assert not index.add("1984", "Q208460")          # no letter: dates/numbers are values
    assert not index.add("it", "Q1")                 # too short
    assert not index.add("can", "Q2")                # a stop word (spaCy's English list)
    assert not index.add("a b c d", "Q3")            # too many tokens
    assert index.add("Animal Farm", "Q147024")
    assert len(index) == 1


def test_chinese_substrings_longest_and_script_normalised() -> None:
    index = NameIndex("zh", min_chars=2)
    index.add("數學", "Q395")            # traditional label, simplified text
    index.add("数学家", "Q170790")
    index.add("art", "Q735")
    text = "数学家研究数学。start art"
    assert found(index, text) == [("数学", ("Q395",)), ("数学家", ("Q170790",)), ("数学", ("Q395",)),
                                  ("art", ("Q735",))]


def test_vocabulary_skips_names_that_cannot_occur() -> None:
    texts = ["Lincoln was a lawyer in Illinois."]
    index = NameIndex("en", min_chars=3, vocabulary=text_vocabulary(texts, "en"))
    assert index.add("lawyer", "Q40348")
    assert not index.add("politician", "Q82955")
    zh = NameIndex("zh", min_chars=2, vocabulary=text_vocabulary(["古埃及的数学"], "zh"))
    assert zh.add("數學", "Q395") and not zh.add("物理", "Q413")
