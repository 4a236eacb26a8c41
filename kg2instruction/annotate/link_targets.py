"""From a link target title (or a page title) to the KG entities it may denote.

Without sitelinks a title is only a name: "Paris (mythology)" has no Wikidata label of that form,
"Lincoln, Nebraska" usually has only "Lincoln". So a title is looked up in a few variants, most
specific first, and the anchor texts are the last resort. Both mention identification (which
searches the names and neighbours of these entities) and disambiguation use this one lookup, so
they agree on what a link can mean.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from kg2instruction.kg.protocol import Candidate, KnowledgeGraph, qid_number
from kg2instruction.text.normalize import normalize_name

_PARENTHETICAL = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def title_variants(title: str) -> list[str]:
    """The title, without a trailing disambiguator "(...)", and its part before a comma."""
    variants = [title.strip()]
    bare = _PARENTHETICAL.sub("", variants[0]).strip()
    variants.append(bare)
    if ", " in bare:
        variants.append(bare.split(", ", 1)[0].strip())
    return [v for v in dict.fromkeys(variants) if v]


def is_own_target(candidate: Candidate, title: str, lang: str) -> bool:
    """A candidate whose label is exactly the (full) title: the link's own target."""
    return candidate.via == "label" and normalize_name(candidate.matched, lang) == normalize_name(title, lang)


def rank_target_candidates(candidates: Sequence[Candidate], title: str, lang: str) -> list[Candidate]:
    """Own target first, then more claims, then lower QID; one entry per QID."""
    best: dict[str, Candidate] = {}
    for cand in candidates:
        kept = best.get(cand.qid)
        if kept is None or (is_own_target(cand, title, lang) and not is_own_target(kept, title, lang)):
            best[cand.qid] = cand
    return sorted(best.values(), key=lambda c: (not is_own_target(c, title, lang), -c.n_claims,
                                                qid_number(c.qid)))


def target_candidates(targets: Iterable[str], kg: KnowledgeGraph, lang: str,
                      anchors: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[Candidate]]:
    """Ranked candidates per target: from the first title variant that has any, else its anchors.

    Two batched KG calls at most, whatever the number of targets."""
    targets = list(dict.fromkeys(t for t in targets if t))
    variants = {t: title_variants(t) for t in targets}
    found = kg.candidates(sorted({v for vs in variants.values() for v in vs}), lang)
    result: dict[str, list[Candidate]] = {}
    missing: list[str] = []
    for target in targets:
        hit = next((found[v] for v in variants[target] if found.get(v)), None)
        if hit:
            result[target] = rank_target_candidates(hit, target, lang)
        else:
            missing.append(target)
    anchors = anchors or {}
    anchor_names = sorted({a for t in missing for a in anchors.get(t, ()) if a})
    by_anchor = kg.candidates(anchor_names, lang) if anchor_names else {}
    for target in missing:
        pooled = [c for a in sorted(set(anchors.get(target, ()))) for c in by_anchor.get(a, ())]
        result[target] = rank_target_candidates(pooled, target, lang)
    return result
