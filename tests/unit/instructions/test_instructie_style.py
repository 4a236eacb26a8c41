"""InstructIE style: instructions in the release's instruction form, compared with its examples.

The official examples (tests/fixtures/instructie/, see SOURCE.md) fix the shape: train records
``{"instruction", "output"}`` (example_{en,zh}_ins.json), test records ``{"id", "cate",
"instruction", "label"}`` (example_en_test_ins.json), the instruction a JSON string
``{"instruction", "schema", "input"}`` and the output a JSON string ``{label: [{"subject",
"object"}]}``. Each example record is put through our generator with the example's own schema,
and the shape of what we export (key order at every level, value types) must equal the example's.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kg2instruction.instructions.export_files import instruction_files
from kg2instruction.instructions.formats import Triple, parse_relations
from kg2instruction.instructions.instructie_style import (INSTRUCTIE_PROMPTS, InstructIEStyle,
                                                          instructie_instructions)
from kg2instruction.instructions.records import LabelBook, from_instructie, record_triples

INSTRUCTIE = Path(__file__).resolve().parents[2] / "fixtures" / "instructie"


def shape(value: Any) -> Any:
    """The structure of a JSON value: object keys in order with their values' shapes, the set of
    element shapes of an array, JSON strings decoded, scalar type names otherwise."""
    if isinstance(value, dict):
        return ("object", tuple((k, shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", frozenset(shape(v) for v in value))
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return ("json string", shape(json.loads(value)))
        except ValueError:
            pass
    return type(value).__name__


def _one(name: str) -> dict:
    (line,) = [x for x in (INSTRUCTIE / name).read_text("utf-8").splitlines() if x.strip()]
    return json.loads(line)


def _example(lang: str, split: str) -> tuple[dict, LabelBook, dict]:
    """Our record and label book for the example of `lang`, with the example's own schema."""
    released = _one(f"example_{lang}.json")
    schema = json.loads(_one(f"example_{lang}_ins.json")["instruction"])["schema"]
    book = LabelBook(lang=lang, theme=released["cate"], cate=released["cate"],
                     relations={label: label for label in schema}, categories={},
                     entity_categories=())
    record = from_instructie(released, lang=lang, theme=released["cate"], split=split)
    return record, book, released


def _published(record: dict, book: LabelBook, split: str) -> list[dict]:
    rows = instructie_instructions(record, book, InstructIEStyle())
    (file,) = instruction_files("instructie", split, rows)
    assert file.stem == f"instructie/{split}"
    return file.rows


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("split", ["train", "dev"])
def test_train_and_dev_records_have_the_shape_of_the_release_examples(lang, split):
    record, book, _ = _example(lang, split)
    expected = _one(f"example_{lang}_ins.json")
    (ours,) = _published(record, book, split)      # the whole schema in one instruction
    assert shape(ours) == shape(expected)
    assert list(ours) == list(expected) == ["instruction", "output"]
    instruction, theirs = json.loads(ours["instruction"]), json.loads(expected["instruction"])
    assert instruction == theirs   # same task statement, schema (theme order) and input, verbatim
    output, their_output = json.loads(ours["output"]), json.loads(expected["output"])
    assert list(output) == list(their_output) == instruction["schema"]
    # the same pairs under every label (the release orders two pairs of one label its own way)
    assert {k: Counter(map(json.dumps, v)) for k, v in output.items()} == \
        {k: Counter(map(json.dumps, v)) for k, v in their_output.items()}


def test_the_english_example_is_reproduced_byte_for_byte():
    record, book, _ = _example("en", "train")
    (ours,) = _published(record, book, "train")
    assert json.dumps(ours, ensure_ascii=False) == \
        (INSTRUCTIE / "example_en_ins.json").read_text("utf-8").strip()


def test_test_records_have_the_shape_of_the_release_test_example():
    record, book, released = _example("en", "test")
    expected = _one("example_en_test_ins.json")
    rows = _published(record, book, "test")
    # 8 labels by 4: two chunks, in schema order, both with the record's id and whole label
    assert [json.loads(r["instruction"])["schema"] for r in rows] == \
        [list(book.relations)[:4], list(book.relations)[4:]]
    for ours in rows:
        assert shape(ours) == shape(expected)
        assert list(ours) == ["id", "cate", "instruction", "label"]
        assert ours["id"] == expected["id"] and ours["cate"] == expected["cate"]
        assert ours["label"] == expected["label"] == released["relation"]
        assert list(json.loads(ours["instruction"])) == ["instruction", "schema", "input"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_test_chunks_cover_the_theme_schema_whatever_the_answer(lang, books, en_records,
                                                                zh_records):
    records = en_records if lang == "en" else zh_records
    book = books[lang]
    chunkings = set()
    for record in records[:20]:
        rows = instructie_instructions(dict(record, split="test"), book, InstructIEStyle())
        assert [r["chunk"] for r in rows] == list(range(len(rows)))
        assert {r["id"] for r in rows} == {record["record_id"]} and {r["task"] for r in rows} \
            == {"RE"}
        assert [label for r in rows for label in r["labels"]] == book.relation_labels()
        chunkings.add(tuple(tuple(r["labels"]) for r in rows))
        triples = [t for r in rows for t in parse_relations("json", r["output"]).triples]
        assert Counter(triples) == Counter(record_triples(record))
        for r in rows:
            assert json.loads(r["instruction"])["instruction"] == INSTRUCTIE_PROMPTS[lang]
    assert len(chunkings) == 1   # the same cut for every record, answers or none


def test_training_records_list_the_whole_schema_in_one_instruction(books, en_records):
    for record in en_records[:10]:
        (row,) = instructie_instructions(record, books["en"], InstructIEStyle())
        assert row["labels"] == books["en"].relation_labels() and row["chunk"] == 0
        assert Counter(parse_relations("json", row["output"]).triples) == \
            Counter(Triple.from_record(t) for t in record["relation"])


def test_no_relation_labels_no_instruction(books, en_records):
    book = LabelBook(lang="en", theme="t", cate="T", relations={}, categories={},
                     entity_categories=())
    assert instructie_instructions(en_records[0], book, InstructIEStyle()) == []


def test_bad_split_num_is_refused():
    with pytest.raises(ValueError):
        InstructIEStyle(split_num=0)
