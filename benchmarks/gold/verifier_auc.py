"""The configured verifier's ranking of human relation-verification pairs (AUC).

A pair is scored as the NLI stage scores a triple: the stage's model and settings (its
`score_nli` config), the premise the pair gives, and the P-id's relation sense as the one
hypothesis (`themes/relation_senses.yaml`, claim orientation: head = the claim's subject). AUC is
reported per source, per negative kind (that kind against all positives of the source) and per
P-id; pairs of P-ids without a sense are counted, not scored.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kg2instruction.config.senses import load_senses_file
from kg2instruction.nli.hypotheses import fill_claim_template
from kg2instruction.nli.triple_scoring import ScoringRequest, score_requests
from kg2instruction.nli.verifier.bundled import resolve_model

MIN_CLASS_FOR_AUC = 10     # per-P-id AUC only with at least this many pairs of each label


def _auc(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, Any] | None:
    if len(set(labels)) < 2:
        return None
    from kg2instruction.nli.metrics import auc_and_accuracy

    return auc_and_accuracy(list(labels), list(scores), threshold)


def _breakdown(pairs: Sequence[Any], scores: Sequence[float], threshold: float
               ) -> dict[str, Any]:
    labels = [p.label for p in pairs]
    positives = [s for s, p in zip(scores, pairs) if p.label == 1]
    report: dict[str, Any] = {"overall": _auc(labels, scores, threshold),
                              "pairs_by_kind": dict(Counter(p.kind for p in pairs)),
                              "by_negative_kind": {}, "by_pid": {}}
    for kind in sorted({p.kind for p in pairs if p.label == 0}):
        negatives = [s for s, p in zip(scores, pairs) if p.kind == kind]
        report["by_negative_kind"][kind] = _auc([1] * len(positives) + [0] * len(negatives),
                                                positives + negatives, threshold)
    for pid in sorted({p.pid for p in pairs}):
        mine = [(p.label, s) for p, s in zip(pairs, scores) if p.pid == pid]
        counts = Counter(label for label, _ in mine)
        if min(counts[0], counts[1]) >= MIN_CLASS_FOR_AUC:
            found = _auc([label for label, _ in mine], [s for _, s in mine], threshold)
            report["by_pid"][pid] = {"auc": found["auc"], "pairs": len(mine)} if found else None
    return report


def verifier_auc(pairs_by_source: Mapping[str, Sequence[Any]], score_nli_config: Any,
                 base_dir: Path, threshold: float = 0.5, lang: str = "en") -> dict[str, Any]:
    """AUC of the stage's verifier on each source's pairs (VerificationPair-like objects)."""
    from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings

    config = score_nli_config
    senses = load_senses_file(base_dir / config.senses_file)
    scorer = HfNliScorer(resolve_model(config.model_for(lang)), HfScorerSettings(
        device=config.device, precision=config.precision, max_length=config.max_length,
        max_batch_size=config.max_batch_size, max_batch_tokens=config.max_batch_tokens,
        cpu_threads=config.cpu_threads))
    report: dict[str, Any] = {"model": config.model_for(lang), "senses_file": config.senses_file,
                              "threshold": threshold, "by_source": {}}
    for source, pairs in pairs_by_source.items():
        usable = [p for p in pairs if senses.template(p.pid, lang) is not None]
        requests = [ScoringRequest(p.premise, (fill_claim_template(
            senses.template(p.pid, lang), p.head, p.tail, "forward"),)) for p in usable]
        scores = [r.score for r in score_requests(requests, scorer)]
        report["by_source"][source] = {**_breakdown(usable, scores, threshold),
                                       "pairs": len(usable),
                                       "skipped_without_sense": len(pairs) - len(usable)}
    return report
