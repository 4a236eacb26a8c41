"""Models side by side: the strict figures of several `kg2i eval` reports as one table.

`make eval` scores every model (base, SFT, DPO) with k = 0 and k = 3 demonstrations, each task in
its own report named ``<model>.k<k>.<TASK>.metrics.json`` (IEPile's evaluator reads one task per
file). This module reads those reports back and writes one row per model and k: precision, recall
and F1 for relations, entities and all facts together, and the parse-failure rate. The "all"
figures are recomputed from the summed fact counts with the evaluator's arithmetic (micro over
facts, P and R rounded before F1), never averaged from the per-task percentages.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.errors import InputError
from kg2instruction.evaluate.metrics import MatchCounts, percent, precision_recall_f1

METRICS_NAME = re.compile(r"^(?P<model>[^.]+)\.k(?P<shots>\d+)(?:\.(?P<task>[^.]+))?"
                          r"\.metrics\.json$")
MODEL_ORDER = ("base", "sft", "dpo")
GROUPS = ("relation", "entity", "all")


@dataclass
class _Totals:
    counts: MatchCounts = field(default_factory=MatchCounts)
    answered: int = 0
    parse_failures: int = 0
    instructions: int = 0

    def add(self, overall: dict[str, Any]) -> None:
        self.counts += MatchCounts(overall["gold"], overall["predicted"], overall["correct"])
        self.answered += overall["instructions"] - overall.get("missing_predictions", 0)
        self.parse_failures += overall["parse_failures"]
        self.instructions += overall["instructions"]

    def figures(self) -> dict[str, Any]:
        prf = precision_recall_f1(self.counts)
        return {"gold": self.counts.gold, "predicted": self.counts.predicted,
                "correct": self.counts.correct, "precision": prf.precision,
                "recall": prf.recall, "f1": prf.f1, "instructions": self.instructions,
                "parse_failure_rate": percent(self.parse_failures, self.answered)}


def compare_dir(eval_dir: Path) -> dict[str, Any]:
    """The comparison document of every `<model>.k<k>[.<TASK>].metrics.json` in `eval_dir`."""
    found: dict[tuple[str, int], list[Path]] = {}
    for path in sorted(Path(eval_dir).glob("*.metrics.json")):
        match = METRICS_NAME.match(path.name)
        if match:
            found.setdefault((match["model"], int(match["shots"])), []).append(path)
    if not found:
        raise InputError(eval_dir, "no metrics files named <model>.k<shots>[.<TASK>]"
                                   ".metrics.json (write them with `make eval` or `kg2i eval "
                                   "--out`)")
    rows = []
    for (model, shots), files in sorted(found.items(), key=lambda item: (_rank(item[0][0]),
                                                                         item[0][1])):
        totals = {group: _Totals() for group in GROUPS}
        for path in files:
            for task, figures in _tasks(path).items():
                if task in totals and figures.get("overall"):
                    totals[task].add(figures["overall"])
                    totals["all"].add(figures["overall"])
        rows.append({"model": model, "shots": shots,
                     "files": [p.name for p in files],
                     **{group: totals[group].figures() for group in GROUPS}})
    return {"eval_dir": str(eval_dir), "parsing": "strict", "rows": rows}


def _rank(model: str) -> tuple[int, str]:
    return (MODEL_ORDER.index(model) if model in MODEL_ORDER else len(MODEL_ORDER), model)


def _tasks(path: Path) -> dict[str, Any]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        tasks = report["tasks"]
        if not isinstance(tasks, dict):
            raise TypeError
        for figures in tasks.values():
            overall = figures.get("overall") or {}
            for key in ("gold", "predicted", "correct", "instructions", "parse_failures"):
                if overall and not isinstance(overall.get(key), int):
                    raise TypeError
        return tasks
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError(path, "not a `kg2i eval` report (expected tasks.<task>.overall with "
                               "gold, predicted, correct, instructions, parse_failures)") from None


def to_markdown(doc: dict[str, Any]) -> str:
    """The table: one row per model and k, P / R / F1 per group, then the parse-failure rate."""
    head = ["model", "shots"] + [f"{g} {m}" for g in GROUPS for m in ("P", "R", "F1")] \
        + ["parse fail %"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for row in doc["rows"]:
        cells = [row["model"], f"k={row['shots']}"]
        for group in GROUPS:
            g = row[group]
            cells += [f"{g['precision']:.2f}", f"{g['recall']:.2f}", f"{g['f1']:.2f}"]
        cells.append(f"{row['all']['parse_failure_rate']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
