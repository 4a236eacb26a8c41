"""Verification metrics: ranking quality (AUC) and accuracy at a fixed threshold."""
from __future__ import annotations

from collections.abc import Sequence

from sklearn.metrics import roc_auc_score


def auc_and_accuracy(labels: Sequence[int], scores: Sequence[float], threshold: float
                     ) -> dict[str, float]:
    if len(set(labels)) < 2:
        raise ValueError("AUC needs both positive and negative examples")
    correct = sum((score >= threshold) == bool(label) for label, score in zip(labels, scores))
    return {"auc": round(float(roc_auc_score(labels, scores)), 4),
            "accuracy": round(correct / len(labels), 4), "threshold": threshold,
            "pairs": len(labels), "positives": int(sum(labels))}
