"""Varied style (phrasing pool x formats): every output parses back to the record's facts, every
format and language."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace

import pytest

from kg2instruction.instructions.formats import OutputFormat, parse_entities, parse_relations
from kg2instruction.instructions.varied_style import VariedStyle, varied_instructions
from kg2instruction.instructions.phrasings import DEFAULT_PHRASINGS
from kg2instruction.instructions.records import record_entities, record_triples

CJK = re.compile(r"[\u4e00-\u9fff]")


def _rows(records, books, style, lang):
    return [row for r in records for row in varied_instructions(r, books[lang], style)]


@pytest.mark.parametrize("fmt", list(OutputFormat))
@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_output_parses_back_to_exactly_the_record_facts(fmt, nan, lang, books,
                                                              en_records, zh_records):
    records = en_records if lang == "en" else zh_records
    style = VariedStyle(formats=(fmt,), nan_rate=1.0 if nan else 0.0)
    by_id = {r["record_id"]: r for r in records}
    rows = _rows(records, books, style, lang)
    assert len(rows) == 2 * len(records)
    for row in rows:
        record = by_id[row["record_id"]]
        if row["task"] == "RE":
            parsed = parse_relations(fmt, row["output"])
            expected = record_triples(record)
            got = parsed.triples
        else:
            parsed = parse_entities(fmt, row["output"])
            expected = record_entities(record)
            got = parsed.entities
        assert parsed.ok, (row["output"], parsed.error)
        assert Counter(got) == Counter(expected)
        label = json.loads(row["label"])   # the record's own entries, types included
        assert label == (record["relation"] if row["task"] == "RE" else record["entity"])
        assert row["nan"] is nan and row["format"] == fmt.value and row["style"] == "varied"


def test_output_follows_the_random_label_order_of_the_instruction(books, en_records):
    style = VariedStyle(formats=(OutputFormat.TUPLE,), nan_rate=1.0)
    orders = set()
    for row in _rows(en_records[:40], books, style, "en"):
        if row["task"] != "RE":
            continue
        orders.add(tuple(row["labels"]))
        assert sorted(row["labels"]) == sorted(books["en"].relation_labels())
        listed = json.loads(row["prompt"][row["prompt"].index("["):row["prompt"].index("]") + 1])
        assert listed == row["labels"]
        # with NAN every label has a line, so the output's label sequence is the listed order
        seen = list(dict.fromkeys(_label_of_tuple_line(line) for line in row["output"].split("\n")))
        assert seen == row["labels"]
    assert len(orders) > 30  # the order really is shuffled per record


def _label_of_tuple_line(line: str) -> str:
    if line.startswith("(NAN, ") and line.endswith(", NAN)"):
        return line[len("(NAN, "):-len(", NAN)")]
    (triple,) = parse_relations(OutputFormat.TUPLE, line).triples
    return triple.relation


def test_nan_variant_marks_absent_labels_and_plain_variant_omits_them(books, zh_records):
    record = zh_records[0]
    n_labels = len(books["zh"].relation_labels())
    present = {r["relation"] for r in record["relation"]}
    with_nan = varied_instructions(record, books["zh"],
                                       VariedStyle(formats=(OutputFormat.COLON,),
                                                       nan_rate=1.0))[0]
    without = varied_instructions(record, books["zh"],
                                      VariedStyle(formats=(OutputFormat.COLON,),
                                                      nan_rate=0.0))[0]
    assert with_nan["output"].count("NAN") == n_labels - len(present)
    assert "NAN" not in without["output"]
    assert "NAN" in with_nan["prompt"]


def test_draws_are_seeded_and_cover_every_phrasing_and_format(books, en_records):
    style = VariedStyle()
    first = _rows(en_records, books, style, "en")
    assert _rows(en_records, books, style, "en") == first
    assert _rows(en_records, books, replace(style, seed=14), "en") != first
    relation_rows = [r for r in first if r["task"] == "RE"]
    pool = DEFAULT_PHRASINGS.pool("relation", "en")
    combos = {(next(i for i, p in enumerate(pool) if r["prompt"].startswith(p[:20])), r["format"])
              for r in relation_rows}
    assert len(combos) >= 16


def test_chinese_records_give_chinese_instructions_labels_and_outputs(books, zh_records):
    zh_labels = set(books["zh"].relation_labels())
    for row in _rows(zh_records, books, VariedStyle(nan_rate=0.5), "zh"):
        assert CJK.search(row["prompt"]) and row["instruction"].endswith(row["input"])
        assert "文本：" in row["instruction"]
        if row["task"] == "RE":
            assert set(row["labels"]) == zh_labels
            assert CJK.search(row["output"])


def test_a_theme_without_entity_types_gives_no_ner_instruction(books, en_records):
    book = replace(books["en"], entity_categories=())
    rows = varied_instructions(en_records[0], book, VariedStyle())
    assert [r["task"] for r in rows] == ["RE"]


def test_bad_style_settings_are_refused():
    with pytest.raises(ValueError):
        VariedStyle(formats=())
    with pytest.raises(ValueError):
        VariedStyle(nan_rate=1.5)
