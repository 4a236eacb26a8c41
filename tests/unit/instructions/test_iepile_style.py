"""IEPile style: schema chunks, hard negatives in training only, chunk outputs that add up to the
record, and dev/test instructions that do not depend on the answer."""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

import pytest

from kg2instruction.instructions.formats import Entity, parse_entities, parse_relations
from kg2instruction.instructions.hard_negatives import build_hard_negatives
from kg2instruction.instructions.iepile_style import (IEPileStyle, candidate_labels,
                                                      iepile_instructions, schema_batches)
from kg2instruction.instructions.ids import NER_SUFFIX
from kg2instruction.instructions.records import record_entities, record_triples


# IEPile's rule: full chunks; a remainder of at least max(1, split_num // 2) labels is a chunk of
# its own, a shorter one joins the last chunk (7 labels by 5: remainder 2 >= 5 // 2 = 2 -> apart).
@pytest.mark.parametrize("n, split_num, sizes", [
    (8, 4, [4, 4]), (9, 4, [4, 5]), (10, 4, [4, 4, 2]), (11, 4, [4, 4, 3]), (3, 4, [3]),
    (15, 6, [6, 6, 3]), (14, 6, [6, 8]), (16, 6, [6, 6, 4]), (0, 4, []), (7, 5, [5, 2]),
    (6, 5, [6]), (5, 1, [1, 1, 1, 1, 1]),
])
def test_schema_batches_merge_a_short_last_batch(n, split_num, sizes):
    labels = [f"l{i}" for i in range(n)]
    batches = schema_batches(labels, split_num)
    assert [len(b) for b in batches] == sizes
    assert [x for b in batches for x in b] == labels


def test_candidates_are_positives_hard_negatives_and_a_few_random_ones():
    labels = [f"l{i}" for i in range(12)]
    hard = {"l0": ["l1", "l2"], "l5": ["l0", "l6"]}
    chosen = candidate_labels(["l0", "l5", "l0"], labels, hard, 2, random.Random(3))
    assert {"l0", "l5", "l1", "l2", "l6"} <= set(chosen)
    assert len(chosen) == len(set(chosen)) == 7


def _by_id(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["id"]].append(row)
    return grouped


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_batches_add_up_to_exactly_the_record_facts(lang, person, books, en_records, zh_records):
    records = en_records if lang == "en" else zh_records
    book = books[lang]
    hard = build_hard_negatives(person).translated(book.relations)
    style = IEPileStyle()
    rows = [row for r in records for row in iepile_instructions(r, book, hard, style)]
    grouped = _by_id(rows)
    for record in records:
        relation_rows = grouped[record["record_id"]]
        entity_rows = grouped[record["record_id"] + NER_SUFFIX]
        triples = [t for row in relation_rows
                   for t in parse_relations("json", row["output"]).triples]
        assert Counter(triples) == Counter(record_triples(record))
        entities = [e for row in entity_rows
                    for e in parse_entities("json", row["output"]).entities]
        assert Counter(entities) == Counter(record_entities(record))
        for row in relation_rows + entity_rows:
            instruction = json.loads(row["instruction"])
            assert set(instruction) == {"instruction", "schema", "input"}
            assert instruction["schema"] == row["labels"] and instruction["input"] == record["text"]
            assert list(json.loads(row["output"])) == row["labels"]   # keys in schema order
            assert len(row["labels"]) >= (2 if row["task"] == "RE" else 3)
        # the chunks share the record's id, are numbered in order, and all carry the record's
        # whole label (IEPile reads an id's label once and merges its chunks' answers)
        assert [r["chunk"] for r in relation_rows] == list(range(len(relation_rows)))
        assert [r["chunk"] for r in entity_rows] == list(range(len(entity_rows)))
        assert {r["label"] for r in relation_rows} == {json.dumps(
            record["relation"], ensure_ascii=False)}
        assert all(Counter(Entity(e["entity"], e["entity_type"]) for e in
                           json.loads(r["label"])) == Counter(record_entities(record))
                   for r in entity_rows)
        # the hard negatives of every present label are among the candidates
        listed = {label for row in relation_rows for label in row["labels"]}
        for label in {t.relation for t in record_triples(record)}:
            assert set(hard.get(label, ())) <= listed


def test_entity_batches_cover_all_theme_types(books, en_records):
    rows = iepile_instructions(en_records[0], books["en"], {}, IEPileStyle())
    types = [label for row in rows if row["task"] == "NER" for label in row["labels"]]
    assert sorted(types) == sorted(books["en"].entity_labels())


def test_chinese_iepile_prompts_are_chinese(person, books, zh_records):
    rows = iepile_instructions(zh_records[0], books["zh"], {}, IEPileStyle())
    for row in rows:
        prompt = json.loads(row["instruction"])["instruction"]
        assert "抽取" in prompt
        assert all(label in set(books["zh"].relation_labels()) | set(books["zh"].entity_labels())
                   for label in row["labels"])


def test_bad_split_num_is_refused():
    with pytest.raises(ValueError):
        IEPileStyle(relation_split_num=0)


def _test_copy(record, split="test"):
    return dict(record, split=split)


@pytest.mark.parametrize("split", ["test", "dev"])
def test_evaluation_chunks_show_the_whole_schema_whatever_the_answer(split, person, books,
                                                                     en_records):
    """A dev/test instruction must not leak the answer: the labels listed across a record's
    chunks are the theme's whole schema, cut the same way for every record."""
    book = books["en"]
    hard = build_hard_negatives(person).translated(book.relations)
    with_facts = [r for r in en_records if r["relation"]]
    first = next(r for r in with_facts)
    other = next(r for r in with_facts
                 if {t["relation"] for t in r["relation"]} != {t["relation"] for t in
                                                                first["relation"]})
    empty = next(r for r in en_records if not r["relation"])
    chunkings = []
    for record in (first, other, empty):
        rows = iepile_instructions(_test_copy(record, split), book, hard, IEPileStyle())
        relation = [r for r in rows if r["task"] == "RE"]
        entity = [r for r in rows if r["task"] == "NER"]
        listed = [label for r in relation for label in r["labels"]]
        assert listed == book.relation_labels()              # whole schema, theme order, once
        assert [label for r in entity for label in r["labels"]] == book.entity_labels()
        assert {r["id"] for r in relation} == {record["record_id"]}
        assert {r["id"] for r in entity} == {record["record_id"] + NER_SUFFIX}
        chunkings.append([r["labels"] for r in rows])
    assert chunkings[0] == chunkings[1] == chunkings[2]
    # 15 person relations by 4: 4 + 4 + 4 + 3 (remainder 3 >= 2 is a chunk of its own)
    assert [len(c) for c in chunkings[0][:4]] == [4, 4, 4, 3]


def test_training_chunks_keep_the_hard_negatives_and_differ_by_answer(person, books,
                                                                      en_records):
    book = books["en"]
    hard = build_hard_negatives(person).translated(book.relations)
    record = next(r for r in en_records if r["relation"])
    train = [r for r in iepile_instructions(record, book, hard, IEPileStyle())
             if r["task"] == "RE"]
    listed = {label for r in train for label in r["labels"]}
    present = {t["relation"] for t in record["relation"]}
    assert present <= listed and len(listed) < len(book.relation_labels())
