"""`kg2i eval-compare`: hand-made `kg2i eval` reports -> one row per model and k, the "all"
figures recomputed from summed fact counts (worked out by hand below)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.cli import main
from kg2instruction.errors import InputError
from kg2instruction.evaluate.compare import compare_dir, to_markdown


def _report(task: str, gold: int, predicted: int, correct: int, instructions: int,
            failures: int) -> dict:
    overall = {"gold": gold, "predicted": predicted, "correct": correct,
               "instructions": instructions, "missing_predictions": 0,
               "parse_failures": failures, "precision": -1, "recall": -1, "f1": -1}
    return {"parsing": "strict", "tasks": {task: {"overall": overall, "themes": {}}}}


def _write(folder: Path, name: str, doc: dict) -> None:
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


@pytest.fixture()
def eval_dir(tmp_path: Path) -> Path:
    _write(tmp_path, "sft.k3.RE.metrics.json", _report("relation", 10, 10, 10, 4, 0))
    _write(tmp_path, "base.k0.RE.metrics.json", _report("relation", 10, 5, 2, 4, 1))
    _write(tmp_path, "base.k0.NER.metrics.json", _report("entity", 20, 10, 5, 4, 2))
    _write(tmp_path, "dpo.k0.RE.metrics.json", _report("relation", 10, 0, 0, 4, 4))
    _write(tmp_path, "base.RE.metrics.json", _report("relation", 1, 1, 1, 1, 0))  # old name
    return tmp_path


def test_rows_per_model_and_shots_with_all_facts_from_summed_counts(eval_dir: Path):
    rows = compare_dir(eval_dir)["rows"]
    assert [(r["model"], r["shots"]) for r in rows] == [("base", 0), ("sft", 3), ("dpo", 0)]
    base = rows[0]
    # relation: P = 2/5 = 40, R = 2/10 = 20, F1 = 2*40*20/60 = 26.67
    assert (base["relation"]["precision"], base["relation"]["recall"],
            base["relation"]["f1"]) == (40.0, 20.0, 26.67)
    # entity: P = 5/10 = 50, R = 5/20 = 25, F1 = 33.33
    assert base["entity"]["f1"] == 33.33
    # all: 7 correct of 15 predicted and 30 gold: P = 46.67, R = 23.33, F1 = 31.11
    assert (base["all"]["precision"], base["all"]["recall"], base["all"]["f1"]) == \
        (46.67, 23.33, 31.11)
    assert base["all"]["parse_failure_rate"] == 37.5  # 3 of 8 answered instructions
    assert rows[1]["entity"]["f1"] == 0.0 and rows[1]["all"]["f1"] == 100.0
    assert rows[2]["all"]["parse_failure_rate"] == 100.0


def test_the_markdown_table_and_the_command(eval_dir: Path, capsys):
    table = to_markdown(compare_dir(eval_dir))
    assert table.splitlines()[2] == ("| base | k=0 | 40.00 | 20.00 | 26.67 | 50.00 | 25.00 | "
                                     "33.33 | 46.67 | 23.33 | 31.11 | 37.5 |")
    assert main(["eval-compare", str(eval_dir)]) == 0
    assert (eval_dir / "compare.md").read_text(encoding="utf-8") == table
    doc = json.loads((eval_dir / "compare.json").read_text(encoding="utf-8"))
    assert [r["model"] for r in doc["rows"]] == ["base", "sft", "dpo"]
    assert "| dpo | k=0 |" in capsys.readouterr().out


def test_no_reports_or_a_foreign_file_is_one_error_line(tmp_path: Path, capsys):
    assert main(["eval-compare", str(tmp_path)]) == 2
    assert "no metrics files named" in capsys.readouterr().err
    _write(tmp_path, "base.k0.RE.metrics.json", {"tasks": {"relation": {"overall": {"f1": 3}}}})
    with pytest.raises(InputError, match="not a `kg2i eval` report"):
        compare_dir(tmp_path)
