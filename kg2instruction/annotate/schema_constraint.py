"""Theme labelling, the head/tail type constraint, and the refinement rules.

Input: candidate triples from matching (KG orientation, no label) plus the paragraph's linked
mentions. Output: triples labelled with the theme's relation names, oriented as the theme reads
them, typed, and refined; every dropped candidate is counted under the reason it was dropped for,
so the run manifest shows where facts leave the funnel.

- Labelling: a (P-id, direction) maps to zero or more theme relations (`Theme.relations_for`). A
  P-id in the theme's `reversed_pids` turns the triple round (`direction = "reverse"`). A value
  can never become a head, so a reversed value claim is dropped. P-ids the theme lists as "other"
  are dropped as `other_pid`; P-ids it does not mention at all as `pid_not_in_theme`.
- Types: an entity may reach several categories (a university is an organization and a
  building). The triple fits when *some* category of the head and *some* of the tail are allowed;
  the reported type is the first fitting category in the configured priority order.
- Refinement: two KG names (label/aliases) of one entity become an `alternative name` triple
  (when the theme has that relation) only where the text states the naming (bold lead names,
  a bracket, "also known as", "nicknamed" ...: `name_statements`); "located in" chains are
  reduced to the most specific place mentioned (the transitive reduction of the matched
  containment edges of a paragraph); when two P-ids give the same labelled triple (father P22
  and child P40 reversed both give `parent`), one is kept.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from kg2instruction.annotate.grammar_filter import (DependencyParsers, NationalityRule,
                                                    require_grammatical_links)
from kg2instruction.annotate.name_statements import NameMention, states_other_name
from kg2instruction.config.entity_types import FALLBACK_CATEGORY
from kg2instruction.config.theme import DependencyPathRule, Relation, SyntaxRule, Theme
from kg2instruction.kg.protocol import KnowledgeGraph
from kg2instruction.text.normalize import is_unspaced, normalize_name
from kg2instruction.text.sentences import Sentences

VALUE_RULES = frozenset({"time_value", "quantity_value"})
_NAME_PUNCTUATION = " .,;:!?\"'()[]“”‘’「」《》（），。；：！？"


class SchemaConfig(pydantic.BaseModel):
    """Which theme labels the refinement rules act on."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    alias_relation: str | None = pydantic.Field(
        "alternative name", description="label alias mentions become; null disables the rule")
    containment_relations: tuple[str, ...] = pydantic.Field(
        ("located in",), description="labels reduced to the most specific place mentioned")
    keep_implicit_subject: bool = pydantic.Field(
        False, description="keep triples whose head/tail has no span (implicit page subject)")
    nationality_syntax: dict[str, SyntaxRule] = pydantic.Field(
        default_factory=lambda: {"en": SyntaxRule(dependency_path=DependencyPathRule(
            verbs=("be", "become", "remain"), prepositions=("of",), max_path_words=3))},
        description=(
            "per language: the grammatical link a triple with a nationality word at one end needs, "
            "whatever its relation's own rule: the word describes the other end itself ('the "
            "Swedish Moderate Party') or a noun said of it ('X is a Canadian politician'), not "
            "another thing near it ('a member of the German hip hop group', 'a Venezuelan album "
            "by the harpist X'); languages absent: the relation's rule"))


def _swap(triple: dict[str, Any]) -> dict[str, Any]:
    swapped = dict(triple)
    for field in ("", "_start", "_end", "_qid", "_type", "_mention_id", "_score"):
        head, tail = "head" + field, "tail" + field
        swapped[head], swapped[tail] = triple[tail], triple[head]
    return swapped


def _span_key(triple: Mapping[str, Any], end: str) -> str:
    mention = triple[f"{end}_mention_id"]
    if mention is not None:
        return mention.rsplit(":", 1)[-1]
    start = triple[f"{end}_start"]
    return "implicit" if start is None else f"{start}-{triple[f'{end}_end']}"


def triple_id(triple: Mapping[str, Any]) -> str:
    """Stable id: paragraph, both ends, P-id, direction and (after labelling) the label, since
    one P-id may feed several labels."""
    base = (f"{triple['paragraph_id']}:{_span_key(triple, 'head')}|{triple['pid'] or ''}|"
            f"{triple['direction']}|{_span_key(triple, 'tail')}")
    return base if triple.get("relation") is None else f"{base}|{triple['relation']}"


def _categories(triple: Mapping[str, Any], end: str,
                categories_of: Mapping[str, Sequence[str]]) -> list[str]:
    qid = triple[f"{end}_qid"]
    if qid is None:   # value end: typed by datatype at matching time
        return [triple[f"{end}_type"] or FALLBACK_CATEGORY]
    return list(categories_of.get(qid) or [FALLBACK_CATEGORY])


def _fit(relation: Relation, heads: Sequence[str], tails: Sequence[str]) -> tuple[str, str] | None:
    for head in heads:
        for tail in tails:
            if Theme.fits(relation, head, tail):
                return head, tail
    return None


def has_cue(relation: Relation, triple: Mapping[str, Any],
            paragraphs: Mapping[str, ParagraphText]) -> bool:
    """Does the triple's evidence hold one of the relation's cue words (True when the relation
    lists none for the language, or the triple has no evidence or text to read)?"""
    if relation.cues is None:
        return True
    paragraph = paragraphs.get(triple["paragraph_id"])
    start, end = triple.get("evidence_start"), triple.get("evidence_end")
    if paragraph is None or start is None or end is None:
        return True
    words = relation.cues.in_lang(paragraph.lang)
    if not words:
        return True
    evidence = paragraph.text[start:end].casefold()
    if is_unspaced(paragraph.lang):
        return any(w in evidence for w in words)
    return any(re.search(rf"\b{re.escape(w.casefold())}", evidence) for w in words)


def label_and_constrain(candidates: Iterable[Mapping[str, Any]], theme: Theme,
                        categories_of: Mapping[str, Sequence[str]], config: SchemaConfig,
                        funnel: Counter[str],
                        paragraphs: Mapping[str, ParagraphText] | None = None
                        ) -> list[dict[str, Any]]:
    """Labelled, oriented, typed triples that fit the theme; drops counted in `funnel`."""
    kept: list[dict[str, Any]] = []
    for candidate in candidates:
        funnel["candidates"] += 1
        implicit = candidate["head_start"] is None or candidate["tail_start"] is None
        if implicit and not config.keep_implicit_subject:
            funnel["dropped.implicit_subject"] += 1
            continue
        readings = [(rel, "forward") for rel in theme.relations_for(candidate["pid"], "forward")]
        readings += [(rel, "reverse") for rel in theme.relations_for(candidate["pid"], "reverse")]
        if not readings:
            reason = "other_pid" if theme.is_dropped(candidate["pid"]) else "pid_not_in_theme"
            funnel[f"dropped.{reason}"] += 1
            continue
        fitted_any = False
        for relation, direction in readings:
            if direction == "reverse" and candidate["rule"] in VALUE_RULES:
                funnel["dropped.reversed_value"] += 1
                continue
            triple = _swap(dict(candidate)) if direction == "reverse" else dict(candidate)
            fit = _fit(relation, _categories(triple, "head", categories_of),
                       _categories(triple, "tail", categories_of))
            if fit is None:
                funnel["dropped.type_mismatch"] += 1
                continue
            if not has_cue(relation, triple, paragraphs or {}):
                funnel["dropped.no_cue"] += 1
                continue
            triple.update(direction=direction, relation=relation.label.en, theme=theme.theme,
                          head_type=fit[0], tail_type=fit[1])
            triple["triple_id"] = triple_id(triple)
            kept.append(triple)
            fitted_any = True
        if fitted_any:
            funnel["labelled"] += 1
    return kept


@dataclass(frozen=True)
class EntityNames:
    """Name keys (`name_key`) of one entity in the KG: its labels, and labels plus aliases."""

    labels: frozenset[str]
    names: frozenset[str]


def name_key(surface: str) -> str:
    """Comparable form of a name: `normalize_name` without surrounding punctuation. Simplified
    folding is a no-op outside Han text, so one key serves English and Chinese alike."""
    return normalize_name(surface.strip(_NAME_PUNCTUATION), "zh")


def _alias_groups(mentions: Iterable[Mapping[str, Any]]
                  ) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """(paragraph, QID) -> its entity mentions, in text order, where they are written at least
    two different ways."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for mention in mentions:
        if mention["qid"] is not None and mention["source"] not in ("time", "quantity"):
            groups.setdefault((mention["paragraph_id"], mention["qid"]), []).append(mention)
    return {key: sorted(group, key=lambda m: (m["start"], m["end"]))
            for key, group in sorted(groups.items())
            if len({name_key(m["surface"]) for m in group}) > 1}


def alias_qids(mentions: Iterable[Mapping[str, Any]]) -> list[str]:
    """Entities whose KG names the alias rule needs (see `entity_names`)."""
    return sorted({qid for _, qid in _alias_groups(mentions)})


def entity_names(kg: KnowledgeGraph, qids: Sequence[str], langs: Iterable[str]
                 ) -> dict[str, EntityNames]:
    """Labels and aliases of `qids` in every language of the run, as name keys."""
    labels: dict[str, set[str]] = {q: set() for q in qids}
    names: dict[str, set[str]] = {q: set() for q in qids}
    for lang in sorted(set(langs)):
        for qid, label in kg.labels(list(qids), lang).items():
            labels[qid].add(name_key(label))
            names[qid].add(name_key(label))
        for qid, aliases in kg.aliases(list(qids), lang).items():
            names[qid].update(name_key(a) for a in aliases)
    return {q: EntityNames(frozenset(labels[q]), frozenset(names[q])) for q in qids}


@dataclass(frozen=True)
class ParagraphText:
    """What the alias rule reads of a paragraph."""

    text: str
    lang: str


def _stated_pairs(group: Sequence[Mapping[str, Any]], paragraph: ParagraphText,
                  sentences: Sentences, known: EntityNames
                  ) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(name, other name) pairs of one entity's mentions that the text states as a naming,
    both written in one sentence, each other name once (its first statement)."""
    named = [m for m in group if name_key(m["surface"]) in known.names]
    pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    seen: set[str] = set()
    for j, second in enumerate(named):
        tail_key = name_key(second["surface"])
        if tail_key in seen:
            continue
        for first in reversed(named[:j]):
            if name_key(first["surface"]) == tail_key:
                continue
            if sentences.index_of(first["start"]) != sentences.index_of(second["start"]):
                continue
            if states_other_name(paragraph.text, paragraph.lang,
                                 NameMention(first["start"], first["end"],
                                             first["source"] == "subject"),
                                 NameMention(second["start"], second["end"],
                                             second["source"] == "subject")):
                pairs.append((first, second))
                seen.add(tail_key)
                break
    return pairs


def alias_triples(mentions: Iterable[Mapping[str, Any]], theme: Theme,
                  categories_of: Mapping[str, Sequence[str]],
                  names_of: Mapping[str, EntityNames], config: SchemaConfig,
                  funnel: Counter[str],
                  paragraphs: Mapping[str, ParagraphText]) -> list[dict[str, Any]]:
    """`alternative name` triples where the text states that a second KG name (label or alias)
    of an entity names it ("Eric Blair, better known as George Orwell").

    A bare second spelling is a way of referring, not a naming statement ("Einstein",
    "President Lincoln"), and a link's anchor text can be anything: both names must be KG names
    of the entity, and the text must introduce the second as a name (`name_statements`). The
    head is the earlier name, the tail the name the text introduces; the evidence is their
    sentence."""
    if config.alias_relation is None or not theme.has_relation(config.alias_relation):
        return []
    relation = theme.relation(config.alias_relation)
    triples: list[dict[str, Any]] = []
    for (paragraph_id, qid), group in _alias_groups(mentions).items():
        known = names_of.get(qid)
        paragraph = paragraphs.get(paragraph_id)
        if known is None or paragraph is None:
            funnel["dropped.alias_not_a_kg_name"] += 1
            continue
        sentences = Sentences(paragraph.text, paragraph.lang)
        pairs = _stated_pairs(group, paragraph, sentences, known)
        if not pairs:
            funnel["dropped.alias_not_stated"] += 1
            continue
        cats = list(categories_of.get(qid) or [FALLBACK_CATEGORY])
        fit = _fit(relation, cats, cats)
        if fit is None:
            funnel["dropped.type_mismatch"] += 1
            continue
        for head, tail in pairs:
            start, end = sentences.span_of(tail["start"])
            triple = {
                "paragraph_id": paragraph_id,
                "head": head["surface"], "head_start": head["start"], "head_end": head["end"],
                "head_qid": qid, "head_type": fit[0],
                "tail": tail["surface"], "tail_start": tail["start"], "tail_end": tail["end"],
                "tail_qid": qid, "tail_value": None, "tail_type": fit[1],
                "pid": None, "direction": "forward", "relation": relation.label.en,
                "rule": "alias", "theme": theme.theme,
                "head_mention_id": head["mention_id"], "tail_mention_id": tail["mention_id"],
                "head_score": head.get("score"), "tail_score": tail.get("score"),
                "evidence_start": start, "evidence_end": end, "evidence_rule": "sentence",
                "subject_ref_start": None, "subject_ref_end": None,
            }
            triple["triple_id"] = triple_id(triple)
            triples.append(triple)
            funnel["added.alias"] += 1
    return triples


def reduce_containment_chains(triples: list[dict[str, Any]], config: SchemaConfig,
                              funnel: Counter[str]) -> list[dict[str, Any]]:
    """Drop a containment edge A->C of a paragraph when A->...->C also holds through other
    matched edges (A in B, B in C): the most specific place mentioned stays."""
    labels = set(config.containment_relations)
    edges: dict[str, set[tuple[str, str]]] = {}
    for t in triples:
        if t["relation"] in labels and t["tail_qid"] is not None and t["head_qid"] != t["tail_qid"]:
            edges.setdefault(t["paragraph_id"], set()).add((t["head_qid"], t["tail_qid"]))
    redundant: dict[str, set[tuple[str, str]]] = {
        pid: {edge for edge in graph if _reachable_without(graph, edge)}
        for pid, graph in edges.items()}
    kept = []
    for t in triples:
        if (t["relation"] in labels
                and (t["head_qid"], t["tail_qid"]) in redundant.get(t["paragraph_id"], ())):
            funnel["dropped.containment_chain"] += 1
            continue
        kept.append(t)
    return kept


def _reachable_without(graph: set[tuple[str, str]], edge: tuple[str, str]) -> bool:
    """Is edge[1] reachable from edge[0] by a path of two or more edges?"""
    source, target = edge
    successors: dict[str, list[str]] = {}
    for a, b in graph:
        if (a, b) != edge:
            successors.setdefault(a, []).append(b)
    stack, seen = list(successors.get(source, ())), {source}
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(successors.get(node, ()))
    return False


def apply_schema(candidates: Iterable[Mapping[str, Any]], mentions: Sequence[Mapping[str, Any]],
                 theme: Theme, categories_of: Mapping[str, Sequence[str]],
                 names_of: Mapping[str, EntityNames], config: SchemaConfig,
                 paragraphs: Mapping[str, ParagraphText] | None = None,
                 parsers: DependencyParsers | None = None
                 ) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The whole step: label + constrain, grammatical links, alias rule, chain reduction; with
    its funnel. Readings of one labelled span pair from several P-ids all stay: each is scored
    on its own sense, and the NLI split publishes the one found stated (nli/label_choice.py).

    `categories_of` maps each QID to the categories it reaches, in priority order; `names_of`
    gives the KG names of the entities in `alias_qids(mentions)`; `paragraphs` the texts the
    alias rule reads (without them no naming can be shown stated, so none is added); `parsers`
    the dependency parsers the relations' `syntax:` rules read (without them those rules are
    not applied, and the triples they would check are counted `syntax_unchecked`)."""
    funnel: Counter[str] = Counter()
    triples = label_and_constrain(candidates, theme, categories_of, config, funnel, paragraphs)
    nationality = frozenset(m["mention_id"] for m in mentions if m["source"] == "nationality")
    triples = require_grammatical_links(triples, theme, paragraphs or {},
                                        parsers or DependencyParsers({}), funnel,
                                        NationalityRule(nationality, config.nationality_syntax))
    triples += alias_triples(mentions, theme, categories_of, names_of, config, funnel,
                             paragraphs or {})
    triples = sorted(reduce_containment_chains(triples, config, funnel),
                     key=lambda t: t["triple_id"])
    funnel["kept"] = len(triples)
    return triples, funnel
