"""Evaluation of extraction models: the field's output parsing, P/R/F1, ROUGE-2, Score, error types.

`evaluate_files` is what `kg2i eval` runs; the pieces live in `records` (files and ids), `strict`
(model output read by the field's rule), `parse` (tolerant reading, opt-in), `metrics`, `rouge`,
`error_types`, `scoring` (per record, per theme) and `report`; `instance` scores one answer alone
(what preference pairs rank by) and `compare` puts several reports side by side.
They are imported when `evaluate_files` runs, not with the package: ROUGE pulls in nltk (and
through it scipy and scikit-learn), and `kg2i --help` or `from kg2instruction.evaluate.metrics
import MatchMode` must not wait for that.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kg2instruction.evaluate.metrics import MatchMode


def evaluate_files(gold_path: str | Path, pred_path: str | Path, *,
                   mode: MatchMode = MatchMode.NORMAL, missing_as_empty: bool = False,
                   lenient: bool = False) -> dict[str, Any]:
    """The report document for predictions `pred_path` against `gold_path` (see `records`):
    strict figures, plus lenient ones beside them when `lenient` is set."""
    from kg2instruction.evaluate.records import load_gold, load_predictions, pair_predictions
    from kg2instruction.evaluate.report import build_report
    from kg2instruction.evaluate.scoring import Parsing, score_records

    gold = load_gold(gold_path)
    predictions = load_predictions(pred_path)
    pairs = pair_predictions(gold, predictions, gold_path=gold_path, pred_path=pred_path,
                             missing_as_empty=missing_as_empty)
    loose = score_records(pairs, mode, Parsing.LENIENT) if lenient else None
    return build_report(score_records(pairs, mode, Parsing.STRICT), mode, gold_path=gold_path,
                        pred_path=pred_path, lenient_scores=loose)


__all__ = ["MatchMode", "evaluate_files"]
