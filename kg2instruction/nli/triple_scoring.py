"""Score candidate triples against their paragraphs, and split them by threshold.

Pure functions over plain rows so they are testable without the pipeline framework: the stages
in `kg2instruction.stages.nli_filter` only convert Arrow tables and count. Scoring and
thresholding are separate on purpose: scores are stored for every triple, so changing a
threshold re-runs only the cheap split.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg2instruction.config.senses import Senses
from kg2instruction.config.theme import Theme
from kg2instruction.errors import ConfigError
from kg2instruction.nli.hypotheses import fill_claim_template, fill_template
from kg2instruction.nli.premise import PremiseMode, evidence_premise, extract_premise
from kg2instruction.nli.scorer import EntailmentScorer, Pair

if TYPE_CHECKING:          # the verifier package imports this module
    from kg2instruction.nli.verifier.thresholds import CalibratedThresholds

FALLBACK_TEMPLATE_LANG = "en"   # for paragraph languages a theme has no templates in


@dataclass(frozen=True)
class Paragraph:
    text: str
    lang: str


@dataclass(frozen=True)
class ScoringRequest:
    """What one triple is judged on: a premise and its hypothesis (one per triple in the stage;
    a tuple so benchmarks can still score the max over several)."""

    premise: str
    hypotheses: tuple[str, ...]


@dataclass(frozen=True)
class TripleScore:
    score: float          # P(entailment) of the hypothesis (the max, when a request has several)
    hypothesis: str       # the hypothesis that reached it


def _mention_offsets(triple: Mapping) -> list[tuple[int, int]]:
    """(start, end) of each end that has offsets (an implicit page subject has none)."""
    return [(triple[f"{end}_start"], triple[f"{end}_end"]) for end in ("head", "tail")
            if triple.get(f"{end}_start") is not None and triple.get(f"{end}_end") is not None]


def templates_for(theme: Theme, relation: str, lang: str) -> list[str]:
    """The relation's templates in `lang` (English for languages the theme does not cover)."""
    if not theme.has_relation(relation):
        raise ConfigError(f"triple relation {relation!r} is not a relation of theme "
                          f"{theme.theme!r}; the NLI stage needs its templates", key="relations")
    templates = theme.relation(relation).templates
    return templates.in_lang(lang) or templates.in_lang(FALLBACK_TEMPLATE_LANG)


def hypothesis_for(triple: Mapping, lang: str, theme: Theme, senses: Senses | None) -> str:
    """The one statement a triple is judged on: its P-id's sense (themes/relation_senses.yaml),
    oriented by the triple's direction, so a label gathering several properties cannot confirm
    one with another's wording. A triple without a P-id (an alias) or whose P-id has no sense
    reads its relation's first template."""
    templates = templates_for(theme, triple["relation"], lang)    # also checks the relation
    sense = senses.template(triple.get("pid"), lang) if senses is not None else None
    if sense is not None:
        return fill_claim_template(sense, triple["head"], triple["tail"], triple.get("direction"))
    return fill_template(templates[0], triple["head"], triple["tail"])


def premise_for(triple: Mapping, paragraph: Paragraph, mode: PremiseMode) -> str:
    """The text the verifier reads: the triple's evidence sentence in `evidence` mode (rows
    without evidence fall back to the sentences spanning both mentions)."""
    if mode == "evidence":
        premise = evidence_premise(paragraph.text, triple)
        if premise is not None:
            return premise
        mode = "sentence_span"
    return extract_premise(paragraph.text, paragraph.lang, _mention_offsets(triple), mode)


def scoring_request(triple: Mapping, paragraph: Paragraph, theme: Theme,
                    mode: PremiseMode, senses: Senses | None = None) -> ScoringRequest:
    premise = premise_for(triple, paragraph, mode)
    return ScoringRequest(premise, (hypothesis_for(triple, paragraph.lang, theme, senses),))


def score_requests(requests: Sequence[ScoringRequest], scorer: EntailmentScorer
                   ) -> list[TripleScore]:
    """One scorer call for all pairs of all requests (identical pairs scored once)."""
    unique: dict[Pair, int] = {}
    for request in requests:
        for hypothesis in request.hypotheses:
            unique.setdefault((request.premise, hypothesis), len(unique))
    probs = scorer.entailment_probs(list(unique)) if unique else []
    scores = []
    for request in requests:
        found = [probs[unique[(request.premise, h)]] for h in request.hypotheses]
        best = max(range(len(found)), key=lambda i: (found[i], -i))   # first of equal maxima
        scores.append(TripleScore(found[best], request.hypotheses[best]))
    return scores


def score_triples(triples: Sequence[Mapping], paragraphs: Mapping[str, Paragraph], theme: Theme,
                  scorer_for_lang: Callable[[str], EntailmentScorer],
                  mode: PremiseMode = "evidence", senses: Senses | None = None
                  ) -> list[TripleScore]:
    """Score each triple with the scorer of its paragraph's language (`scorer_for_lang(lang)`),
    on its relation sense's hypothesis (`senses`; None: every triple reads its label's first
    template).

    A triple whose paragraph is missing is an error: the stage's inputs are misaligned."""
    by_lang: dict[str, list[int]] = {}
    requests: list[ScoringRequest] = []
    for index, triple in enumerate(triples):
        paragraph = paragraphs.get(triple["paragraph_id"])
        if paragraph is None:
            raise KeyError(f"triple {triple['triple_id']}: paragraph {triple['paragraph_id']} "
                           "is not in the paragraphs input")
        requests.append(scoring_request(triple, paragraph, theme, mode, senses))
        by_lang.setdefault(paragraph.lang, []).append(index)
    results: list[TripleScore | None] = [None] * len(triples)
    for lang, indices in by_lang.items():
        for index, result in zip(indices, score_requests([requests[i] for i in indices],
                                                         scorer_for_lang(lang))):
            results[index] = result
    return results   # type: ignore[return-value]


def keep_mask(relations: Sequence[str], scores: Sequence[float], theme: Theme,
              pids: Sequence[str | None] | None = None,
              calibrated: CalibratedThresholds | None = None) -> list[bool]:
    """True where score >= the triple's threshold. A relation's own `nli_threshold` in the
    theme wins; else the verifier's threshold calibrated for the triple's P-id (its pooled one
    for P-ids calibrated without enough dev pairs); without calibrated thresholds, the theme's
    `nli_threshold`. `pids` (one per triple) is needed only with `calibrated`."""
    if calibrated is not None and pids is None:
        raise ValueError("calibrated thresholds are per P-id: pass the triples' pids")
    overrides = {rel: theme.relation(rel).nli_threshold for rel in set(relations)}
    default = {rel: theme.threshold_for(theme.relation(rel)) for rel in set(relations)}

    def threshold(index: int, rel: str) -> float:
        if overrides[rel] is not None or calibrated is None:
            return default[rel]
        return calibrated.for_pid(pids[index])      # type: ignore[index]

    return [score >= threshold(i, rel) for i, (rel, score) in enumerate(zip(relations, scores))]
