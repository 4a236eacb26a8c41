"""Every render parses back to exactly its facts, for every format, language and NAN variant."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg2instruction.instructions import (
    NAN, Entity, OutputFormat, Triple, parse_entities, parse_relations, render_entities,
    render_relations,
)
from kg2instruction.instructions.fields import is_plain

# Names full of the characters that could break a format: separators, brackets, quotes, colons,
# Chinese punctuation, the NAN marker, keywords of the natural format, line breaks.
TRICKY = st.sampled_from([",", "，", "(", ")", "（", "）", ":", "：", '"', "\\", "NAN", " ",
                          "\n", "\r", "\u2028", "\x85", "subject is ", "关系是", "、", "。", "'",
                          "{", "}", "[", "]", "\t", "\u3000", "人"])
NAME = st.one_of(st.text(max_size=12), st.lists(TRICKY | st.text(max_size=3), max_size=6).map("".join))
FORMATS = st.sampled_from(list(OutputFormat))
LANGS = st.sampled_from(["en", "zh"])


@st.composite
def facts_with_labels(draw):
    labels = draw(st.lists(NAME, min_size=1, max_size=5, unique=True))
    triples = draw(st.lists(st.builds(Triple, NAME, st.sampled_from(labels), NAME), max_size=8))
    order = draw(st.permutations(labels))
    return triples, list(order)


def in_label_order(facts, label_of, order):
    return [f for label in order for f in facts if label_of(f) == label]


@settings(max_examples=400, deadline=None)
@given(facts_with_labels(), FORMATS, LANGS, st.booleans())
def test_relations_round_trip(case, fmt, lang, nan):
    triples, order = case
    text = render_relations(fmt, triples, order, lang, nan=nan)
    result = parse_relations(fmt, text)
    assert result.ok, (text, result.error)
    assert list(result.triples) == in_label_order(triples, lambda t: t.relation, order)


@settings(max_examples=300, deadline=None)
@given(facts_with_labels(), FORMATS, LANGS, st.booleans())
def test_entities_round_trip(case, fmt, lang, nan):
    triples, types = case
    entities = [Entity(t.head, t.relation) for t in triples]
    text = render_entities(fmt, entities, types, lang, nan=nan)
    result = parse_entities(fmt, text)
    assert result.ok, (text, result.error)
    assert list(result.entities) == in_label_order(entities, lambda e: e.type, types)


@given(NAME)
def test_a_plain_name_is_written_bare_and_nothing_else_is(name):
    text = render_relations("tuple", [Triple(name, "r", "x")], ["r"], "en")
    assert text.startswith(f"({name}, ") == is_plain(name)


REAL_EN = [Triple("NGC1313", "of", "Reticulum"),
           Triple("NGC1313", "time of discovery", "September 27, 1826"),
           Triple("NGC1313", "discoverer or inventor", "James Dunlop")]
LABELS_EN = ["alternative name", "of", "time of discovery", "discoverer or inventor"]


@pytest.mark.parametrize(("fmt", "lang", "expected"), [
    ("tuple", "en", '(NGC1313, of, Reticulum)\n(NGC1313, time of discovery, "September 27, 1826")\n'
                    "(NGC1313, discoverer or inventor, James Dunlop)"),
    ("natural", "en", "subject is NAN, relation is alternative name, object is NAN\n"
                      "subject is NGC1313, relation is of, object is Reticulum\n"
                      'subject is NGC1313, relation is time of discovery, object is "September 27, 1826"\n'
                      "subject is NGC1313, relation is discoverer or inventor, object is James Dunlop"),
    ("colon", "zh", "alternative name：NAN\nof：NGC1313，Reticulum\n"
                    'time of discovery：NGC1313，"September 27, 1826"\n'
                    "discoverer or inventor：NGC1313，James Dunlop"),
])
def test_exact_strings_of_the_spec(fmt, lang, expected):
    nan = expected.count(NAN) > 0
    assert render_relations(fmt, REAL_EN, LABELS_EN, lang, nan=nan) == expected


def test_json_matches_the_iepile_example_output(fixtures_dir):
    """Our `json` output is byte-identical to the real IEPile-style example for the same facts."""
    record = json.loads((fixtures_dir / "instructie" / "example_zh.json").read_text("utf-8"))
    example = json.loads((fixtures_dir / "instructie" / "example_zh_ins.json").read_text("utf-8"))
    schema = json.loads(example["instruction"])["schema"]
    gold_order = list(json.loads(example["output"]).items())
    triples = [Triple.from_record(r) for r in record["relation"]]
    # the example lists the triples of a label in its own order: follow it
    triples.sort(key=lambda t: [(p["subject"], p["object"]) for lab, ps in gold_order
                                for p in ps if lab == t.relation].index((t.head, t.tail)))
    assert render_relations("json", triples, schema, "zh") == example["output"]
    assert sorted(parse_relations("json", example["output"]).triples) == sorted(triples)


def test_chinese_natural_wording():
    text = render_relations("natural", [Triple("阿尔夫达尔", "人口", "2,424人")], ["人口"], "zh")
    assert text == '主体是阿尔夫达尔，关系是人口，客体是"2,424人"'


def test_no_facts_is_nan_and_an_entity_called_nan_survives():
    assert render_relations("tuple", [], ["r"], "en") == NAN
    assert render_relations("json", [], [], "en") == NAN
    assert render_relations("json", [], ["r"], "en") == '{"r": []}'
    assert render_relations("json", [], ["r"], "en", nan=True) == '{"r": "NAN"}'
    text = render_relations("colon", [Triple("NAN", "r", "Nan")], ["r"], "en")
    assert text == 'r: "NAN", Nan'
    assert parse_relations("colon", text).triples == (Triple("NAN", "r", "Nan"),)


def test_entities_render_exact_strings():
    ents = [Entity("Ada Lovelace", "person"), Entity("London", "location")]
    assert render_entities("json", ents, ["person", "location", "event"], "en") == \
        '{"person": ["Ada Lovelace"], "location": ["London"], "event": []}'
    assert render_entities("natural", ents, ["location", "person"], "zh") == \
        "实体是London，类型是location\n实体是Ada Lovelace，类型是person"
    assert render_entities("colon", ents[:1], ["person", "event"], "en", nan=True) == \
        "person: Ada Lovelace\nevent: NAN"


def test_a_label_outside_the_listed_labels_is_a_programming_error():
    with pytest.raises(ValueError, match="not among the listed labels"):
        render_relations("tuple", [Triple("a", "r", "b")], ["other"], "en")


def test_strict_parse_reports_the_bad_line_without_raising():
    result = parse_relations("tuple", "(a, r, b)\nnot a tuple")
    assert not result.ok and "line 2" in result.error
    assert result.triples == (Triple("a", "r", "b"),)


def test_format_objects_bind_render_and_parse():
    from kg2instruction.instructions import ENTITY_FORMATS, RELATION_FORMATS

    for fmt, obj in RELATION_FORMATS.items():
        text = obj.render(REAL_EN, LABELS_EN, "zh", nan=True)
        assert obj.parse(text).triples == tuple(REAL_EN), fmt
    person = [Entity("阿尔夫达尔", "地理地区")]
    for fmt, obj in ENTITY_FORMATS.items():
        assert obj.parse(obj.render(person, ["地理地区", "人物"], "zh")).entities == tuple(person)
