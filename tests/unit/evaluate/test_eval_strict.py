"""Strict scoring (the field's rule, the default) against lenient scoring, worked out by hand.

Gold lines are IEPile-style: the instruction is the JSON ``{"instruction", "schema", "input"}``,
`label` is the record's whole gold, and the chunks of a record share its id. Every output is read
with `json.loads` of the whole string and must be the object the instruction asks for; anything
else is a parse failure that predicts nothing. Expected figures are computed by hand in the
comments: P and R are percentages rounded to two decimals, F1 = 2PR/(P+R) from those.
"""
from __future__ import annotations

import json

import pytest

from kg2instruction.cli import main
from kg2instruction.evaluate import MatchMode, evaluate_files
from kg2instruction.evaluate.parse import parse_relation_output
from kg2instruction.evaluate.strict import strict_entities, strict_relations
from kg2instruction.instructions.formats import Entity, Triple

PROMPT = "You are an expert in relation extraction."


def _gold(rid: str, schema: list[str], label: list[tuple[str, str, str]], task: str = "RE",
          cate: str = "person") -> dict:
    if task == "NER":
        items = [{"entity": e, "entity_type": t} for e, t in label]
    else:
        items = [{"head": h, "relation": r, "tail": t} for h, r, t in label]
    return {"id": rid, "cate": cate, "lang": "en", "task": task,
            "instruction": json.dumps({"instruction": PROMPT, "schema": schema, "input": "…"}),
            "label": json.dumps(items)}


def _pairs(subject_object: list[tuple[str, str]]) -> list[dict]:
    return [{"subject": s, "object": o} for s, o in subject_object]


R1 = [("Ada", "born in", "London"), ("Ada", "spouse", "William King"),
      ("Ada", "employer", "Babbage Co")]
RELATION_GOLD = [
    _gold("R1", ["born in", "spouse"], R1),                   # two chunks of one record
    _gold("R1", ["employer", "educated at"], R1),
    _gold("R2", ["born in", "spouse"], [("Alan", "born in", "London")]),
    _gold("R3", ["born in", "spouse"], [("Alan", "born in", "London")]),
    _gold("R4", ["born in", "spouse"], [("Bob", "born in", "Paris")]),
    _gold("R5", ["born in", "spouse"], []),
    _gold("R6", ["born in", "spouse", "employer"],
          [("Carl", "born in", "Rome"), ("Carl", "spouse", "Dora")]),
    _gold("R7", ["born in", "spouse"], [("Dan", "born in", "Oslo")]),
]
ALAN = json.dumps({"born in": _pairs([("Alan", "London")]), "spouse": []})
RELATION_PRED = [
    # R1: chunk 0 exactly right; chunk 1 a valid but empty answer (misses the employer)
    {"id": "R1", "output": json.dumps({"born in": _pairs([("Ada", "London")]),
                                       "spouse": _pairs([("Ada", "William King")])})},
    {"id": "R1", "output": json.dumps({"employer": [], "educated at": []})},
    # R2: right answer inside prose and a code fence: not JSON as a whole
    {"id": "R2", "output": f"Here you go:\n```json\n{ALAN}\n```"},
    # R3: cut off by the token limit
    {"id": "R3", "output": ALAN[:-12]},
    # R4: trailing commas
    {"id": "R4", "output": '{"born in": [{"subject": "Bob", "object": "Paris"},], "spouse": [],}'},
    # R5: nothing to find, and nothing found: valid and empty
    {"id": "R5", "output": json.dumps({"born in": [], "spouse": []})},
    # R6: one right, one wrong tail; a non-list value, a non-object item and an item without
    # an object (read as "" by IEPile's rule) in the mix
    {"id": "R6", "output": json.dumps({"born in": _pairs([("Carl", "Rome"), ("Carl", "Milan")]),
                                       "spouse": "NAN",
                                       "employer": [1, {"subject": "Carl"}]})},
    # R7: a JSON list, not the object the instruction asks for
    {"id": "R7", "output": json.dumps([{"head": "Dan", "relation": "born in", "tail": "Oslo"}])},
]


@pytest.fixture
def relation_report(write_jsonl):
    return evaluate_files(write_jsonl("gold.jsonl", RELATION_GOLD),
                          write_jsonl("pred.jsonl", RELATION_PRED), lenient=True)


def test_strict_relation_scores(relation_report):
    strict = relation_report["tasks"]["relation"]["overall"]
    assert strict["parsing"] == "strict" and relation_report["parsing"] == "strict"
    # gold: R1 3 (its label once, not once per chunk) + R2..R4 1 each + R5 0 + R6 2 + R7 1 = 9
    # predicted: R1 2 + R6 3 [(Carl, born in, Rome), (Carl, born in, Milan), (Carl, employer,
    #   "")] = 5; R2, R3, R4, R7 are parse failures and predict nothing
    # correct: R1 2 + R6 1 = 3
    # P = 3/5 = 60.00, R = 3/9 = 33.33, F1 = 2*60*33.33/93.33 = 42.8544 -> 42.85
    assert (strict["gold"], strict["predicted"], strict["correct"]) == (9, 5, 3)
    assert (strict["precision"], strict["recall"], strict["f1"]) == (60.0, 33.33, 42.85)
    # 8 answered lines (R1 has two), 4 parse failures -> 50.00 %
    assert (strict["records"], strict["instructions"]) == (7, 8)
    assert (strict["parse_failures"], strict["parse_failure_rate"]) == (4, 50.0)
    assert strict["records_with_parse_failures"] == 4


def test_lenient_relation_scores_beside_the_strict_ones(relation_report):
    loose = relation_report["lenient"]["tasks"]["relation"]["overall"]
    assert loose["parsing"] == "lenient"
    # lenient reads R2 (fenced), R4 (trailing commas) and R7 (list): 1 correct each;
    # R3 stays a failure (an answer cut off is never an empty answer); R6 drops the two
    # malformed employer entries (and is flagged): predicted 2, correct 1
    # predicted: R1 2 + R2 1 + R4 1 + R6 2 + R7 1 = 7; correct: 2 + 1 + 1 + 1 + 1 = 6; gold 9
    # P = 6/7 = 85.71, R = 6/9 = 66.67, F1 = 2*85.71*66.67/152.38 = 75.0004 -> 75.00
    assert (loose["gold"], loose["predicted"], loose["correct"]) == (9, 7, 6)
    assert (loose["precision"], loose["recall"], loose["f1"]) == (85.71, 66.67, 75.0)
    # failures: R3 (truncated) and R6 (skipped entries) = 2 of 8 -> 25.00 %
    assert (loose["parse_failures"], loose["parse_failure_rate"]) == (2, 25.0)


def test_truncated_json_is_a_failure_not_an_empty_answer():
    parsed = strict_relations(ALAN[:-12])
    assert not parsed.ok and parsed.triples == ()
    lenient = parse_relation_output('{"born in": [], "spouse": [{"subject": "Alan", "obj')
    assert not lenient.ok and lenient.triples == ()   # the inner [] is no answer


def test_empty_but_valid_answers_are_no_failure(write_jsonl):
    gold = write_jsonl("g.jsonl", [_gold("E", ["born in"], [])])
    for output, failures in (('{"born in": []}', 0), ("{}", 0), ("", 1), ("NAN", 1)):
        pred = write_jsonl("p.jsonl", [{"id": "E", "output": output}])
        overall = evaluate_files(gold, pred)["tasks"]["relation"]["overall"]
        # nothing to find: P, R and F1 are 0 by convention (0/0), whatever the answer
        assert (overall["predicted"], overall["f1"]) == (0, 0.0)
        assert overall["parse_failures"] == failures, output


NER_GOLD = [
    _gold("N1", ["person", "location"], [("Ada", "person"), ("Alan", "person"),
                                         ("Paris", "location")], task="NER"),
    _gold("N2", ["person", "location"], [("Bob", "person"), ("Rome", "location")], task="NER"),
    _gold("N3", ["person", "location"], [("Eve", "person")], task="NER"),
]
NER_PRED = [
    {"id": "N1", "output": json.dumps({"person": ["Ada", "Ada", "Alan"], "location": ["London"]})},
    {"id": "N2", "output": json.dumps({"person": ["Bob", 7], "location": "NAN"})},
    {"id": "N3", "output": "person: Eve"},     # the instruction asks for JSON
]


def test_entity_scores_in_normal_and_set_mode(write_jsonl):
    gold, pred = write_jsonl("g.jsonl", NER_GOLD), write_jsonl("p.jsonl", NER_PRED)
    normal = evaluate_files(gold, pred, mode=MatchMode.NORMAL)["tasks"]["entity"]["overall"]
    # N1 predicts (Ada, person) twice, (Alan, person), (London, location): 4, correct 2 (one Ada
    # matches the one gold Ada); N2: 7 and "NAN" are skipped -> (Bob, person): 1, correct 1;
    # N3: parse failure. gold 3 + 2 + 1 = 6, predicted 5, correct 3
    # P = 3/5 = 60.00, R = 3/6 = 50.00, F1 = 2*60*50/110 = 54.5454 -> 54.55
    assert (normal["gold"], normal["predicted"], normal["correct"]) == (6, 5, 3)
    assert (normal["precision"], normal["recall"], normal["f1"]) == (60.0, 50.0, 54.55)
    assert (normal["parse_failures"], normal["parse_failure_rate"]) == (1, 33.33)
    dedup = evaluate_files(gold, pred, mode=MatchMode.SET)["tasks"]["entity"]["overall"]
    # set mode removes the second Ada: predicted 4, correct 3
    # P = 3/4 = 75.00, R = 50.00, F1 = 2*75*50/125 = 60.00
    assert (dedup["predicted"], dedup["correct"]) == (4, 3)
    assert (dedup["precision"], dedup["recall"], dedup["f1"]) == (75.0, 50.0, 60.0)


def test_relations_in_set_mode_deduplicate_within_the_merged_record(write_jsonl):
    gold = write_jsonl("g.jsonl", [_gold("S", ["born in"], [("Ada", "born in", "London")]),
                                   _gold("S", ["spouse"], [("Ada", "born in", "London")])])
    same = json.dumps({"born in": _pairs([("Ada", "London")])})
    pred = write_jsonl("p.jsonl", [{"id": "S", "output": same}, {"id": "S", "output": same}])
    normal = evaluate_files(gold, pred)["tasks"]["relation"]["overall"]
    # both chunks answer the same triple: normal counts it twice, 1 correct of 2 predicted
    # P = 1/2 = 50.00, R = 1/1 = 100.00, F1 = 2*50*100/150 = 66.67
    assert (normal["predicted"], normal["correct"], normal["f1"]) == (2, 1, 66.67)
    dedup = evaluate_files(gold, pred, mode=MatchMode.SET)["tasks"]["relation"]["overall"]
    # set mode: once -> P = R = F1 = 100.00
    assert (dedup["predicted"], dedup["correct"], dedup["f1"]) == (1, 1, 100.0)


@pytest.mark.parametrize("text, triples", [
    ('{"r": [{"subject": "a", "object": "b"}]}', [Triple("a", "r", "b")]),
    ('  {"r": []}\n', []),                                       # json.loads allows whitespace
    ('{"r": [{"subject": "a"}]}', [Triple("a", "r", "")]),       # IEPile: missing object is ""
    ('{"r": [{"subject": "a", "object": 3}]}', []),              # non-string: item skipped
])
def test_iepile_relation_reading(text, triples):
    parsed = strict_relations(text)
    assert parsed.ok and list(parsed.triples) == triples


@pytest.mark.parametrize("text", ['```json\n{"r": []}\n```', "{'r': []}", '{"r": [],}', "[]",
                                  '"text"', "", "I found nothing."])
def test_anything_but_the_whole_object_is_a_parse_failure(text):
    assert not strict_relations(text).ok and not strict_entities(text).ok


def test_text_formats_are_read_by_their_exact_grammar():
    assert strict_relations("(a, r, b)\n(c, r, d)", "tuple").triples == (Triple("a", "r", "b"),
                                                                          Triple("c", "r", "d"))
    assert not strict_relations("The triples: (a, r, b)", "tuple").ok      # prose: failure
    assert not strict_relations('{"r": []}', "tuple").ok                   # JSON is not asked
    assert strict_relations("(a, r, b)", "any").ok                         # gold did not say
    assert strict_entities("person: Eve", "colon").entities == (Entity("Eve", "person"),)


def test_cli_prints_lenient_beside_strict_and_writes_both(write_jsonl, tmp_path, capsys):
    out = tmp_path / "report.json"
    gold, pred = write_jsonl("g.jsonl", RELATION_GOLD), write_jsonl("p.jsonl", RELATION_PRED)
    assert main(["eval", "--gold", str(gold), "--pred", str(pred), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "parsing: strict" in printed and "parsing: lenient" not in printed
    assert "lenient" not in json.loads(out.read_text("utf-8"))
    assert main(["eval", "--gold", str(gold), "--pred", str(pred), "--lenient",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.index("parsing: strict") < printed.index("parsing: lenient")
    assert "relation overall F1: strict 42.85, lenient 75.00" in printed
    report = json.loads(out.read_text("utf-8"))
    assert report["tasks"]["relation"]["overall"]["f1"] == 42.85
    assert report["lenient"]["tasks"]["relation"]["overall"]["f1"] == 75.0
