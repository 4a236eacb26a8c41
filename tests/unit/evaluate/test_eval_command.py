"""`kg2i eval` end to end: hand-worked figures, gold as prediction, real fixture formats, bad input."""
from __future__ import annotations

import json

import pytest

from kg2instruction.cli import main
from kg2instruction.evaluate import MatchMode, evaluate_files
from kg2instruction.instructions import Triple, render_relations

# Record A is cut into two chunks: two lines with the record's id "A", merged back into record A.
# The gold outputs are in the tuple format, so that is the format the predictions must use.
GOLD = [
    {"id": "A", "cate": "person", "lang": "en", "instruction": "…", "output": "(Ada, born in, London)"},
    {"id": "A", "cate": "person", "lang": "en", "instruction": "…", "output": "(Ada, spouse, William King)"},
    {"id": "B", "cate": "person", "lang": "en", "instruction": "…", "output": "(Alan, employer, NPL)"},
    {"id": "C", "cate": "geo", "lang": "en", "instruction": "…",
     "output": "(Alvdal, located in, Innlandet)\n(Innlandet, country, Norway)"},
]
PRED = [
    {"id": "A", "output": "(Ada, born in, London)\n(Ada, born in, London)"},    # correct + duplicate
    {"id": "A", "output": "(Ada, spouse, William)"},                            # boundary mismatch
    {"id": "B", "output": "(Alan, educated at, NPL)"},                          # incongruent
    {"id": "C", "output": "(Alvdal, located in, Innlandet)\n"                   # correct
                          "(Norway, capital, Oslo)\n"                           # spurious
                          "(Innlandet, country, Sweden)"},                      # entity mismatch
]


@pytest.fixture
def golden(write_jsonl):
    return write_jsonl("gold.jsonl", GOLD), write_jsonl("pred.jsonl", PRED)


def test_hand_worked_normal_mode(golden):
    report = evaluate_files(*golden, mode=MatchMode.NORMAL)
    relation = report["tasks"]["relation"]
    overall, person, geo = relation["overall"], relation["themes"]["person"], relation["themes"]["geo"]
    # Records: A (gold 2, pred 3, correct 1), B (1, 1, 0), C (2, 3, 1) -> gold 5, pred 7, correct 2
    # P = 2/7 = 28.57, R = 2/5 = 40.00, F1 = 2*28.57*40/68.57 = 33.3324 -> 33.33
    assert (overall["gold"], overall["predicted"], overall["correct"]) == (5, 7, 2)
    assert (overall["precision"], overall["recall"], overall["f1"]) == (28.57, 40.0, 33.33)
    # person = A + B: gold 3, pred 4, correct 1: P 25.00, R 33.33, F1 2*25*33.33/58.33 = 28.57
    assert (person["precision"], person["recall"], person["f1"]) == (25.0, 33.33, 28.57)
    # geo = C: P 1/3 = 33.33, R 1/2 = 50.00, F1 2*33.33*50/83.33 = 39.9976 -> 40.00
    assert (geo["precision"], geo["recall"], geo["f1"]) == (33.33, 50.0, 40.0)
    # ROUGE-2 (rouge-score tokens, lowercased):
    #  A/0 gold "ada born in london" 3 bigrams; pred repeats it: 7 bigrams, 3 shared
    #      P 3/7, R 1 -> F 6/10 = 0.6
    #  A/1 gold "ada spouse william king" 3 bigrams; pred "ada spouse william" 2, both shared
    #      P 1, R 2/3 -> F 0.8;  record A = mean(0.6, 0.8) = 0.7
    #  B   "alan employer npl" vs "alan educated at npl": no shared bigram -> 0
    #  C   gold 6 bigrams, pred 9 bigrams, shared: alvdal-located, located-in, in-innlandet,
    #      innlandet-country = 4 -> P 4/9, R 4/6 -> F = (16/27)/(10/9) = 0.5333
    #  overall = (0.7 + 0 + 0.5333)/3 = 0.4111 -> 41.11; person = 0.35 -> 35.00; geo 53.33
    assert (overall["rouge2"], person["rouge2"], geo["rouge2"]) == (41.11, 35.0, 53.33)
    # Score = (33.33 + 41.11)/2 = 37.22; person (28.57 + 35)/2 = 31.785 -> 31.79 (half-up)
    assert (overall["score"], person["score"]) == (37.22, 31.79)
    # Error types over the 7 predictions: correct 2; duplicate, boundary, incongruent, entity,
    # spurious 1 each -> each 1/5 = 20% of wrong predictions, 1/7 = 14.29% of predictions
    errors = overall["error_types"]
    assert errors["counts"] == {"correct": 2, "duplicate": 1, "incongruent_prediction": 1,
                                "boundary_mismatch": 1, "entity_mismatch": 1,
                                "spurious_relation": 1}
    assert set(errors["percent_of_errors"].values()) == {20.0}
    assert errors["percent_of_predictions"]["correct"] == 28.57
    assert errors["percent_of_predictions"]["spurious_relation"] == 14.29
    assert overall["match_mode"] == person["match_mode"] == "normal"
    assert (overall["records"], overall["instructions"], overall["parse_failures"]) == (3, 4, 0)


def test_hand_worked_set_mode(golden):
    report = evaluate_files(*golden, mode=MatchMode.SET)
    overall = report["tasks"]["relation"]["overall"]
    person = report["tasks"]["relation"]["themes"]["person"]
    # the repeated (Ada, born in, London) counts once: pred 7 -> 6
    # P = 2/6 = 33.33, R = 40.00, F1 = 2*33.33*40/73.33 = 36.3617 -> 36.36
    assert (overall["predicted"], overall["precision"], overall["recall"], overall["f1"]) == \
        (6, 33.33, 40.0, 36.36)
    assert (person["precision"], person["recall"], person["f1"]) == (33.33, 33.33, 33.33)
    # Score = (36.36 + 41.11)/2 = 38.735 -> 38.74 (ROUGE does not depend on the mode)
    assert overall["score"] == 38.74
    # no duplicate class in set mode: 4 wrong predictions, 25% each
    shares = overall["error_types"]["percent_of_errors"]
    assert shares["duplicate"] == 0.0 and shares["spurious_relation"] == 25.0
    assert report["match_mode"] == overall["match_mode"] == "set"


def test_gold_as_prediction_in_both_languages(fixtures_dir, write_jsonl):
    rows = []
    for name, lang in (("example_en", "en"), ("example_zh", "zh")):
        record = json.loads((fixtures_dir / "instructie" / f"{name}.json").read_text("utf-8"))
        ins = json.loads((fixtures_dir / "instructie" / f"{name}_ins.json").read_text("utf-8"))
        rows.append({"id": record["id"], "cate": record["cate"], **ins})
    gold = write_jsonl("gold.jsonl", rows)
    pred = write_jsonl("pred.jsonl", [{"id": r["id"], "output": r["output"]} for r in rows])
    overall = evaluate_files(gold, pred)["tasks"]["relation"]["overall"]
    assert (overall["f1"], overall["rouge2"], overall["score"]) == (100.0, 100.0, 100.0)
    assert overall["gold"] == 8  # 3 English + 5 Chinese triples


def test_iepile_kg_labels_and_instructie_records_as_gold(fixtures_dir, write_jsonl, tmp_path):
    """Real IEPile KG test lines (id, instruction, label; no output) and an InstructIE record."""
    lines = (fixtures_dir / "instructie" / "kg_task_samples_zh" / "test.json").read_text("utf-8")
    records = [json.loads(line) for line in lines.splitlines() if line.strip()]
    record = json.loads((fixtures_dir / "instructie" / "example_en.json").read_text("utf-8"))
    gold = tmp_path / "gold.jsonl"
    gold.write_text(lines.rstrip("\n") + "\n" + json.dumps(record) + "\n", "utf-8")
    preds = []
    for r in records:   # the KG instruction asks for {type: {entity: {attribute: [values]}}}
        etype = json.loads(r["instruction"])["schema"][0]["entity_type"]
        nested: dict = {}
        for t in json.loads(r["label"]):
            nested.setdefault(t["head"], {}).setdefault(t["relation"], []).append(t["tail"])
        preds.append({"id": r["id"], "output": json.dumps({etype: nested}, ensure_ascii=False)})
    # the InstructIE record names no format: any of ours, read strictly, is accepted
    preds.append({"id": record["id"], "output": render_relations(
        "natural", [Triple.from_record(t) for t in record["relation"]], None, "en")})
    report = evaluate_files(gold, write_jsonl("pred.jsonl", preds))
    overall = report["tasks"]["relation"]["overall"]
    assert (overall["f1"], overall["parse_failures"]) == (100.0, 0)
    assert overall["records"] == len(records) + 1
    assert set(report["tasks"]["relation"]["themes"]) == {"(no theme)", "Astronomy"}
    # the same answers in the tuple format do not answer the KG instructions: parse failures
    tuples = [dict(p, output=render_relations("tuple", [Triple.from_record(t) for t in json.loads(
        r["label"])], None, "zh")) for p, r in zip(preds, records)] + preds[-1:]
    overall = evaluate_files(gold, write_jsonl("tuples.jsonl", tuples))["tasks"]["relation"][
        "overall"]
    assert (overall["parse_failures"], overall["correct"]) == (len(records), 3)


def test_parse_failures_are_counted_per_record(write_jsonl):
    gold = write_jsonl("gold.jsonl", GOLD)
    pred = write_jsonl("pred.jsonl", [dict(p, output="I am not sure.") if p["id"] == "B" else p
                                      for p in PRED])
    overall = evaluate_files(gold, pred)["tasks"]["relation"]["overall"]
    assert (overall["parse_failures"], overall["records_with_parse_failures"]) == (1, 1)
    assert overall["predicted"] == 6


def test_cli_writes_report_and_table(golden, tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["eval", "--gold", str(golden[0]), "--pred", str(golden[1]), "--mode", "set",
                 "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "match mode: set" in table and "36.36" in table and "OVERALL" in table
    assert json.loads(out.read_text("utf-8"))["tasks"]["relation"]["overall"]["f1"] == 36.36


def test_ids_that_do_not_match_are_named(write_jsonl, capsys):
    gold = write_jsonl("gold.jsonl", GOLD)
    pred = write_jsonl("pred.jsonl", PRED[:3] + [{"id": "Z", "output": "NAN"}])
    assert main(["eval", "--gold", str(gold), "--pred", str(pred)]) == 2
    err = capsys.readouterr().err
    assert "pred.jsonl" in err and "'Z'" in err and "not in the gold file" in err


def test_missing_predictions_fail_or_score_as_empty(write_jsonl, capsys):
    gold = write_jsonl("gold.jsonl", GOLD)
    pred = write_jsonl("pred.jsonl", PRED[:3])
    assert main(["eval", "--gold", str(gold), "--pred", str(pred)]) == 2
    err = capsys.readouterr().err
    assert "'C'" in err and "--missing-as-empty" in err
    overall = evaluate_files(gold, pred, missing_as_empty=True)["tasks"]["relation"]["overall"]
    # C's 3 predictions are gone: pred 4, correct 1 of gold 5 -> P 25.00, R 20.00
    assert (overall["missing_predictions"], overall["parse_failures"]) == (1, 0)
    assert (overall["predicted"], overall["precision"], overall["recall"]) == (4, 25.0, 20.0)


def test_malformed_jsonl_line_is_named(write_jsonl, tmp_path, capsys):
    gold = write_jsonl("gold.jsonl", GOLD)
    pred = tmp_path / "broken.jsonl"
    pred.write_text(json.dumps(PRED[0]) + "\n{not json\n", "utf-8")
    assert main(["eval", "--gold", str(gold), "--pred", str(pred)]) == 2
    err = capsys.readouterr().err
    assert "broken.jsonl, line 2" in err


def test_extra_predictions_of_an_id_and_unparseable_gold_are_rejected(write_jsonl, capsys):
    gold = write_jsonl("gold.jsonl", GOLD)
    pred = write_jsonl("p.jsonl", PRED + [PRED[2]])   # a second answer for B's single line
    assert main(["eval", "--gold", str(gold), "--pred", str(pred)]) == 2
    err = capsys.readouterr().err
    assert "p.jsonl, line 5" in err and "2 predictions for id 'B'" in err
    bad = write_jsonl("bad.jsonl", [{"id": "X", "output": "gibberish"}])
    assert main(["eval", "--gold", str(bad), "--pred", str(write_jsonl("p2.jsonl", []))]) == 2
    assert "record X" in capsys.readouterr().err


def test_chunks_of_one_id_must_describe_one_record(write_jsonl, capsys):
    label = json.dumps([{"head": "Ada", "relation": "born in", "tail": "London"}])
    rows = [{"id": "R", "cate": "person", "instruction": "…", "label": label},
            {"id": "R", "cate": "person", "instruction": "…", "label": "[]"}]
    gold = write_jsonl("gold.jsonl", rows)
    assert main(["eval", "--gold", str(gold), "--pred", str(write_jsonl("p.jsonl", []))]) == 2
    err = capsys.readouterr().err
    assert "gold.jsonl, line 2, record R" in err and "whole label" in err
    rows[1] = dict(rows[0], cate="geo")
    gold = write_jsonl("gold2.jsonl", rows)
    assert main(["eval", "--gold", str(gold), "--pred", str(write_jsonl("p.jsonl", []))]) == 2
    assert "theme differs from line 1" in capsys.readouterr().err


def test_entity_records_are_scored_separately_from_relations(golden, write_jsonl):
    gold_rows = GOLD + [
        {"id": "N1", "task": "NER", "cate": "person", "lang": "en", "instruction": "…",
         "output": '{"person": ["Ada Lovelace", "Alan Turing"], "location": []}'},
        {"id": "N2", "task": "NER", "cate": "person", "text": "阿达生于伦敦。",
         "entity": [{"name": "阿达", "type": "人物"}, {"name": "伦敦", "type": "地点"}]},
    ]
    pred_rows = PRED + [{"id": "N1", "output": "(Ada Lovelace, person)\n(London, location)"},
                        {"id": "N2", "output": "实体是阿达，类型是人物"}]
    report = evaluate_files(write_jsonl("g.jsonl", gold_rows), write_jsonl("p.jsonl", pred_rows),
                            lenient=True)
    entity = report["tasks"]["entity"]["overall"]
    # strict: N1's gold is JSON, so its tuple answer is a parse failure and predicts nothing;
    # N2 (an InstructIE record, any format) gives (阿达, 人物): gold 4, predicted 1, correct 1
    # P 1/1 = 100.00, R 1/4 = 25.00, F1 2*100*25/125 = 40.00
    assert (entity["precision"], entity["recall"], entity["f1"]) == (100.0, 25.0, 40.0)
    assert (entity["parse_failures"], entity["parse_failure_rate"]) == (1, 50.0)
    # lenient: N1's tuples are read too: predicted 3, correct 2 (Ada Lovelace, 阿达)
    # P 2/3 = 66.67, R 2/4 = 50.00, F1 2*66.67*50/116.67 = 57.1441 -> 57.14
    loose = report["lenient"]["tasks"]["entity"]["overall"]
    assert (loose["precision"], loose["recall"], loose["f1"]) == (66.67, 50.0, 57.14)
    assert "error_types" not in entity
    assert report["tasks"]["relation"]["overall"]["f1"] == 33.33  # unchanged by the NER records


def test_a_missing_gold_file_is_named(write_jsonl, tmp_path, capsys):
    pred = write_jsonl("pred.jsonl", PRED)
    assert main(["eval", "--gold", str(tmp_path / "nope.jsonl"), "--pred", str(pred)]) == 2
    assert "nope.jsonl: file not found" in capsys.readouterr().err


def test_nan_answers_score_rouge_one_and_add_no_facts(write_jsonl):
    gold = write_jsonl("gold.jsonl", GOLD + [{"id": "D", "cate": "geo", "lang": "zh",
                                             "instruction": "…", "output": "NAN"}])
    pred = write_jsonl("pred.jsonl", PRED + [{"id": "D", "output": "NAN"}])
    geo = evaluate_files(gold, pred)["tasks"]["relation"]["themes"]["geo"]
    # C as before (ROUGE 0.5333), D: "NAN" vs "NAN" = 1 -> (0.5333 + 1)/2 = 0.7667 -> 76.67
    assert (geo["records"], geo["gold"], geo["f1"], geo["rouge2"]) == (2, 2, 40.0, 76.67)
