"""The evaluation report: one JSON document and a readable table, figures per theme and overall.

Every group of figures carries its ``match_mode`` and ``parsing``; the document states the scale
once more in ``conventions`` so that nobody mixes ROUGE-2 in [0, 1] with F1 in percent. ``tasks``
holds the figures under the field's parsing rule (strict); with ``--lenient`` the tolerant
figures are added under ``lenient`` (same shape), beside them and never in their place.
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
from kg2instruction.evaluate.scoring import GroupTotals, Parsing, RecordScore

CONVENTIONS = {
    "scale": "precision, recall, f1, rouge2 and score are percentages (0-100), two decimals",
    "matching": "exact, case-sensitive string match of (head, relation, tail) / (entity, type)",
    "averaging": "P/R/F1 micro over facts; ROUGE-2 macro over records (mean of a record's "
                 "instructions first)",
    "rounding": "P and R rounded to two decimals before F1 (IEPile's evaluator)",
    "score": "0.5 * f1 + 0.5 * rouge2",
    "rouge2_edge_cases": "both outputs without tokens = 100, one without = 0",
    "record_ids": "the lines sharing an id are the schema chunks of one record: their outputs "
                  "are merged and scored once against the record's label (IEPile)",
    "parsing": "strict (the field's rule): json.loads of the whole output, which must be the "
               "object the instruction asks for (or the text format its gold is written in); "
               "anything else is a parse failure that predicts nothing. lenient: fences, prose, "
               "trailing commas and single quotes repaired; reported beside strict only",
    "parse_failure_rate": "parse failures / answered instructions, percent",
}
LENIENT_NOTE = "tolerant repair of the model output; not the field's rule (see 'tasks' for that)"


def build_report(scores: Sequence[RecordScore], mode: MatchMode, *, gold_path: str | Path,
                 pred_path: str | Path,
                 lenient_scores: Sequence[RecordScore] | None = None) -> dict[str, Any]:
    """The report document: strict figures, and lenient ones beside them when given."""
    report = {"match_mode": MatchMode(mode).value, "parsing": Parsing.STRICT.value,
              "gold": str(gold_path), "predictions": str(pred_path), "conventions": CONVENTIONS,
              "tasks": _task_figures(scores, mode, Parsing.STRICT)}
    if lenient_scores is not None:
        report["lenient"] = {"parsing": Parsing.LENIENT.value, "note": LENIENT_NOTE,
                             "tasks": _task_figures(lenient_scores, mode, Parsing.LENIENT)}
    return report


def _task_figures(scores: Sequence[RecordScore], mode: MatchMode,
                  parsing: Parsing) -> dict[str, Any]:
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
            "overall": overall.summary(mode, task, parsing),
            "themes": {theme: totals.summary(mode, task, parsing)
                       for theme, totals in sorted(themes.items())},
        }
    return tasks


def write_report(report: dict[str, Any], path: str | Path) -> None:
    atomic_write_text(path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def format_table(report: dict[str, Any], width: int = 140) -> str:
    """Plain-text tables of the report: strict figures (metrics, then error types for relation
    tasks), then the lenient ones and a strict-vs-lenient line per task when present."""
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    mode = report["match_mode"]
    _print_tables(console, report["tasks"], mode, "strict (the field's rule)")
    lenient = report.get("lenient")
    if lenient is not None:
        _print_tables(console, lenient["tasks"], mode, "lenient (repaired output, not the "
                                                       "field's rule)")
        for task, body in report["tasks"].items():
            strict, loose = body["overall"], lenient["tasks"][task]["overall"]
            console.print(f"{task} overall F1: strict {strict['f1']:.2f}, lenient "
                          f"{loose['f1']:.2f}; parse failures: strict {strict['parse_failures']}"
                          f" ({strict['parse_failure_rate']:.2f}%), lenient "
                          f"{loose['parse_failures']} ({loose['parse_failure_rate']:.2f}%)")
    return console.export_text()


def _print_tables(console: Console, tasks: dict[str, Any], mode: str, parsing: str) -> None:
    for task, body in tasks.items():
        rows = [*body["themes"].items(), ("OVERALL", body["overall"])]
        metrics = Table(title=f"{task} extraction — parsing: {parsing} — match mode: {mode} — "
                              f"all figures in percent")
        for column in ("theme", "records", "gold", "pred", "correct", "P", "R", "F1", "ROUGE-2",
                       "Score", "parse fail", "fail %", "missing"):
            metrics.add_column(column, justify="left" if column == "theme" else "right")
        for theme, s in rows:
            metrics.add_row(theme, str(s["records"]), str(s["gold"]), str(s["predicted"]),
                            str(s["correct"]), f"{s['precision']:.2f}", f"{s['recall']:.2f}",
                            f"{s['f1']:.2f}", f"{s['rouge2']:.2f}", f"{s['score']:.2f}",
                            str(s["parse_failures"]), f"{s['parse_failure_rate']:.2f}",
                            str(s["missing_predictions"]))
        console.print(metrics)
        if task == Task.RELATION.value:
            errors = Table(title=f"error types, percent of wrong predictions — parsing: "
                                 f"{parsing} — match mode: {mode}")
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
