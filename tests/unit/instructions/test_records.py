"""InstructIE records: labels and types in the record's language, distinct facts, provenance."""
from __future__ import annotations

import re

import pytest

from kg2instruction.instructions.records import (LabelBook, build_record, from_instructie,
                                                 records_table, to_instructie)
from tests.unit.instructions.real_tables import FIXTURES, chinese_rows

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_chinese_records_carry_chinese_labels_types_and_theme_name(zh_records, person):
    zh_labels = set(person.labels("zh"))
    assert zh_records and all(r["cate"] == "人物" and r["lang"] == "zh" for r in zh_records)
    for record in zh_records:
        for rel in record["relation"]:
            assert rel["relation"] in zh_labels
            assert CJK.search(rel["head_type"]) and CJK.search(rel["tail_type"])
        for entity in record["entity"]:
            assert CJK.search(entity["entity_type"])


def test_record_of_the_meiji_paragraph_matches_its_source(zh_records):
    """The InstructIE sample annotates 明治天皇's parents, spouse relations and alias."""
    meiji = next(r for r in zh_records if "明治天皇" in r["text"])
    facts = {(r["head"], r["relation"], r["tail"]) for r in meiji["relation"]}
    assert facts == {("明治天皇", "别名", "睦仁"), ("明治天皇", "父母", "孝明天皇"),
                     ("明治天皇", "父母", "英照皇太后"), ("明治天皇", "父母", "权大纳言"),
                     ("孝明天皇", "配偶", "英照皇太后"), ("孝明天皇", "配偶", "权大纳言")}
    # entities: typed ends in the theme's NER categories, in text order
    assert [e["entity"] for e in meiji["entity"]][:2] == ["明治天皇", "孝明天皇"]
    assert len(meiji["provenance"]) == 6


def test_duplicate_triples_become_one_fact_but_keep_all_provenance(person, books):
    paragraphs, triples = chinese_rows(person)
    first = paragraphs[0]
    mine = [t for t in triples if t["paragraph_id"] == first["paragraph_id"]]
    twice = mine + [dict(mine[0], triple_id=mine[0]["triple_id"] + "-again")]
    record = build_record(first, twice, books["zh"], page_key="k", split="dev")
    assert len(record["relation"]) == len(mine)
    assert len(record["provenance"]) == len(mine) + 1
    assert record["split"] == "dev" and record["page_key"] == "k"


def test_a_label_outside_the_theme_is_refused(person, books):
    paragraphs, triples = chinese_rows(person)
    bad = dict(triples[0], relation="founded by")
    first = next(p for p in paragraphs if p["paragraph_id"] == bad["paragraph_id"])
    with pytest.raises(ValueError, match="founded by"):
        build_record(first, [bad], books["zh"], page_key="k", split="train")


def test_records_round_trip_through_arrow_and_the_instructie_shape(zh_records):
    table = records_table(zh_records)
    back = table.to_pylist()
    assert back == zh_records
    released = to_instructie(back[0])
    assert set(released) == {"id", "cate", "text", "relation", "entity", "lang"}


def test_released_instructie_records_are_read(fixtures_dir):
    import json

    obj = json.loads((FIXTURES / "instructie" / "example_zh.json").read_text(encoding="utf-8"))
    record = from_instructie(obj, lang="zh", theme="geographic_location")
    assert record["record_id"] == obj["id"] and len(record["relation"]) == 5
    assert record["relation"][0]["relation"] == "面积"


def test_label_book_lists_candidates_in_both_languages(books, person):
    assert books["en"].relation_labels() == person.labels("en")
    assert books["zh"].relation_labels() == person.labels("zh")
    assert "人物" in books["zh"].entity_labels() and "human" in books["en"].entity_labels()
    assert isinstance(books["en"], LabelBook)


def test_typed_mentions_add_entities_of_the_theme_categories_only(person, books):
    paragraphs, triples = chinese_rows(person)
    meiji = next(p for p in paragraphs if "明治天皇" in p["text"])
    mine = [t for t in triples if t["paragraph_id"] == meiji["paragraph_id"]]
    text = meiji["text"]

    def mention(surface, source, qid, types):
        start = text.index(surface)
        return {"surface": surface, "start": start, "source": source, "qid": qid,
                "types": types}

    mentions = [mention("嘉永五年11月3日", "time", None, ["time"]),       # a date: time
                mention("储君", "ner", None, ["human"]),                 # unlinked: not trusted
                mention("皇子", "link", "Q171341", ["other"]),           # linked, not a theme type
                mention("明治天皇", "link", "Q82576", ["human"])]        # also a triple end
    record = build_record(meiji, mine, books["zh"], page_key="k", split="train",
                          mentions=mentions)
    entities = [(e["entity"], e["entity_type"]) for e in record["entity"]]
    assert entities[0] == ("嘉永五年11月3日", "时间")                      # text order
    assert all(e not in ("储君", "皇子") for e, _ in entities)
    assert entities.count(("明治天皇", "人物")) == 1                      # one entity, not two
    assert record["entity_category"][0] == "time"
