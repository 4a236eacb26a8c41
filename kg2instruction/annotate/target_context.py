"""Shard-level KG context for mention identification: what each link target may be, which names
repeat it, and the names of its KG neighbours.

Everything here is fetched with a handful of batched KG calls per shard and language, never per
paragraph or per link: per-entity round trips are what dominates run time on both KG backends.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kg2instruction.annotate.link_targets import is_own_target, target_candidates, title_variants
from kg2instruction.annotate.name_index import NameIndex
from kg2instruction.annotate.neighbour_cache import neighbour_cache
from kg2instruction.kg.protocol import Candidate, KnowledgeGraph


@dataclass(frozen=True)
class TargetInfo:
    """What one link target (or page title) stands for, before disambiguation."""

    certain_qid: str | None            # from a sitelink or the page's own QID
    candidates: tuple[Candidate, ...]  # ranked (own target, claims, QID); empty when certain
    repeat_names: tuple[str, ...]      # names whose later occurrences repeat this target
    expansion: tuple[str, ...]         # entities whose KG neighbours are searched in the text


def describe_targets(targets: Collection[str], certain: Mapping[str, str],
                     anchors: Mapping[str, Sequence[str]], bold_names: Mapping[str, Sequence[str]],
                     kg: KnowledgeGraph, lang: str, expansion_limit: int) -> dict[str, TargetInfo]:
    """Candidates, repeat names and expansion entities for each target.

    Repeat names are the title variants plus the labels and aliases of the target's entity, but
    only where that entity is known: certain (sitelink/page QID) or the only candidate that is the
    title's own label. An ambiguous title lends no aliases, since the aliases of a losing candidate
    would create repeats of the wrong entity.
    """
    uncertain = [t for t in targets if t not in certain]
    candidates = target_candidates(uncertain, kg, lang, anchors, bold_names)
    name_entity: dict[str, str] = {}
    for target in targets:
        if target in certain:
            name_entity[target] = certain[target]
            continue
        own = [c for c in candidates.get(target, ()) if is_own_target(c, target, lang)]
        if len(own) == 1:
            name_entity[target] = own[0].qid
    qids = sorted(set(name_entity.values()))
    labels = kg.labels(qids, lang) if qids else {}
    aliases = kg.aliases(qids, lang) if qids else {}
    infos = {}
    for target in targets:
        qid = name_entity.get(target)
        names = list(title_variants(target))
        if qid is not None:
            names += [labels[qid]] if qid in labels else []
            names += aliases.get(qid, [])
        cands = tuple(candidates.get(target, ()))
        expansion = (certain[target],) if target in certain else tuple(c.qid for c in cands[:expansion_limit])
        infos[target] = TargetInfo(certain.get(target), cands, tuple(dict.fromkeys(names)), expansion)
    return infos


@dataclass(frozen=True)
class NeighbourNames:
    """Names of the KG neighbours of a set of entities, and which entity each neighbour is next to."""

    index: NameIndex[tuple[str, bool]]      # name -> (neighbour QID, its label is capitalised)
    sources: Mapping[str, set[str]]         # neighbour QID -> entities it neighbours

    def qids_near(self, payloads: Sequence[tuple[str, bool]], active: Collection[str], *,
                  common_noun: bool = False) -> list[str]:
        """The matched neighbours that neighbour one of the paragraph's `active` entities. A
        `common_noun` (a lowercase word in the text) never stands for a neighbour whose label is
        a capitalised proper name ("physics" is not the Nobel Prize in Physics, whatever its
        aliases), only for one that is a common noun itself ("lawyer", "association football
        player" for "footballer")."""
        return list(dict.fromkeys(q for q, proper in payloads
                                  if not (common_noun and proper)
                                  and not self.sources[q].isdisjoint(active)))


def neighbour_names(entities: Collection[str], kg: KnowledgeGraph, lang: str,
                    index: NameIndex[tuple[str, bool]], class_pids: Collection[str] = ()
                    ) -> NeighbourNames:
    """Index the labels and aliases of every neighbour of `entities` (one batched KG call).

    Neighbours reached only through `class_pids` (instance of) are classes of the entity: their
    names in text ("the album", "a crisis", "countries") are common nouns describing it, not
    mentions of another entity."""
    sources: dict[str, set[str]] = defaultdict(set)
    neighbours = neighbour_cache(kg).neighbours(sorted(entities), lang) if entities else {}
    for entity in sorted(neighbours):
        related = [nb for nb in neighbours[entity] if nb.qid != entity and nb.pid not in class_pids]
        for nb in {nb.qid: nb for nb in related}.values():
            added = False
            proper = bool(nb.label) and nb.label[:1].isupper()
            for name in ([nb.label] if nb.label else []) + list(nb.aliases):
                added |= index.add(name, (nb.qid, proper))
            if added:
                sources[nb.qid].add(entity)
    return NeighbourNames(index, sources)
