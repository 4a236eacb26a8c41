"""`kg2i eval` on the real exported test files: chunks merged by id the IEPile way, so a perfect
prediction file scores 100.0; the files are what `kg2i predict` and `kg2i train` read."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kg2instruction.cli import main as kg2i
from kg2instruction.train.data import load_examples


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _perfect_instructie_output(row: dict) -> str:
    """The answer a perfect model gives to one InstructIE test chunk: its schema's labels in
    order, each with the record's pairs of that label (the test form carries no output)."""
    schema = json.loads(row["instruction"])["schema"]
    return json.dumps({label: [{"subject": t["head"], "object": t["tail"]} for t in row["label"]
                               if t["relation"] == label] for label in schema},
                      ensure_ascii=False)


def _score(gold: Path, predictions: list[dict], tmp_path: Path, name: str) -> dict:
    pred = tmp_path / f"{name}.preds.jsonl"
    pred.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions),
                    encoding="utf-8")
    out = tmp_path / f"{name}.metrics.json"
    assert kg2i(["eval", "--gold", str(gold), "--pred", str(pred), "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("relative, task", [("iepile/RE/test.jsonl", "relation"),
                                            ("iepile/NER/test.jsonl", "entity"),
                                            ("instructie/test.jsonl", "relation")])
def test_a_perfect_prediction_file_scores_100(exported, tmp_path, relative, task):
    gold = exported / relative
    rows = _lines(gold)
    by_id = defaultdict(list)
    for row in rows:
        by_id[row["id"]].append(row)
    # relation test records are cut into chunks sharing their id (15 person labels by 4; the
    # theme's entity types fit one chunk of 6), every chunk carrying the record's whole label
    assert max(len(chunks) for chunks in by_id.values()) == (4 if task == "relation" else 1)
    assert all(len({json.dumps(c["label"]) for c in chunks}) == 1 for chunks in by_id.values())
    if relative.startswith("instructie"):
        predictions = [{"id": r["id"], "output": _perfect_instructie_output(r)} for r in rows]
    else:
        predictions = [{"id": r["id"], "output": r["output"]} for r in rows]
    report = _score(gold, predictions, tmp_path, relative.replace("/", "_"))
    assert list(report["tasks"]) == [task]          # one task per file
    overall = report["tasks"][task]["overall"]
    assert (overall["precision"], overall["recall"], overall["f1"]) == (100.0, 100.0, 100.0)
    assert (overall["records"], overall["instructions"]) == (len(by_id), len(rows))
    assert overall["parse_failures"] == 0
    labels = [json.loads(c[0]["label"]) if isinstance(c[0]["label"], str) else c[0]["label"]
              for c in by_id.values()]
    assert overall["gold"] == sum(len(label) for label in labels)   # each record's label once


def test_one_chunk_answered_wrong_costs_only_that_chunk(exported, tmp_path):
    """Merging by id: emptying the answers of the second chunk of every record loses exactly the
    gold facts whose label is in those chunks, no more (a per-line scoring would differ)."""
    gold = exported / "iepile" / "RE" / "test.jsonl"
    rows = _lines(gold)
    seen: Counter[str] = Counter()
    predictions, lost = [], 0
    for row in rows:
        seen[row["id"]] += 1
        if seen[row["id"]] == 2:
            schema = json.loads(row["instruction"])["schema"]
            predictions.append({"id": row["id"], "output": json.dumps({k: [] for k in schema})})
            lost += sum(1 for t in json.loads(row["label"]) if t["relation"] in schema)
        else:
            predictions.append({"id": row["id"], "output": row["output"]})
    overall = _score(gold, predictions, tmp_path, "second_chunk_empty")["tasks"]["relation"][
        "overall"]
    assert overall["precision"] == 100.0 and overall["parse_failures"] == 0
    assert overall["correct"] == overall["gold"] - lost
    assert lost > 0


def test_predict_and_train_read_the_exported_layout(exported):
    rows = {task: _lines(exported / "iepile" / task / "test.jsonl") for task in ("RE", "NER")}
    both = load_examples(exported / "iepile", "test", require_output=False, require_id=True)
    assert len(both) == len(rows["RE"]) + len(rows["NER"])
    one = load_examples(exported / "iepile" / "RE", "test", require_output=False, require_id=True)
    assert [e.id for e in one] == [r["id"] for r in rows["RE"]]   # chunks in file order
    instructie = load_examples(exported / "instructie", "test", require_output=False,
                               require_id=True)
    assert len(instructie) == len(_lines(exported / "instructie" / "test.jsonl"))
    train = load_examples([exported / "instructie", exported / "iepile"], "train",
                          require_output=True)
    assert train and all(e.output for e in train)
