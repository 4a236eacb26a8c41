"""Evaluation of extraction models: tolerant output parsing, P/R/F1, ROUGE-2, Score, error types.

`evaluate_files` is what `kg2i eval` runs; the pieces live in `records` (files and ids), `parse`
(model output), `metrics`, `rouge`, `error_types`, `scoring` (per record, per theme) and `report`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kg2instruction.evaluate.metrics import MatchMode
from kg2instruction.evaluate.records import load_gold, load_predictions, pair_predictions
from kg2instruction.evaluate.report import build_report
from kg2instruction.evaluate.scoring import score_records


def evaluate_files(gold_path: str | Path, pred_path: str | Path, *,
                   mode: MatchMode = MatchMode.NORMAL,
                   missing_as_empty: bool = False) -> dict[str, Any]:
    """The report document for predictions `pred_path` against `gold_path` (see `records`)."""
    gold = load_gold(gold_path)
    predictions = load_predictions(pred_path)
    pairs = pair_predictions(gold, predictions, gold_path=gold_path, pred_path=pred_path,
                             missing_as_empty=missing_as_empty)
    return build_report(score_records(pairs, mode), mode, gold_path=gold_path,
                        pred_path=pred_path)


__all__ = ["MatchMode", "evaluate_files"]
