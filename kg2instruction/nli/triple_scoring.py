"""Score candidate triples against their paragraphs, and split them by threshold.

Pure functions over plain rows so they are testable without the pipeline framework: the stages
in `kg2instruction.stages.nli_filter` only convert Arrow tables and count. Scoring and
thresholding are separate on purpose: scores are stored for every triple, so changing a
threshold re-runs only the cheap split.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kg2instruction.config.theme import Theme
from kg2instruction.errors import ConfigError
from kg2instruction.nli.hypotheses import fill_templates
from kg2instruction.nli.premise import PremiseMode, extract_premise
from kg2instruction.nli.scorer import EntailmentScorer, Pair

FALLBACK_TEMPLATE_LANG = "en"   # for paragraph languages a theme has no templates in


@dataclass(frozen=True)
class Paragraph:
    text: str
    lang: str


@dataclass(frozen=True)
class ScoringRequest:
    """What one triple is judged on: a premise and the hypotheses of its relation."""

    premise: str
    hypotheses: tuple[str, ...]


@dataclass(frozen=True)
class TripleScore:
    score: float          # max P(entailment) over the hypotheses
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


def scoring_request(triple: Mapping, paragraph: Paragraph, theme: Theme,
                    mode: PremiseMode) -> ScoringRequest:
    premise = extract_premise(paragraph.text, paragraph.lang, _mention_offsets(triple), mode)
    templates = templates_for(theme, triple["relation"], paragraph.lang)
    return ScoringRequest(premise, tuple(fill_templates(templates, triple["head"],
                                                        triple["tail"])))


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
                  mode: PremiseMode = "sentence_span") -> list[TripleScore]:
    """Score each triple with the scorer of its paragraph's language (`scorer_for_lang(lang)`).

    A triple whose paragraph is missing is an error: the stage's inputs are misaligned."""
    by_lang: dict[str, list[int]] = {}
    requests: list[ScoringRequest] = []
    for index, triple in enumerate(triples):
        paragraph = paragraphs.get(triple["paragraph_id"])
        if paragraph is None:
            raise KeyError(f"triple {triple['triple_id']}: paragraph {triple['paragraph_id']} "
                           "is not in the paragraphs input")
        requests.append(scoring_request(triple, paragraph, theme, mode))
        by_lang.setdefault(paragraph.lang, []).append(index)
    results: list[TripleScore | None] = [None] * len(triples)
    for lang, indices in by_lang.items():
        for index, result in zip(indices, score_requests([requests[i] for i in indices],
                                                         scorer_for_lang(lang))):
            results[index] = result
    return results   # type: ignore[return-value]


def keep_mask(relations: Sequence[str], scores: Sequence[float], theme: Theme) -> list[bool]:
    """True where score >= the relation's threshold (its override, else the theme's)."""
    thresholds = {rel: theme.threshold_for(theme.relation(rel)) for rel in set(relations)}
    return [score >= thresholds[rel] for rel, score in zip(relations, scores)]
