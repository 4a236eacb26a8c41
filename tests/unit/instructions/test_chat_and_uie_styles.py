"""InstructUIE, YAYI-UIE and IEInstruct styles: what is published for a real fixture record,
compared with the record written out by hand, field by field, from the formats' rules (see the style
modules' docstrings for what each matches)."""
from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

from kg2instruction.instructions.export_files import instruction_files
from kg2instruction.instructions.guidelines import relation_guidelines
from kg2instruction.instructions.ieinstruct_style import (DemonstrationPool, IEInstructStyle,
                                                          ieinstruct_instructions)
from kg2instruction.instructions.instructuie_style import (InstructUIEStyle,
                                                           instructuie_instructions)
from kg2instruction.instructions.yayi_style import YayiStyle, yayi_instructions
from kg2instruction.stages.make_instructions import MakeInstructionsConfig

EN_ID = "en:095016a00cb5fb49:0"     # "Achiel Buysse (1918–1984) was a Belgian cyclist."
ZH_ID = "zh:1000271:0"              # 刘恺威 / 杨幂 / 小糯米
EN_TEXT = "Achiel Buysse (1918–1984) was a Belgian cyclist."
ZH_TEXT = "1月19日，刘恺威证实杨幂已怀孕3个多月；6月1日，杨幂在香港产下了女儿小糯米。"
EN_RELATIONS = ("alternative name, ancestral home, country of citizenship, place of birth, "
                "place of death, date of birth, date of death, work, occupation, position held, "
                "achievement, member of, parent, spouse, sibling")
ZH_RELATIONS = "别名, 籍贯, 国籍, 出生地点, 死亡地点, 出生日期, 死亡日期, 作品, 职业, 职务, 成就, 所属组织, 父母, 配偶, 兄弟姊妹"
EN_TYPES = "human, geographic region, organization, organism, product, time"
ZH_TYPES = "人物, 地理地区, 组织, 生物, 产品, 时间"


def _record(records: list[dict[str, Any]], rid: str, text: str) -> dict[str, Any]:
    (record,) = [r for r in records if r["record_id"] == rid]
    assert record["text"] == text     # the fixture is the one the expected records were made from
    return record


def _published(style: str, rows: list[dict[str, Any]], split: str = "train") -> list[dict]:
    (file,) = instruction_files(style, split, rows)
    return file.rows


def test_instructuie_record_of_an_english_fixture_record(en_records, books):
    record = _record(en_records, EN_ID, EN_TEXT)
    got = _published("instructuie", instructuie_instructions(record, books["en"],
                                                             InstructUIEStyle()))
    assert got == [
        {"id": EN_ID, "Task": "RE", "Dataset": "kg2instruction_person_en", "subset": "train",
         "sentence": EN_TEXT,
         "instruction": "Identify which of the listed relations the text expresses and between "
                        "which entities. Answer as \"relation1: head1, tail1; relation2: head2, "
                        "tail2\", or \"None\" if it expresses none. \nOption: " + EN_RELATIONS
                        + " \nText: " + EN_TEXT + " \nAnswer:",
         "label": " country of citizenship: Achiel Buysse, Belgian",
         "ground_truth": " country of citizenship: Achiel Buysse, Belgian"},
        {"id": EN_ID + "/ner", "Task": "NER", "Dataset": "kg2instruction_person_en",
         "subset": "train", "sentence": EN_TEXT,
         "instruction": "Given the entity type options, tag the matching entities of the text. "
                        "Output format: \"type1: entity1; type2: entity2\", or \"None\" if there "
                        "is none. \nOption: " + EN_TYPES + " \nText: " + EN_TEXT + " \nAnswer:",
         "label": " human: Achiel Buysse; geographic region: Belgian",
         "ground_truth": " human: Achiel Buysse; geographic region: Belgian"},
    ]


def test_instructuie_chinese_record_and_an_empty_answer(zh_records, books):
    record = _record(zh_records, ZH_ID, ZH_TEXT)
    re_row, ner_row = _published("instructuie", instructuie_instructions(
        record, books["zh"], InstructUIEStyle()))
    assert re_row["instruction"] == (
        "找出文本中由给定关系之一相连的所有实体对，答案格式为\"关系1: 头实体1, 尾实体1; 关系2: 头实体2, 尾实体2\"。"
        " \nOption: " + ZH_RELATIONS + " \nText: " + ZH_TEXT + " \nAnswer:")
    assert re_row["label"] == " 配偶: 刘恺威, 杨幂; 父母: 小糯米, 刘恺威; 父母: 小糯米, 杨幂; 出生日期: 小糯米, 6月1日"
    assert ner_row["label"] == " 人物: 刘恺威; 人物: 杨幂; 时间: 6月1日; 人物: 小糯米"
    empty = {**record, "relation": [], "entity": []}
    answers = [r["label"] for r in _published("instructuie", instructuie_instructions(
        empty, books["zh"], InstructUIEStyle()))]
    assert answers == [" None", " None"]


def test_yayi_record_of_a_chinese_fixture_record(zh_records, books):
    record = _record(zh_records, ZH_ID, ZH_TEXT)
    got = _published("yayi", yayi_instructions(record, books["zh"], YayiStyle()))
    system = {"role": "system", "content": "你是从文本中抽取结构化信息的助手。请按指令要求，只输出所需的JSON。"}
    assert got == [
        {"id": ZH_ID, "task": "RE", "lang": "zh", "messages": [
            system,
            {"role": "user", "content": "文本：" + ZH_TEXT + "\n【关系抽取】候选关系列表是[" + ZH_RELATIONS
             + "]。请根据关系列表抽取文本陈述的关系三元组，以json[{\"relation\": \"\", \"head\": \"\", "
             "\"tail\": \"\"}]格式输出，没有则输出[]。"},
            {"role": "assistant", "content":
             '[{"relation": "配偶", "head": "刘恺威", "tail": "杨幂"}, '
             '{"relation": "父母", "head": "小糯米", "tail": "刘恺威"}, '
             '{"relation": "父母", "head": "小糯米", "tail": "杨幂"}, '
             '{"relation": "出生日期", "head": "小糯米", "tail": "6月1日"}]'}]},
        {"id": ZH_ID + "/ner", "task": "NER", "lang": "zh", "messages": [
            system,
            {"role": "user", "content": "文本：" + ZH_TEXT + "\n【实体抽取】实体类型列表是[" + ZH_TYPES
             + "]。请抽取文本中属于这些类型的实体，以json{类型: [实体]}格式输出，只列出出现的类型，没有则输出{}。"},
            {"role": "assistant", "content": '{"人物": ["刘恺威", "杨幂", "小糯米"], "时间": ["6月1日"]}'}]},
    ]


def test_yayi_english_instruction_and_empty_answers(en_records, books):
    record = {**_record(en_records, EN_ID, EN_TEXT), "relation": [], "entity": []}
    re_row, ner_row = _published("yayi", yayi_instructions(record, books["en"], YayiStyle()))
    assert re_row["messages"][1]["content"].startswith(
        "Text: " + EN_TEXT + "\n【Relation Extraction】The candidate relations are [alternative "
        "name, ancestral home,")
    assert [re_row["messages"][2]["content"], ner_row["messages"][2]["content"]] == ["[]", "{}"]
    assert json.loads(ner_row["messages"][2]["content"]) == {}


def test_ieinstruct_records_of_an_english_fixture_record(en_records, books, person):
    record = _record(en_records, EN_ID, EN_TEXT)
    demo_id = "en:001fa50968b84189:0"
    demo = _record(en_records, demo_id, "Christoph Studer is a former Swiss slalom canoeist who "
                   "competed from the late 1970s to the mid-1980s.")
    pool = DemonstrationPool.of([record, demo])     # the record itself is never its own demo
    rows = ieinstruct_instructions(record, books["en"], IEInstructStyle(shots=(1,)), pool,
                                   relation_guidelines(person, "en"))
    got = _published("ieinstruct", rows)
    statement = (
        "Extract the relation triples stated in the text. Candidate relations: ["
        + EN_RELATIONS + "].\nGuidelines:\n"
        "- alternative name: <subject> is also known as <object>.\n"
        "- ancestral home: <subject>'s ancestral home is <object>.\n"
        "- country of citizenship: <subject> is a citizen of <object>.\n"
        "- place of birth: <subject> was born in <object>.\n"
        "- place of death: <subject> died in <object>.\n"
        "- date of birth: <subject> was born on <object>.\n"
        "- date of death: <subject> died on <object>.\n"
        "- work: <subject> created <object>.\n"
        "- occupation: <subject> works as a <object>.\n"
        "- position held: <subject> held the position of <object>.\n"
        "- achievement: <subject> received <object>.\n"
        "- member of: <subject> is a member of <object>.\n"
        "- parent: <object> is a parent of <subject>.\n"
        "- spouse: <subject> is married to <object>.\n"
        "- sibling: <subject> and <object> are siblings.\n")
    assert got[0] == {
        "id": EN_ID, "task": "RE", "lang": "en", "format": "triplet", "shots": 1, "messages": [
            {"role": "user", "content": statement + "Give the answer as \"[Answer]: (subject; "
             "relation; object)\", one triple per line.\nText: " + demo["text"]},
            {"role": "assistant",
             "content": "[Answer]: (Christoph Studer; country of citizenship; Swiss)"},
            {"role": "user", "content": "Text: " + EN_TEXT},
            {"role": "assistant",
             "content": "[Answer]: (Achiel Buysse; country of citizenship; Belgian)"}]}
    assert [(r["id"], r["task"], r["format"], r["shots"]) for r in got] == [
        (EN_ID, "RE", "triplet", 1), (EN_ID, "RE", "natural", 1), (EN_ID, "RE", "json", 1),
        (EN_ID + "/ner", "NER", "triplet", 1), (EN_ID + "/ner", "NER", "natural", 1),
        (EN_ID + "/ner", "NER", "json", 1)]
    assert got[1]["messages"][-1]["content"] == (
        '[Answer]: The country of citizenship of "Achiel Buysse" is "Belgian".')
    assert got[2]["messages"][-1]["content"] == (
        '[Answer]: [{"subject": "Achiel Buysse", "relation": "country of citizenship", '
        '"object": "Belgian"}]')
    assert got[2]["messages"][1]["content"] == (
        '[Answer]: [{"subject": "Christoph Studer", "relation": "country of citizenship", '
        '"object": "Swiss"}]')
    # NER: no guidelines (entity types have no descriptions), same demonstration
    assert got[3]["messages"][0]["content"] == (
        "Extract the entities of the listed types from the text. Entity types: [" + EN_TYPES
        + "].\nGive the answer as \"[Answer]: (entity; type)\", one entity per line.\nText: "
        + demo["text"])
    assert got[3]["messages"][-1]["content"] == (
        "[Answer]: (Achiel Buysse; human)\n(Belgian; geographic region)")
    assert got[4]["messages"][-1]["content"] == (
        '[Answer]: "Achiel Buysse" is a human.\n"Belgian" is a geographic region.')


def test_ieinstruct_zero_shot_without_guidelines_in_chinese(zh_records, books, person):
    record = _record(zh_records, ZH_ID, ZH_TEXT)
    style = IEInstructStyle(formats=("natural",), shots=(0,), guidelines=False)
    (re_row, ner_row) = _published("ieinstruct", ieinstruct_instructions(
        record, books["zh"], style, DemonstrationPool.of(zh_records),
        relation_guidelines(person, "zh")))
    assert re_row == {"id": ZH_ID, "task": "RE", "lang": "zh", "format": "natural", "shots": 0,
                      "messages": [
        {"role": "user", "content": "抽取文本中陈述的关系三元组。候选关系：[" + ZH_RELATIONS + "]。\n"
         "请以\"[Answer]: \"开头，每个事实写一句：“主体”的关系是“客体”。\n文本：" + ZH_TEXT},
        {"role": "assistant", "content": "[Answer]: “刘恺威”的配偶是“杨幂”。\n“小糯米”的父母是“刘恺威”。\n"
         "“小糯米”的父母是“杨幂”。\n“小糯米”的出生日期是“6月1日”。"}]}
    assert ner_row["messages"][-1]["content"] == (
        "[Answer]: “刘恺威”是人物。\n“杨幂”是人物。\n“6月1日”是时间。\n“小糯米”是人物。")
    empty = {**record, "relation": []}
    (re_empty, _) = _published("ieinstruct", ieinstruct_instructions(
        empty, books["zh"], style, DemonstrationPool.of([]), None))
    assert re_empty["messages"][-1]["content"] == "[Answer]: NA"


def test_ieinstruct_demonstrations_come_from_train_only_and_never_the_record(en_records, books):
    records = [{**r, "split": ("train", "dev", "test")[i % 3]} for i, r in enumerate(en_records)]
    train_texts = {r["text"]: r["record_id"] for r in records if r["split"] == "train"}
    pool = DemonstrationPool.of(records)
    style = IEInstructStyle(formats=("json",), shots=(3,))
    for record in records:
        rows = ieinstruct_instructions(record, books["en"], style, pool, None)
        for row in rows:
            demo_texts = [m["content"].rsplit("Text: ", 1)[1] for m in row["messages"][:-2]
                          if m["role"] == "user"]
            assert len(demo_texts) == 3
            assert all(train_texts.get(t) not in (None, record["record_id"]) for t in demo_texts)
        again = ieinstruct_instructions(record, books["en"], style, DemonstrationPool.of(
            list(reversed(records))), None)
        assert again == rows                 # drawn by record id, not by arrival order


def test_ieinstruct_options_are_validated():
    assert MakeInstructionsConfig().ieinstruct_shots == [0, 3]
    for bad in ({"ieinstruct_shots": [3, 3]}, {"ieinstruct_shots": [-1]},
                {"ieinstruct_shots": []}, {"ieinstruct_formats": ["colon"]},
                {"ieinstruct_guidelines": "sometimes"}, {"ieinstruct_demos": 3}):
        with pytest.raises(pydantic.ValidationError):
            MakeInstructionsConfig(**bad)
