"""Tolerant reading of raw model output: prose, fences, sloppy JSON, NAN, garbage, fuzz."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg2instruction.evaluate.parse import parse_entity_output, parse_relation_output
from kg2instruction.instructions import (
    Entity, OutputFormat, Triple, render_entities, render_relations,
)

T = Triple
OF = T("NGC1313", "of", "Reticulum")
DISC = T("NGC1313", "time of discovery", "September 27, 1826")


def test_json_in_prose_and_code_fence(fixtures_dir):
    example = json.loads((fixtures_dir / "instructie" / "example_en_ins.json").read_text("utf-8"))
    text = f"Sure, here are the relations:\n```json\n{example['output']}\n```\nHope this helps!"
    result = parse_relation_output(text)
    assert result.ok and result.format == "json"
    assert set(result.triples) == {OF, DISC, T("NGC1313", "discoverer or inventor", "James Dunlop")}


def test_json_with_single_quotes_and_trailing_commas():
    text = "Answer: {'of': [{'subject': 'NGC1313', 'object': 'Reticulum'},], 'named after': [],}"
    result = parse_relation_output(text)
    assert result.ok and result.triples == (OF,)
    result = parse_relation_output('{"of": [{"subject": "NGC1313", "object": "Reticulum"},],}')
    assert result.ok and result.triples == (OF,)


def test_json_list_of_objects_and_iepile_kg_nesting():
    listed = '[{"head": "NGC1313", "relation": "of", "tail": "Reticulum"}]'
    assert parse_relation_output(listed).triples == (OF,)
    nested = '{"人物": {"明治天皇": {"别名": "睦仁", "父母": ["孝明天皇", "英照皇太后"]}}}'
    assert parse_relation_output(nested).triples == (
        T("明治天皇", "别名", "睦仁"), T("明治天皇", "父母", "孝明天皇"), T("明治天皇", "父母", "英照皇太后"))


def test_text_formats_with_bullets_prose_and_tuples_on_one_line():
    text = ("The triples are:\n1. (NGC1313, of, Reticulum)\n"
            "- subject is NGC1313, relation is time of discovery, object is \"September 27, 1826\"\n"
            "(a, r, b)(c, r, d)")
    result = parse_relation_output(text)
    assert result.ok
    assert result.triples == (OF, DISC, T("a", "r", "b"), T("c", "r", "d"))


def test_unquoted_comma_in_a_name_split_at_a_known_label():
    text = "(NGC1313, time of discovery, September 27, 1826)"
    assert parse_relation_output(text, labels=["time of discovery"]).triples == (DISC,)
    # without the labels the line is ambiguous and yields nothing
    assert parse_relation_output(text).triples == ()


def test_natural_line_with_unquoted_commas_uses_the_keywords():
    text = "subject is NGC1313, relation is time of discovery, object is September 27, 1826"
    assert parse_relation_output(text).triples == (DISC,)
    zh = "主体是阿尔夫达尔，关系是人口，客体是2,424人"
    assert parse_relation_output(zh).triples == (T("阿尔夫达尔", "人口", "2,424人"),)


def test_nan_answers_and_nan_lines():
    assert parse_relation_output("NAN") .ok
    assert parse_relation_output("```\nNAN\n```").triples == ()
    result = parse_relation_output("of: NAN\n(NGC1313, of, Reticulum)")
    assert result.ok and result.triples == (OF,)


@pytest.mark.parametrize("garbage", ["", "   ", "I cannot answer that.", "[1, 2, 3]",
                                     "{'unclosed': [", "```\n```", "((((", None, 42])
def test_garbage_is_a_parse_failure_not_a_crash(garbage):
    result = parse_relation_output(garbage)
    assert not result.ok and result.triples == () and result.error


def test_entity_outputs():
    assert parse_entity_output('```json\n{"person": ["Ada"], "location": []}\n```').entities == (
        Entity("Ada", "person"),)
    assert parse_entity_output("(Ada, person)\n实体是伦敦，类型是地点").entities == (
        Entity("Ada", "person"), Entity("伦敦", "地点"))
    assert not parse_entity_output("no entities here").ok


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(Triple, st.text(max_size=10), st.sampled_from(["r1", "关系"]),
                          st.text(max_size=10)), max_size=5),
       st.sampled_from(list(OutputFormat)), st.sampled_from(["en", "zh"]),
       st.sampled_from(["", "Here you go:\n", "```\n", "回答：\n```json\n"]))
def test_rendered_outputs_survive_prose_and_fences(triples, fmt, lang, prefix):
    text = render_relations(fmt, triples, ["r1", "关系"], lang)
    suffix = "\n```" if "```" in prefix else ""
    result = parse_relation_output(prefix + text + suffix)
    assert result.ok
    assert sorted(result.triples) == sorted(triples)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(Entity, st.text(max_size=10), st.sampled_from(["person", "地点"])),
                max_size=5), st.sampled_from(list(OutputFormat)), st.sampled_from(["en", "zh"]))
def test_rendered_entity_outputs_parse_tolerantly_too(entities, fmt, lang):
    text = render_entities(fmt, entities, ["person", "地点"], lang, nan=True)
    result = parse_entity_output(text)
    assert result.ok and sorted(result.entities) == sorted(entities)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                       lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                       max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="{}[]()\"',:：，NA\n `json"),
                 JSONISH.map(lambda d: json.dumps(d, ensure_ascii=False))))
def test_fuzz_never_raises(text):
    for result in (parse_relation_output(text), parse_entity_output(text)):
        assert isinstance(result.ok, bool)
        assert result.ok or result.error


def test_brackets_inside_names_of_text_lines_are_not_taken_for_json():
    assert parse_relation_output("(f{}, r1, x)\n(a [1], r1, b)").triples == (
        T("f{}", "r1", "x"), T("a [1]", "r1", "b"))
    assert parse_relation_output("r1: {}, x").triples == (T("{}", "r1", "x"),)


def test_pretty_printed_json_over_many_lines():
    text = 'Output:\n{\n  "of": [\n    {"subject": "NGC1313", "object": "Reticulum"}\n  ]\n}'
    result = parse_relation_output(text)
    assert result.ok and result.format == "json" and result.triples == (OF,)


def test_fence_variants():
    inner = '{"of": [{"subject": "NGC1313", "object": "Reticulum"}]}'
    for text in (f"```json{inner}```", f"```json\n{inner}", f"Answer:\n  ```\n{inner}\n  ```\nDone.",
                 f"```\n{inner}\n```\n```\n(a, r, b)\n```"):
        assert OF in parse_relation_output(text).triples, text
    # backticks inside a name are not a fence
    assert parse_relation_output("(a```b, r, c)").triples == (T("a```b", "r", "c"),)
