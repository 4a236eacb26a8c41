"""Evaluate a scorer on held-out relation-verification examples, the way the stage scores:
max P(entailment) over the relation's hypotheses, AUC overall and per negative kind."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from kg2instruction.nli.metrics import auc_and_accuracy
from kg2instruction.nli.scorer import EntailmentScorer
from kg2instruction.nli.triple_scoring import ScoringRequest, score_requests
from kg2instruction.nli.verifier.general_nli import NliPair
from kg2instruction.nli.verifier.gold_pairs import VerificationPair, hypothesis
from kg2instruction.nli.verifier.relation_pairs import RelationExample
from kg2instruction.nli.verifier.template_bank import TemplateBank
from kg2instruction.nli.verifier.thresholds import CalibratedThresholds
from kg2instruction.nli.verifier.training_data import render_all


def requests_for(examples: Sequence[RelationExample], bank: TemplateBank,
                 max_templates: int | None = None) -> list[ScoringRequest]:
    return [ScoringRequest(e.premise, tuple(render_all(e, bank)[:max_templates]))
            for e in examples]


def evaluate_scorer(examples: Sequence[RelationExample], bank: TemplateBank,
                    scorer: EntailmentScorer, threshold: float,
                    max_templates: int | None = None) -> dict:
    """Overall AUC/accuracy and AUC of positives against each kind of negative."""
    results = score_requests(requests_for(examples, bank, max_templates), scorer)
    scores = [r.score for r in results]
    labels = [e.label for e in examples]
    report = {"overall": auc_and_accuracy(labels, scores, threshold), "by_negative_kind": {}}
    positives = [s for s, e in zip(scores, examples) if e.label == 1]
    for kind in sorted({e.kind for e in examples if e.label == 0}):
        negatives = [s for s, e in zip(scores, examples) if e.kind == kind]
        report["by_negative_kind"][kind] = auc_and_accuracy(
            [1] * len(positives) + [0] * len(negatives), positives + negatives, threshold)
    return report


def evaluate_nli_pairs(pairs: Sequence[NliPair], scorer: EntailmentScorer, threshold: float
                       ) -> dict:
    """AUC/accuracy of P(entailment) on labelled general NLI pairs (the Chinese measure)."""
    scores = scorer.entailment_probs([(p.premise, p.hypothesis) for p in pairs])
    return {"overall": auc_and_accuracy([p.label for p in pairs], scores, threshold)}


def score_gold_pairs(pairs: Sequence[VerificationPair], templates: Mapping[str, str],
                     scorer: EntailmentScorer) -> list[float]:
    """P(entailment) of each pair's one hypothesis (`templates`: P-id -> its sense template;
    every pair's P-id must have one, see `with_template`)."""
    return scorer.entailment_probs([(p.premise, hypothesis(p, templates[p.pid])) for p in pairs])


def with_template(pairs: Sequence[VerificationPair], templates: Mapping[str, str]
                  ) -> list[VerificationPair]:
    """The pairs whose relation has a sense (the others cannot be put as one statement)."""
    return [p for p in pairs if p.pid in templates]


def _at_threshold(labels: Sequence[int], kept: Sequence[bool]) -> dict:
    """Accuracy, precision, recall; `precision_1to1` re-weights the classes to equal mass (the
    gold sets' own positive shares, 0.4-0.85, make raw precision incomparable across sets)."""
    true_pos = sum(1 for y, k in zip(labels, kept) if y and k)
    false_pos = sum(1 for y, k in zip(labels, kept) if not y and k)
    kept_n = sum(kept)
    positives = sum(labels)
    negatives = len(labels) - positives
    tpr = true_pos / positives if positives else 0.0
    fpr = false_pos / negatives if negatives else 0.0
    return {"accuracy": round(sum(bool(y) == k for y, k in zip(labels, kept)) / len(labels), 4),
            "precision": round(true_pos / kept_n, 4) if kept_n else None,
            "precision_1to1": round(tpr / (tpr + fpr), 4) if tpr + fpr else None,
            "recall": round(tpr, 4) if positives else None,
            "kept": kept_n}


def evaluate_gold(pairs: Sequence[VerificationPair], scores: Sequence[float],
                  thresholds: CalibratedThresholds | None = None, fixed: float = 0.5) -> dict:
    """AUC overall, per negative kind (positives vs that kind) and per P-id; accuracy,
    precision and recall at the fixed threshold and at the calibrated per-relation ones."""
    labels = [p.label for p in pairs]
    report: dict = {"overall": auc_and_accuracy(labels, scores, fixed), "by_negative_kind": {},
                    "by_pid": {}}
    report["at_fixed"] = _at_threshold(labels, [s >= fixed for s in scores])
    if thresholds is not None:
        report["at_calibrated"] = _at_threshold(
            labels, [s >= thresholds.for_pid(p.pid) for p, s in zip(pairs, scores)])
    positives = [s for s, p in zip(scores, pairs) if p.label == 1]
    for kind in sorted({p.kind for p in pairs if p.label == 0}):
        negatives = [s for s, p in zip(scores, pairs) if p.kind == kind]
        report["by_negative_kind"][kind] = auc_and_accuracy(
            [1] * len(positives) + [0] * len(negatives), positives + negatives, fixed)
    for pid in sorted({p.pid for p in pairs}):
        sub = [(p.label, s) for p, s in zip(pairs, scores) if p.pid == pid]
        if len({y for y, _ in sub}) == 2:
            report["by_pid"][pid] = auc_and_accuracy([y for y, _ in sub], [s for _, s in sub],
                                                     fixed)
    return report
