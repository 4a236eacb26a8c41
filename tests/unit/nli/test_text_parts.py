"""Premise extraction, template filling, length bucketing and label-order lookup."""
from __future__ import annotations

import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.nli.batching import length_buckets
from kg2instruction.nli.hypotheses import fill_template, fill_templates
from kg2instruction.nli.premise import extract_premise, sentence_spans
from kg2instruction.nli.scorer import entailment_index

# Real enwiki text (T-REx dev sentences of one page, joined as a paragraph).
DUBLIN = ("The reading of the proclamation by Patrick Pearse outside the General Post Office (GPO) "
          "on Sackville Street (now called O'Connell Street), Dublin's main thoroughfare, marked "
          "the beginning of the Rising. Dr. Kathleen Lynn treated the wounded at St. Stephen's "
          "Green. Pearse was executed in Kilmainham Gaol in May 1916.")
ZH = "郭沫若出生于四川乐山。他后来留学日本！一九七八年在北京逝世。"


def offsets(text: str, surface: str) -> tuple[int, int]:
    start = text.index(surface)
    return start, start + len(surface)


def test_sentences_do_not_split_at_abbreviations() -> None:
    spans = sentence_spans(DUBLIN, "en")
    sentences = [DUBLIN[s:e].strip() for s, e in spans]
    assert len(sentences) == 3
    assert sentences[1] == "Dr. Kathleen Lynn treated the wounded at St. Stephen's Green."


def test_premise_spans_from_first_to_second_mention_sentence() -> None:
    one = extract_premise(DUBLIN, "en", [offsets(DUBLIN, "Patrick Pearse"),
                                         offsets(DUBLIN, "Dublin")])
    assert one.startswith("The reading") and one.endswith("the Rising.")
    two = extract_premise(DUBLIN, "en", [offsets(DUBLIN, "Kilmainham Gaol"),
                                         offsets(DUBLIN, "Kathleen Lynn")])
    assert two.startswith("Dr. Kathleen") and two.endswith("May 1916.")
    assert extract_premise(DUBLIN, "en", [offsets(DUBLIN, "Dublin")], "paragraph") == DUBLIN


def test_implicit_subject_uses_the_tail_sentence_only() -> None:
    assert extract_premise(DUBLIN, "en", [offsets(DUBLIN, "Kilmainham Gaol")]) == \
        "Pearse was executed in Kilmainham Gaol in May 1916."


def test_chinese_sentences() -> None:
    assert extract_premise(ZH, "zh", [offsets(ZH, "郭沫若"), offsets(ZH, "日本")]) == \
        "郭沫若出生于四川乐山。他后来留学日本！"
    assert len(sentence_spans(ZH, "zh")) == 3


def test_templates_fill_both_placeholders_once() -> None:
    assert fill_template("[X] was born in [Y] .", "Guido Calza", "Milan") == \
        "Guido Calza was born in Milan."
    assert fill_template("[X]出生于[Y]。", "郭沫若", "乐山") == "郭沫若出生于乐山。"
    assert fill_template("[Y] is another name for [X].", "A [Y] b", "c") == \
        "C is another name for A [Y] b."
    assert fill_templates(["[X] died in [Y].", "[X] died in [Y] ."], "a", "b") == ["A died in b."]


def test_length_buckets_group_similar_lengths_within_limits() -> None:
    lengths = [5, 50, 6, 48, 7, 49, 200]
    batches = length_buckets(lengths, max_batch_size=3, max_batch_tokens=160)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert batches[0] == [6]                               # over-long item alone
    assert all(len(b) <= 3 and max(lengths[i] for i in b) * len(b) <= 160
               for b in batches if len(b) > 1)
    assert {frozenset(b) for b in batches} >= {frozenset({1, 3, 5}), frozenset({0, 2, 4})}


@pytest.mark.parametrize("id2label, expected", [
    ({0: "entailment", 1: "neutral", 2: "contradiction"}, 0),
    ({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}, 2),
    ({"0": "not_entailment", "1": "entailment"}, 1),
])
def test_entailment_index_is_read_from_id2label(id2label, expected) -> None:
    assert entailment_index(id2label) == expected


def test_model_without_entailment_label_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="LABEL_0"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"}, "some/model")
