"""Per-relation entailment thresholds, calibrated on dev pairs and saved beside the model.

One cut-off for every relation wastes the verifier: its scores are not equally sharp for every
property (a birth date is easy to confirm, an employer is not), so the cut-off that keeps a
precision target on one relation lets another through at half that. For each P-id with enough
dev pairs of both classes we take the lowest score threshold whose precision reaches the target
(lowest = best recall); the rest share the threshold calibrated on all dev pairs pooled.

Precision depends on the share of true claims, and dev sets do not have the pipeline's: the
gold sets are mostly positives, the pipeline's candidates are about half correct (issue 19's
hand audit). Precision is therefore computed at a stated prior (default 1:1): negatives are
weighted so both classes weigh the same, per relation and pooled.

A verifier that separates stated from unstated pairs only moderately reaches a high precision
target only by throwing most correct triples away (at 0.90 the gold-trained verifier kept 21%
of the correct dev pairs, and the hand audit found its removals mostly correct triples). The
recall floor `min_keep_correct` bounds that loss: no threshold, per relation or pooled, is set
above the score that keeps that share of the dev positives; a relation whose precision cut
keeps fewer is lowered to the floor, and one with no cut at all uses the floor, not the pooled
threshold (a pooled cut can sit far above one relation's positives).
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import InputError

THRESHOLDS_FILE = "thresholds.json"


@dataclass(frozen=True)
class CalibratedThresholds:
    """What `thresholds.json` holds: the language its scores are valid for, the pooled threshold,
    the per-P-id ones, and how they were chosen."""

    lang: str
    default: float
    by_pid: Mapping[str, float]
    target_precision: float
    positive_prior: float
    calibrated_on: str = ""
    min_keep_correct: float = 0.0
    report: Mapping[str, Mapping] = field(default_factory=dict)

    def for_pid(self, pid: str | None) -> float:
        return self.by_pid.get(pid, self.default) if pid else self.default


def _weighted_precision_cut(labels: Sequence[int], scores: Sequence[float], target: float,
                            prior: float, min_kept: int) -> tuple[float, float, float] | None:
    """(threshold, precision, recall) of the lowest threshold reaching `target` precision with
    positives re-weighted to make up `prior` of the mass, among thresholds keeping at least
    `min_kept` positives (a precision measured on two pairs says nothing); None when none does."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    w_pos, w_neg = prior / positives, (1 - prior) / negatives
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best = None
    kept_pos = kept_neg = 0.0
    for rank, index in enumerate(order):
        if labels[index]:
            kept_pos += 1
        else:
            kept_neg += 1
        if rank + 1 < len(order) and scores[order[rank + 1]] == scores[index]:
            continue                              # a threshold keeps every tie or none
        precision = kept_pos * w_pos / (kept_pos * w_pos + kept_neg * w_neg)
        if precision >= target and kept_pos >= min_kept:
            best = (scores[index], precision, kept_pos / positives)
    return best


def _recall_floor(labels: Sequence[int], scores: Sequence[float], keep: float
                  ) -> float | None:
    """The highest threshold keeping at least `keep` of the positives (None when `keep` is 0:
    no floor)."""
    positive_scores = sorted((s for s, y in zip(scores, labels) if y), reverse=True)
    if keep <= 0 or not positive_scores:
        return None
    needed = max(1, math.ceil(keep * len(positive_scores) - 1e-9))
    return positive_scores[needed - 1]


def _with_floor(cut: tuple[float, float, float] | None, floor: float | None,
                labels: Sequence[int], scores: Sequence[float], prior: float
                ) -> tuple[float, float, float] | None:
    """The precision cut lowered to the recall floor where it sits above it (or replaced by the
    floor where there is no cut), with the precision and recall at the result."""
    if floor is None or (cut is not None and cut[0] <= floor):
        return cut
    return (floor, *_precision_recall_at(labels, scores, floor, prior))


def _precision_recall_at(labels: Sequence[int], scores: Sequence[float], threshold: float,
                         prior: float) -> tuple[float, float]:
    positives = sum(labels)
    negatives = len(labels) - positives
    kept_pos = sum(1 for s, y in zip(scores, labels) if y and s >= threshold)
    kept_neg = sum(1 for s, y in zip(scores, labels) if not y and s >= threshold)
    w_pos = prior / positives if positives else 0.0
    w_neg = (1 - prior) / negatives if negatives else 0.0
    mass = kept_pos * w_pos + kept_neg * w_neg
    return (kept_pos * w_pos / mass if mass else 0.0,
            kept_pos / positives if positives else 0.0)


def calibrate(pids: Sequence[str], labels: Sequence[int], scores: Sequence[float], *,
              lang: str, target_precision: float = 0.9, positive_prior: float = 0.5,
              min_pairs: int = 40, min_each_class: int = 10, calibrated_on: str = "",
              min_keep_correct: float = 0.0) -> CalibratedThresholds:
    """Thresholds from dev (pid, label, score) triples; see the module docstring.

    A P-id with fewer than `min_pairs` pairs or `min_each_class` of either class uses the pooled
    threshold; so does one on which no threshold keeping at least `min_each_class` positives
    reaches the target, unless a recall floor is set (then the floor). When not even the pooled
    pairs reach the target, the pooled threshold is the lowest one reaching the highest
    precision that is reachable (in steps of 0.05); every threshold is at most its recall
    floor."""
    if not labels:
        raise ValueError("no dev pairs to calibrate on")
    pooled = _weighted_precision_cut(labels, scores, target_precision, positive_prior,
                                     min_each_class)
    if pooled is None:
        pooled = _best_precision(labels, scores, positive_prior, min_each_class)
    pooled = _with_floor(pooled, _recall_floor(labels, scores, min_keep_correct), labels,
                         scores, positive_prior)
    report: dict[str, dict] = {"*": {"threshold": round(pooled[0], 4),
                                     "precision": round(pooled[1], 4),
                                     "recall": round(pooled[2], 4), "pairs": len(labels)}}
    grouped: dict[str, list[int]] = defaultdict(list)
    for index, pid in enumerate(pids):
        grouped[pid].append(index)
    by_pid: dict[str, float] = {}
    for pid, indices in sorted(grouped.items()):
        sub_labels = [labels[i] for i in indices]
        sub_scores = [scores[i] for i in indices]
        positives = sum(sub_labels)
        entry: dict = {"pairs": len(indices), "positives": positives}
        if len(indices) < min_pairs or min(positives, len(indices) - positives) < min_each_class:
            entry["threshold"] = "pooled (too few pairs)"
        else:
            cut = _with_floor(
                _weighted_precision_cut(sub_labels, sub_scores, target_precision,
                                        positive_prior, min_each_class),
                _recall_floor(sub_labels, sub_scores, min_keep_correct), sub_labels,
                sub_scores, positive_prior)
            if cut is None:
                entry["threshold"] = "pooled (target unreachable)"
            else:
                by_pid[pid] = round(cut[0], 4)
                entry.update(threshold=by_pid[pid], precision=round(cut[1], 4),
                             recall=round(cut[2], 4))
        report[pid] = entry
    return CalibratedThresholds(lang, round(pooled[0], 4), by_pid, target_precision,
                                positive_prior, calibrated_on, min_keep_correct, report)


def _best_precision(labels: Sequence[int], scores: Sequence[float], prior: float,
                    min_kept: int) -> tuple[float, float, float]:
    for target in (0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.0):
        cut = _weighted_precision_cut(labels, scores, target, prior, min_kept)
        if cut is not None:
            return cut
    raise ValueError("calibration needs both positive and negative dev pairs")


def write_thresholds(model_dir: Path, thresholds: CalibratedThresholds) -> Path:
    path = model_dir / THRESHOLDS_FILE
    atomic_write_text(path, json.dumps({
        "lang": thresholds.lang, "default": thresholds.default, "by_pid": dict(thresholds.by_pid),
        "target_precision": thresholds.target_precision,
        "positive_prior": thresholds.positive_prior, "calibrated_on": thresholds.calibrated_on,
        "min_keep_correct": thresholds.min_keep_correct, "report": thresholds.report},
        indent=2, sort_keys=False) + "\n")
    return path


def read_thresholds(model_dir: str | Path) -> CalibratedThresholds | None:
    """The model's calibrated thresholds, None when it has none (a hub model, an old verifier)."""
    path = Path(model_dir) / THRESHOLDS_FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        by_pid = {str(pid): float(value) for pid, value in raw["by_pid"].items()}
        return CalibratedThresholds(str(raw["lang"]), float(raw["default"]), by_pid,
                                    float(raw["target_precision"]), float(raw["positive_prior"]),
                                    str(raw.get("calibrated_on", "")),
                                    float(raw.get("min_keep_correct", 0.0)),
                                    raw.get("report", {}))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(str(path), f"expected lang, default, by_pid, target_precision, "
                                    f"positive_prior: {exc!r}") from None
