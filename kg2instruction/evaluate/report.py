"""The evaluation report: one JSON document and a readable table, figures per theme and overall.

Every group of figures carries its ``match_mode``; the document states the scale once more in
``conventions`` so that nobody mixes ROUGE-2 in [0, 1] with F1 in percent.
"""
from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kg2instruction.atomic import atomic_write_text
from kg2instruction.evaluate.error_types import WRONG
from kg2instruction.evaluate.metrics import MatchMode
from kg2instruction.evaluate.records import Task
from kg2instruction.evaluate.scoring import GroupTotals, RecordScore

CONVENTIONS = {
    "scale": "precision, recall, f1, rouge2 and score are percentages (0-100), two decimals",
    "matching": "exact, case-sensitive string match of (head, relation, tail) / (entity, type)",
    "averaging": "P/R/F1 micro over facts; ROUGE-2 macro over records (mean of a record's "
                 "instructions first)",
    "rounding": "P and R rounded to two decimals before F1 (IEPile's evaluator)",
    "score": "0.5 * f1 + 0.5 * rouge2",
    "rouge2_edge_cases": "both outputs without tokens = 100, one without = 0",
    "record_ids": "instruction ids '<record>#<k>' are merged into record '<record>'",
}


def build_report(scores: Sequence[RecordScore], mode: MatchMode, *, gold_path: str | Path,
                 pred_path: str | Path) -> dict[str, Any]:
    """The report document for the record scores of one evaluation."""
    tasks: dict[str, Any] = {}
    for task in Task:
        task_scores = [s for s in scores if s.task is task]
        if not task_scores:
            continue
        overall = GroupTotals()
        themes: dict[str, GroupTotals] = {}
        for score in task_scores:
            overall.add(score)
            themes.setdefault(score.theme, GroupTotals()).add(score)
        tasks[task.value] = {
            "overall": overall.summary(mode, task),
            "themes": {theme: totals.summary(mode, task)
                       for theme, totals in sorted(themes.items())},
        }
    return {"match_mode": MatchMode(mode).value, "gold": str(gold_path),
            "predictions": str(pred_path), "conventions": CONVENTIONS, "tasks": tasks}


def write_report(report: dict[str, Any], path: str | Path) -> None:
    atomic_write_text(path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def format_table(report: dict[str, Any], width: int = 140) -> str:
    """Plain-text tables of the report (metrics, then error types for relation tasks)."""
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    mode = report["match_mode"]
    for task, body in report["tasks"].items():
        rows = [*body["themes"].items(), ("OVERALL", body["overall"])]
        metrics = Table(title=f"{task} extraction — match mode: {mode} — all figures in percent")
        for column in ("theme", "records", "gold", "pred", "correct", "P", "R", "F1", "ROUGE-2",
                       "Score", "parse fail", "missing"):
            metrics.add_column(column, justify="left" if column == "theme" else "right")
        for theme, s in rows:
            metrics.add_row(theme, str(s["records"]), str(s["gold"]), str(s["predicted"]),
                            str(s["correct"]), f"{s['precision']:.2f}", f"{s['recall']:.2f}",
                            f"{s['f1']:.2f}", f"{s['rouge2']:.2f}", f"{s['score']:.2f}",
                            str(s["parse_failures"]), str(s["missing_predictions"]))
        console.print(metrics)
        if task == Task.RELATION.value:
            errors = Table(title=f"error types, percent of wrong predictions — match mode: {mode}")
            errors.add_column("theme")
            errors.add_column("wrong", justify="right")
            for kind in WRONG:
                errors.add_column(kind.value.replace("_", " "), justify="right")
            for theme, s in rows:
                counts = s["error_types"]["counts"]
                shares = s["error_types"]["percent_of_errors"]
                errors.add_row(theme, str(sum(counts[k.value] for k in WRONG)),
                               *(f"{shares[k.value]:.2f}" for k in WRONG))
            console.print(errors)
    return console.export_text()
