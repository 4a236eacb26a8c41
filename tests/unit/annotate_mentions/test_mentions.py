"""Mention identification on real sample paragraphs, with the sample KG and real NER models."""
from __future__ import annotations

import re
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kg2instruction.annotate.mentions import (MentionConfig, annotate_mentions, identify_mentions,
                                              run_ner)
from kg2instruction.errors import ConfigError, InputError
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.ner import NerModel
from kg2instruction.schemas import MENTIONS, PARAGRAPHS

from .conftest import pages, paragraph_with

TITLES = ["Abraham Lincoln", "Autism"]


@pytest.fixture(scope="module")
def sample(en_paragraphs: pa.Table, spacy_ner: NerModel) -> tuple[pa.Table, list]:
    paragraphs = pages(en_paragraphs, TITLES)
    return paragraphs, run_ner(paragraphs, {"en": spacy_ner})


@pytest.fixture(scope="module")
def annotated(sample, kg: DuckDBKG) -> tuple[pa.Table, Counter]:
    paragraphs, spans = sample
    return annotate_mentions(paragraphs, spans, kg, MentionConfig())


def mentions_of(table: pa.Table, paragraph_id: str) -> list[dict]:
    return table.filter(pc.equal(table["paragraph_id"], paragraph_id)).to_pylist()


def test_output_is_the_mentions_schema_with_exact_surfaces(sample, annotated) -> None:
    paragraphs, _ = sample
    mentions, counts = annotated
    assert mentions.schema == MENTIONS
    texts = dict(zip(paragraphs["paragraph_id"].to_pylist(), paragraphs["text"].to_pylist()))
    for m in mentions.to_pylist():
        assert texts[m["paragraph_id"]][m["start"]:m["end"]] == m["surface"]
        assert m["mention_id"] == f"{m['paragraph_id']}:{m['start']}-{m['end']}"
    assert counts["paragraphs"] == paragraphs.num_rows
    assert counts["mentions"] == mentions.num_rows


def test_every_link_is_a_gold_mention(sample, annotated) -> None:
    paragraphs, _ = sample
    mentions, _ = annotated
    links = {(r["paragraph_id"], link["start"], link["end"], link["anchor"], link["resolved"])
             for r in paragraphs.to_pylist() for link in r["links"]}
    found = {(m["paragraph_id"], m["start"], m["end"], m["surface"], m["link_target"])
             for m in mentions.to_pylist() if m["source"] == "link"}
    assert links and found == links


def test_page_subject_and_its_later_repeats(sample, annotated) -> None:
    paragraphs, _ = sample
    mentions, _ = annotated
    lead = paragraph_with(paragraphs, "Abraham Lincoln", "February 12, 1809")["paragraph_id"][0].as_py()
    subject = [m for m in mentions_of(mentions, lead) if m["source"] == "subject"]
    assert [(m["surface"], m["link_target"]) for m in subject] == [("Abraham Lincoln", "Abraham Lincoln")]
    later = paragraph_with(paragraphs, "Abraham Lincoln", "Lincoln grew up")["paragraph_id"][0].as_py()
    repeats = [m for m in mentions_of(mentions, later) if m["source"] == "repeat"]
    assert ("Lincoln", "Abraham Lincoln") in {(m["surface"], m["link_target"]) for m in repeats}


def test_repeats_of_anchors_later_in_the_paragraph(sample, annotated) -> None:
    """Links mark only the first mention: a later identical anchor is a repeat of the same target."""
    paragraphs, _ = sample
    mentions, _ = annotated
    by_span = {(m["paragraph_id"], m["start"]): m for m in mentions.to_pylist()}
    checked = 0
    for row in paragraphs.to_pylist():
        for link in row["links"]:
            for hit in re.finditer(rf"\b{re.escape(link['anchor'])}\b", row["text"][link["end"]:]):
                start = link["end"] + hit.start()
                m = by_span.get((row["paragraph_id"], start))
                if m is not None and m["source"] == "repeat" and m["surface"] == link["anchor"]:
                    assert m["link_target"] == link["resolved"]
                    checked += 1
    assert checked >= 3


def test_neighbour_labels_find_what_ner_misses(sample, annotated, kg: DuckDBKG) -> None:
    """"lawyer" is Lincoln's occupation (P106) in the KG; no NER model tags it."""
    paragraphs, _ = sample
    mentions, _ = annotated
    pid = paragraph_with(paragraphs, "Abraham Lincoln", "he became a lawyer in Illinois")["paragraph_id"][0].as_py()
    lawyer = [m for m in mentions_of(mentions, pid) if m["surface"] == "lawyer"]
    assert [(m["source"], m["qid"]) for m in lawyer] == [("neighbour", "Q40348")]
    lincoln = [c.qid for c in kg.candidates(["Abraham Lincoln"], "en")["Abraham Lincoln"]]
    assert any(nb.qid == "Q40348" and nb.pid == "P106"
               for q in lincoln for nb in kg.neighbours([q], "en").get(q, []))


def test_dates_become_value_mentions_and_numbers_are_dropped_by_config(sample, annotated, kg) -> None:
    paragraphs, spans = sample
    mentions, counts = annotated
    rows = mentions.to_pylist()
    assert ("February 12, 1809", "time", "1809-02-12") in {(m["surface"], m["source"], m["value"]) for m in rows}
    assert not any(m["ner_label"] in ("CARDINAL", "ORDINAL", "PERCENT", "MONEY") for m in rows)
    assert counts["dropped.ner_label.CARDINAL"] > 0
    keep_all, kept_counts = annotate_mentions(paragraphs, spans, kg, MentionConfig(drop_ner_labels=()))
    cardinals = [m for m in keep_all.to_pylist() if m["ner_label"] == "CARDINAL"]
    assert cardinals and all(m["source"] == "ner" for m in cardinals)
    assert "dropped.ner_label.CARDINAL" not in kept_counts


def test_value_kinds_are_configuration(sample, kg) -> None:
    paragraphs, spans = sample
    config = MentionConfig(value_ner_labels={"QUANTITY": "quantity"})   # DATE no longer a value
    rows, _ = annotate_mentions(paragraphs, spans, kg, config)
    dates = [m for m in rows.to_pylist() if m["ner_label"] == "DATE"]
    assert dates and all(m["source"] == "ner" and m["value"] is None for m in dates)


def test_same_output_twice_and_whatever_the_row_order(sample, annotated, kg) -> None:
    paragraphs, spans = sample
    mentions, _ = annotated
    again, _ = annotate_mentions(paragraphs, spans, kg, MentionConfig())
    assert again.equals(mentions)
    order = list(range(paragraphs.num_rows))[::-1]
    reversed_rows, _ = annotate_mentions(paragraphs.take(order), [spans[i] for i in order], kg,
                                         MentionConfig())
    assert reversed_rows.sort_by("mention_id").equals(mentions.sort_by("mention_id"))


def test_chinese_paragraphs_with_lac(zh_paragraphs: pa.Table, lac_ner: NerModel, kg: DuckDBKG) -> None:
    mentions, counts = identify_mentions(zh_paragraphs, kg, {"zh": lac_ner}, MentionConfig())
    rows = mentions.to_pylist()
    assert counts["mentions.link"] == sum(len(links) for links in zh_paragraphs["links"].to_pylist())
    assert ("数学", "subject") in {(m["surface"], m["source"]) for m in rows}
    assert any(m["source"] == "repeat" and m["surface"] == "数学" and m["link_target"] == "数学"
               for m in rows)
    assert any(m["source"] == "time" for m in rows)


def test_a_link_whose_offsets_miss_its_anchor_names_the_paragraph(sample, kg) -> None:
    paragraphs, _ = sample
    row = paragraphs.slice(0, 1).to_pylist()[0]
    row["links"][0] = {**row["links"][0], "start": row["links"][0]["start"] + 1}
    broken = pa.Table.from_pylist([row], schema=PARAGRAPHS)
    with pytest.raises(InputError, match=re.escape(row["paragraph_id"])):
        annotate_mentions(broken, [[]], kg, MentionConfig())


def test_a_language_without_ner_model_is_a_config_error(sample, kg) -> None:
    paragraphs, _ = sample
    with pytest.raises(ConfigError, match="no NER model"):
        identify_mentions(paragraphs, kg, {}, MentionConfig())


@pytest.mark.parametrize("bad", [{"overlap_priority": ["link", "ner"]}, {"repeat_scope": "book"},
                                 {"drop_labels": ["CARDINAL"]}])
def test_bad_config_is_rejected(bad: dict) -> None:
    with pytest.raises(ValueError):
        MentionConfig(**bad)


def test_a_latin_name_inside_a_longer_latin_phrase_of_chinese_text_is_no_mention(
        kg: DuckDBKG, lac_ner: NerModel) -> None:
    """"Thrash" is one of the KG's names of thrash metal (Q483352), the page's subject, and LAC
    tags it, and "Metal", as names; in "（Thrash Metal，或称激流金属）" each is only part of the
    Latin name, and a name read from either would be wrong. The Chinese names stay."""
    text = "敲击金属（Thrash Metal，或称激流金属）属于重金属音乐中之一分支。敲击金属起源于美国。"
    row = {"paragraph_id": "zh:1:0", "page_id": "zh:1", "rev_id": None, "lang": "zh",
           "title": "敲击金属", "page_qid": "Q483352", "section": "", "index": 0, "text": text,
           "links": [], "subject_spans": [], "source": "test"}
    names = [*kg.labels(["Q483352"], "zh").values(), *kg.aliases(["Q483352"], "zh")["Q483352"],
             *kg.aliases(["Q483352"], "en")["Q483352"]]
    assert "thrash" in {n.lower() for n in names}   # the KG name the rule must refuse here
    paragraphs = pa.Table.from_pylist([row], schema=PARAGRAPHS)
    spans = run_ner(paragraphs, {"zh": lac_ner})
    assert {text[s.start:s.end] for s in spans[0]} >= {"Thrash", "Metal"}
    mentions, counts = annotate_mentions(paragraphs, spans, kg, MentionConfig())
    surfaces = {m["surface"] for m in mentions.to_pylist()}
    assert not surfaces & {"Thrash", "Metal"} and {"敲击金属", "激流金属"} <= surfaces
    assert counts["dropped.inside_latin_phrase.ner"] == 2
