"""Link mentions to KG entities: candidates by name, chosen by tail-label overlap (as in the paper),
with what Wikipedia itself says about names.

A candidate's overlap score is the number of the paragraph's other mentions whose names occur
among the labels and aliases of the candidate's KG neighbours: the "Paris" whose neighbours
include "Troy", "Helen" and "Priam" is the Trojan prince when those names are in the paragraph,
whatever the capital's popularity.

Links (and their repeats and the bold subject: the mentions of one target in a paragraph are
decided together, once) take their candidates from the title (`link_targets`). First comes a
candidate labelled exactly as the title that the KG gives a class and whose type fits the NER
label of the span, if NER labelled it ("White House" the building, not an office of that
label; an untyped stub called "United States" is not what the article "United States" is
about); then overlap, then the link's own target, type fit, more claims, the lower QID. A link is
always linked when it has any candidate: the writer asserted an entity.

Any other mention is decided on its text:
- its candidates must keep the capitals of the name they match ("Un" is not "UN") and, where NER
  labelled the span, not reach only entity-type categories the label rules out
  (`LinkConfig.ner_label_categories`: "Freeman" tagged PERSON is not a work called "Freeman";
  an entity the KG gives no category is not ruled out);
- overlap first; then commonness: how often the shard's own hyperlinks with this anchor text
  were linked to the candidate (computed after the links are decided, from the MENTIONS table of
  the shard, so the local and Ray executors, which hand the stage the same shards, agree);
- without either, it is linked only when one candidate dwarfs the others in prominence, its
  statements plus those pointing at it (`LinkConfig.dominance`), or when it has a single
  candidate and a name of several words: a single word ("Freeman", "Alfie", "Lemberg") is as
  often a given name, a surname or a former name of something else. Guessing by popularity alone is what the tail-label check exists to
  avoid.
The evidence of every choice (score, runner-up, number of candidates, how it was decided) is
kept; where nothing was chosen (a certain QID, a single candidate) the score stays null, which
also spares fetching the neighbours of hub entities that need no scoring.
"""
from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from kg2instruction.annotate.link_targets import is_own_target, target_candidates, title_variants
from kg2instruction.annotate.mention import VALUE_SOURCES
from kg2instruction.annotate.name_index import case_compatible
from kg2instruction.annotate.neighbour_cache import neighbour_cache
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.entity_types import Category, EntityTypes
from kg2instruction.kg.protocol import Candidate, KnowledgeGraph, qid_number
from kg2instruction.schemas import LINKED_MENTIONS
from kg2instruction.text.normalize import is_unspaced, normalize_name

LinkedBy = Literal["sitelink", "page", "neighbour", "unique", "overlap", "commonness", "prominence",
                   "link_target", "type", "claims", "qid", "unlinked", "value"]
_PLACES = ("geographic_region", "astronomical_object", "architectural_structure")


class LinkConfig(BaseModel):
    """Bounds of candidate scoring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_candidates: int = Field(20, ge=1, description=(
        "candidates scored per mention, most claims first (a link's own target always included); "
        "bounds the neighbour look-ups for very ambiguous names"))
    min_free_chars: int = Field(2, ge=1, description=(
        "shortest mention linked on its own text (not a link or a repeat): a lone letter ('F' in "
        "'64 °F') names nothing by itself"))
    dominance: float | None = Field(10.0, gt=1, description=(
        "a free mention with no contextual evidence is linked to the candidate it names (by label "
        "or alias; its type fitting the NER label) when that candidate's prominence (its statements "
        "plus the statements pointing at it) is at least this many times the next one's plus "
        "one ('Paris' the capital, not a town of one claim); null: never link without evidence"))
    ner_label_categories: dict[str, tuple[Category, ...]] = Field(
        default_factory=lambda: {
            "PERSON": ("human",), "PER": ("human",),                   # spaCy, LAC
            "GPE": ("geographic_region", "organization"),              # a country acts as one
            "LOC": _PLACES, "FAC": (*_PLACES, "transport", "organization"),
            "ORG": ("organization", "geographic_region", "product", "architectural_structure")},
        description=("entity-type categories an entity must reach to be linked to a span NER gave "
                     "this label (labels absent here constrain nothing); needs entity types"))


@dataclass(frozen=True)
class Decision:
    qid: str | None
    linked_by: LinkedBy
    score: float | None = None
    runner_up_qid: str | None = None
    runner_up_score: float | None = None
    n_candidates: int | None = None


@dataclass(frozen=True)
class _Scored:
    candidate: Candidate
    score: int
    prior: float
    own_target: bool
    fits: bool

    def rank_key(self) -> tuple:
        return (not (self.own_target and self.fits), -self.score, -self.prior, not self.own_target,
                not self.fits, -self.candidate.n_claims, qid_number(self.candidate.qid))


def decide(candidates: Sequence[Candidate], score_of: Mapping[str, int], *, target: str | None,
           lang: str, is_link: bool, n_found: int | None = None,
           prior_of: Mapping[str, float] | None = None,
           untyped: Collection[str] = frozenset(), unfit: Collection[str] = frozenset(),
           dominance: float | None = None,
           pointed_at: Mapping[str, int] | None = None) -> Decision:
    """Choose among scored candidates (see the module docstring for the rules).

    `n_found` is the number of candidates before shortlisting (reported as evidence); `prior_of`
    the commonness of each candidate for the mention's text; `untyped` the candidates the KG
    gives no class (never a link's own target); `unfit` those whose type does not fit the NER
    label of the span (a tie-break); `dominance` lets a free mention without evidence be linked
    to the candidate that has that many times the prominence of every other (plus one), whether
    it matched by label or by alias ("China" is an alias of the People's Republic and the label
    of the cultural region; "印度" an alias of India in the bundled KG). Prominence is a
    candidate's statements plus `pointed_at` (statements whose value it is): a country has a few
    hundred statements of its own but thousands pointing at it, which is what tells "Germany" the
    country from "Nazi Germany" (alias "Germany") where the statements of each alone do not (278
    against 28 in the bundled KG: under 10x; with what points at them, 1,066 against 44)."""
    n_found = len(candidates) if n_found is None else n_found
    if not candidates:
        return Decision(None, "unlinked", n_candidates=n_found)
    prior_of = prior_of or {}
    scored = sorted((_Scored(c, score_of.get(c.qid, 0), prior_of.get(c.qid, 0.0),
                             target is not None and c.qid not in untyped
                             and is_own_target(c, target, lang), c.qid not in unfit)
                     for c in candidates), key=_Scored.rank_key)
    best = scored[0]
    runner = scored[1] if len(scored) > 1 else None
    pointed_at = pointed_at or {}

    def prominence(c: Candidate) -> int:
        return c.n_claims + pointed_at.get(c.qid, 0)
    dominant = (dominance is not None
                and prominence(best.candidate) >= dominance * (
                    1 + max((prominence(o.candidate) for o in scored[1:]), default=0)))
    if runner is None:
        if is_link or best.score > 0 or best.prior > 0 or _several_words(best.candidate.matched, lang):
            return Decision(best.candidate.qid, "unique", n_candidates=n_found)
        if dominant:
            return Decision(best.candidate.qid, "prominence", n_candidates=n_found)
        return Decision(None, "unlinked", n_candidates=n_found)
    how: LinkedBy
    if best.own_target and best.fits and not (runner.own_target and runner.fits):
        how = "link_target"
    elif best.score > runner.score:
        how = "overlap"
    elif best.prior > runner.prior:
        how = "commonness"
    elif not is_link and best.score == 0:
        if not dominant:
            return Decision(None, "unlinked", 0.0, runner.candidate.qid, 0.0, n_found)
        how = "prominence"
    elif best.own_target and not runner.own_target:
        how = "link_target"
    elif best.fits and not runner.fits:
        how = "type"
    elif best.candidate.n_claims > runner.candidate.n_claims:
        how = "claims"
    else:
        how = "qid"
    return Decision(best.candidate.qid, how, float(best.score), runner.candidate.qid,
                    float(runner.score), n_found)


def _several_words(name: str, lang: str) -> bool:
    """A name of several words (unspaced scripts: of three characters or more) rarely names two
    entities; a single word ("Freeman", "Alfie", "Lemberg") is as often a given name, a surname
    or a former name of something else."""
    if is_unspaced(lang):
        return len(normalize_name(name, lang)) >= 3
    return len(name.split()) > 1


def link_entities(mentions: pa.Table, paragraphs: pa.Table, kg: KnowledgeGraph, config: LinkConfig,
                  entity_types: EntityTypes | None = None) -> tuple[pa.Table, Counter[str]]:
    """LINKED_MENTIONS for a MENTIONS table; `paragraphs` supplies each paragraph's language and
    page QID; `entity_types` enables the type check against NER labels. Row order is kept."""
    info = {r["paragraph_id"]: r for r in paragraphs.select(["paragraph_id", "lang", "page_qid"]).to_pylist()}
    rows = mentions.to_pylist()
    missing = sorted({r["paragraph_id"] for r in rows} - info.keys())
    if missing:
        raise ValueError(f"{len(missing)} mention paragraphs absent from the paragraphs table, "
                         f"e.g. {missing[0]!r}")
    decisions: list[Decision] = [Decision(None, "unlinked")] * len(rows)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_lang[info[row["paragraph_id"]]["lang"]].append(i)
    for lang, indices in sorted(by_lang.items()):
        decided = _link_language([rows[i] for i in indices], lang, info, kg, config, entity_types)
        for i, decision in zip(indices, decided, strict=True):
            decisions[i] = decision
    counts: Counter[str] = Counter()
    for d in decisions:
        counts["mentions"] += 1
        counts[f"linked_by.{d.linked_by}"] += 1
        counts["linked"] += d.qid is not None
    return _linked_table(rows, decisions), counts


def _link_language(rows: list[dict[str, Any]], lang: str, info: Mapping[str, Mapping[str, Any]],
                   kg: KnowledgeGraph, config: LinkConfig, entity_types: EntityTypes | None
                   ) -> list[Decision]:
    """Decisions for the mentions of one language, in row order (all KG calls batched)."""
    anchors: dict[str, list[str]] = defaultdict(list)
    bold_names: dict[str, list[str]] = defaultdict(list)   # the page's bold names of its title
    for row in rows:
        if row["qid"] is None and row["link_target"] and row["source"] in ("link", "subject"):
            (anchors if row["source"] == "link" else bold_names)[row["link_target"]].append(row["surface"])
    group_targets = sorted({r["link_target"] for r in rows if r["qid"] is None and r["link_target"]})
    by_target = target_candidates(group_targets, kg, lang, anchors, bold_names)
    free_names = sorted({r["surface"] for r in rows if _is_free(r)})
    by_name = {n: [c for c in cands if case_compatible(c.matched, n)]
               for n, cands in (kg.candidates(free_names, lang) if free_names else {}).items()}
    shortlist = {t: _shortlist(by_target.get(t, []), config) for t in group_targets}
    shortlist_by_name = {n: _shortlist(c, config) for n, c in by_name.items()}
    fits = _TypeFit(kg, config, entity_types)
    # Neighbours only where a choice depends on them: hub entities ("human", "United States")
    # have tens of thousands, and certain or single-candidate mentions need no score.
    qids = sorted({c.qid for cs in [*shortlist.values(), *shortlist_by_name.values()] if len(cs) > 1
                   for c in cs})
    cache = neighbour_cache(kg)
    neighbour_names = cache.names(qids, lang)
    untyped = {q for q, classes in cache.classes(qids, lang).items() if not classes}
    # types only where they can change a choice: a link's own targets when it has rivals
    fits.fetch(c.qid for r in rows if r["qid"] is None and r["link_target"] and fits.constrains(r)
               and len(shortlist.get(r["link_target"], ())) > 1
               for c in shortlist[r["link_target"]]
               if c.qid not in untyped and is_own_target(c, r["link_target"], lang))
    decisions: list[Decision] = [Decision(None, "unlinked")] * len(rows)
    paragraphs: dict[str, list[int]] = defaultdict(list)
    for k, row in enumerate(rows):
        paragraphs[row["paragraph_id"]].append(k)
    overlaps = {p: _OverlapScorer([rows[k] for k in members], lang, neighbour_names)
                for p, members in paragraphs.items()}
    free: list[int] = []
    # first the writer's links (with their repeats) and certain mentions, paragraph by paragraph
    for paragraph_id, members in paragraphs.items():
        page_qid = info[paragraph_id]["page_qid"]
        group_labels: dict[str, Counter[str]] = defaultdict(Counter)
        for k in members:
            if rows[k]["link_target"] and rows[k]["ner_label"]:
                group_labels[rows[k]["link_target"]][rows[k]["ner_label"]] += 1
        group_decisions: dict[str, Decision] = {}
        for k in members:
            row = rows[k]
            if row["source"] in VALUE_SOURCES:
                decisions[k] = Decision(None, "value")
            elif row["qid"] is not None:
                decisions[k] = _certain(row, page_qid)
            elif row["link_target"]:
                target = row["link_target"]
                if target not in group_decisions:
                    labels = group_labels.get(target)
                    label = min(labels, key=lambda x: (-labels[x], x)) if labels else None
                    cands = shortlist.get(target, [])
                    group_decisions[target] = decide(
                        cands, overlaps[paragraph_id].scores(cands, exclude_target=target),
                        target=target, lang=lang, is_link=True,
                        n_found=len(by_target.get(target, ())), untyped=untyped,
                        unfit=fits.misfits(cands, label))
                decisions[k] = group_decisions[target]
            else:
                free.append(k)
    # then every other mention, with the shard's links as the commonness prior
    commonness = _commonness(rows, decisions, lang)
    free = [k for k in free if len(_norm(rows[k]["surface"], lang)) >= config.min_free_chars]
    scores = {k: overlaps[rows[k]["paragraph_id"]].scores(shortlist_by_name.get(rows[k]["surface"], []),
                                                          exclude_surface=rows[k]["surface"])
              for k in free}
    priors = {k: commonness.get(_norm(rows[k]["surface"], lang)) or {} for k in free}
    # types only where a link can follow: with evidence, or a name of several words (a single
    # word without evidence stays unlinked whatever its candidates' types)
    fits.fetch(c.qid for k in free if fits.constrains(rows[k]) and (
                   any(scores[k].values()) or priors[k] or config.dominance is not None
                   or _several_words(rows[k]["surface"], lang))
               for c in shortlist_by_name.get(rows[k]["surface"], []))
    # what points at the candidates, only where prominence can decide: no evidence at all
    pointed_at = kg.reverse_degrees(sorted({
        c.qid for k in free if config.dominance is not None
        and not any(scores[k].values()) and not priors[k]
        for c in shortlist_by_name.get(rows[k]["surface"], [])}))
    for k in free:
        row = rows[k]
        cands = fits.only(shortlist_by_name.get(row["surface"], []), row["ner_label"])
        decisions[k] = decide(cands, scores[k], target=None, lang=lang, is_link=False,
                              n_found=len(by_name.get(row["surface"], ())), prior_of=priors[k],
                              dominance=config.dominance, pointed_at=pointed_at)
    return decisions


class _TypeFit:
    """Which candidates fit the NER label of their span (see `LinkConfig.ner_label_categories`).

    Categories are fetched in batches (`fetch`) for the candidates whose type can change a
    choice; a candidate never fetched is taken to fit."""

    def __init__(self, kg: KnowledgeGraph, config: LinkConfig, entity_types: EntityTypes | None) -> None:
        self._allowed = ({label: frozenset(cats) for label, cats in config.ner_label_categories.items()}
                         if entity_types is not None else {})
        self._resolver = TypeResolver(kg, entity_types) if entity_types is not None else None
        self._categories: dict[str, frozenset[str]] = {}

    def constrains(self, row: Mapping[str, Any]) -> bool:
        return row["ner_label"] in self._allowed

    def fetch(self, qids: Iterable[str]) -> None:
        wanted = sorted(set(qids) - self._categories.keys())
        if wanted and self._resolver is not None:
            for qid, cats in self._resolver.reached(wanted).items():
                self._categories[qid] = frozenset(cats)

    def _fits(self, candidate: Candidate, label: str) -> bool:
        """Unknown types fit: a KG subset leaves many entities without any category (the
        bundled sample reaches none for Antarctica), and absence of evidence is no misfit."""
        cats = self._categories.get(candidate.qid)
        return not cats or not cats.isdisjoint(self._allowed[label])

    def only(self, candidates: Sequence[Candidate], label: str | None) -> list[Candidate]:
        """The fitting candidates (all of them where the label constrains nothing)."""
        if label not in self._allowed:
            return list(candidates)
        return [c for c in candidates if self._fits(c, label)]

    def misfits(self, candidates: Sequence[Candidate], label: str | None) -> frozenset[str]:
        """The candidates that do not fit (for links, only a tie-break: a link is the writer's
        assertion, and NER may have mislabelled its span)."""
        kept = {c.qid for c in self.only(candidates, label)}
        return frozenset(c.qid for c in candidates if c.qid not in kept)


def _commonness(rows: Sequence[Mapping[str, Any]], decisions: Sequence[Decision], lang: str
                ) -> dict[str, dict[str, float]]:
    """Normalised anchor text -> QID -> share of the shard's links with that anchor that were
    linked to that entity."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row, decision in zip(rows, decisions):
        if row["source"] == "link" and decision.qid is not None:
            counts[_norm(row["surface"], lang)][decision.qid] += 1
    return {anchor: {q: n / sum(c.values()) for q, n in c.items()} for anchor, c in counts.items()}


def _is_free(row: Mapping[str, Any]) -> bool:
    """A mention decided on its own surface: no certain QID, no link target, not a value."""
    return row["qid"] is None and not row["link_target"] and row["source"] not in VALUE_SOURCES


def _shortlist(candidates: Sequence[Candidate], config: LinkConfig) -> list[Candidate]:
    """The first `max_candidates` (inputs come ranked: own target first, then claims)."""
    return list(candidates[:config.max_candidates])


def _certain(row: Mapping[str, Any], page_qid: str | None) -> Decision:
    """Mentions whose QID identification already made certain: nothing to choose, no score."""
    if row["source"] in ("neighbour", "nationality"):
        how: LinkedBy = "neighbour"
    elif row["qid"] == page_qid and row["source"] in ("subject", "repeat"):
        how = "page"
    else:
        how = "sitelink"
    return Decision(row["qid"], how, n_candidates=1)


class _OverlapScorer:
    """Tail-label overlap of candidates with one paragraph's mentions.

    Each other mention is represented by its normalised surface and, for links, the variants of
    its target title (an anchor "Lincoln" stands for "Abraham Lincoln"); mentions with the same
    surface count once, so a name repeated five times does not outweigh five different names.
    """

    def __init__(self, rows: Sequence[Mapping[str, Any]], lang: str,
                 neighbour_names: Mapping[str, frozenset[str]]) -> None:
        self._lang = lang
        self._neighbour_names = neighbour_names
        self._names: dict[str, set[str]] = defaultdict(set)     # normalised surface -> names
        self._targets: dict[str, set[str]] = defaultdict(set)   # normalised surface -> link targets
        for row in rows:
            if row["source"] in VALUE_SOURCES:
                continue
            surface = _norm(row["surface"], lang)
            self._names[surface].add(surface)
            if row["link_target"]:
                self._targets[surface].add(row["link_target"])
                self._names[surface].update(_norm(v, lang) for v in title_variants(row["link_target"]))

    def scores(self, candidates: Iterable[Candidate], *, exclude_target: str | None = None,
               exclude_surface: str | None = None) -> dict[str, int]:
        excluded = {_norm(exclude_surface, self._lang)} if exclude_surface else set()
        if exclude_target:
            excluded |= {s for s, targets in self._targets.items() if exclude_target in targets}
        others = [names for surface, names in self._names.items() if surface not in excluded]
        result = {}
        for cand in candidates:
            tails = self._neighbour_names.get(cand.qid, frozenset())
            result[cand.qid] = sum(1 for names in others if not tails.isdisjoint(names))
        return result


@functools.lru_cache(maxsize=1 << 18)
def _norm(name: str, lang: str) -> str:
    return normalize_name(name, lang)


def _linked_table(rows: Sequence[Mapping[str, Any]], decisions: Sequence[Decision]) -> pa.Table:
    columns: dict[str, list] = {f.name: [] for f in LINKED_MENTIONS}
    for row, d in zip(rows, decisions, strict=True):
        for name in ("mention_id", "paragraph_id", "start", "end", "surface", "source", "ner_label",
                     "link_target", "value"):
            columns[name].append(row[name])
        columns["qid"].append(d.qid)
        columns["linked_by"].append(d.linked_by)
        columns["score"].append(d.score)
        columns["runner_up_qid"].append(d.runner_up_qid)
        columns["runner_up_score"].append(d.runner_up_score)
        columns["n_candidates"].append(d.n_candidates)
        columns["types"].append(None)
    return pa.table(columns, schema=LINKED_MENTIONS)
