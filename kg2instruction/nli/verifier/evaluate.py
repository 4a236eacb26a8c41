"""Evaluate a scorer on held-out relation-verification examples, the way the stage scores:
max P(entailment) over the relation's hypotheses, AUC overall and per negative kind."""
from __future__ import annotations

from collections.abc import Sequence

from kg2instruction.nli.metrics import auc_and_accuracy
from kg2instruction.nli.scorer import EntailmentScorer
from kg2instruction.nli.triple_scoring import ScoringRequest, score_requests
from kg2instruction.nli.verifier.general_nli import NliPair
from kg2instruction.nli.verifier.relation_pairs import RelationExample
from kg2instruction.nli.verifier.template_bank import TemplateBank
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
