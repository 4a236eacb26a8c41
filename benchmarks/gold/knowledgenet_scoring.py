"""Triples against KnowledgeNet: which published triple is a stated fact, which fact was found.

Rules (the same for our chain and for the peer baseline):
- A triple is read as a KnowledgeNet property through its P-id (`PROPERTY_OF_PID`, KG orientation:
  a reversed P-id such as P40 child swaps subject and object). It is *judged* only where its
  passage was annotated for that property; elsewhere nobody said whether it is stated.
- A judged triple is *correct* iff it matches one of the passage's annotated facts of that property:
  each end matches when both QIDs are known and equal, or, where either QID is unknown, when the
  triple's span overlaps the annotated span. SPOUSE is read both ways.
- Recall is over the passage's facts both of whose ends carry a QID (the facts the benchmark KG
  holds), one per entity pair and property however many mention pairs mark it; a fact is found
  when a triple of its property has its two QIDs.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.gold.knowledgenet import (PROPERTY_OF_PID, PROPERTY_PIDS, SYMMETRIC_PROPERTIES,
                                          End, Fact, Passage)

CORRECT, UNSTATED = "correct", "unstated"


@dataclass(frozen=True)
class TripleEnd:
    qid: str | None
    start: int | None
    end: int | None


@dataclass(frozen=True)
class Reading:
    """A triple read as a KnowledgeNet claim."""

    prop: str
    subject: TripleEnd
    object: TripleEnd


def kn_reading(triple: Mapping[str, Any]) -> Reading | None:
    """The KnowledgeNet property and ends of a TRIPLES row; None for P-ids KnowledgeNet lacks.

    `direction == "reverse"` means the row's head is the KG claim's tail (a theme's reversed
    label), so the KG orientation is restored first."""
    found = PROPERTY_OF_PID.get(triple["pid"])
    if found is None:
        return None
    prop, reversed_pid = found
    ends = [TripleEnd(triple[f"{e}_qid"], triple[f"{e}_start"], triple[f"{e}_end"])
            for e in ("head", "tail")]
    if triple.get("direction") == "reverse":
        ends.reverse()
    kg_head, kg_tail = ends
    subject, obj = (kg_tail, kg_head) if reversed_pid else (kg_head, kg_tail)
    return Reading(prop, subject, obj)


def _end_matches(gold: End, end: TripleEnd) -> bool:
    if gold.qid is not None and end.qid is not None:
        return gold.qid == end.qid
    return gold.overlaps(end.start, end.end)


def matches(fact: Fact, reading: Reading) -> bool:
    if fact.prop != reading.prop:
        return False
    if _end_matches(fact.subject, reading.subject) and _end_matches(fact.object, reading.object):
        return True
    return (fact.prop in SYMMETRIC_PROPERTIES and _end_matches(fact.subject, reading.object)
            and _end_matches(fact.object, reading.subject))


def judge(triple: Mapping[str, Any], passage: Passage) -> tuple[str, str] | None:
    """(property, correct|unstated) for a triple of an annotated property, else None."""
    reading = kn_reading(triple)
    if reading is None or reading.prop not in passage.properties:
        return None
    stated = any(matches(f, reading) for f in passage.facts if f.prop == reading.prop)
    return reading.prop, CORRECT if stated else UNSTATED


def fact_key_of(triple: Mapping[str, Any], passage_id: str) -> tuple[str, str, str, str] | None:
    """The entity-level fact a triple claims, keyed like `Fact.key`."""
    reading = kn_reading(triple)
    if reading is None or reading.subject.qid is None or reading.object.qid is None:
        return None
    subject, obj = reading.subject.qid, reading.object.qid
    if reading.prop in SYMMETRIC_PROPERTIES and obj < subject:
        subject, obj = obj, subject
    return (passage_id, reading.prop, subject, obj)


def gold_facts(passages: Iterable[Passage]) -> set[tuple[str, str, str, str]]:
    return {f.key for p in passages for f in p.facts if f.key is not None}


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


@dataclass
class Score:
    """Precision and recall of one set of triples, per property and overall."""

    judged: Counter[str]
    correct: Counter[str]
    gold: Counter[str]
    found: Counter[str]
    published: int
    sentences: int

    def as_dict(self) -> dict[str, Any]:
        def row(judged: int, correct: int, gold: int, found: int) -> dict[str, Any]:
            return {"judged": judged, "correct": correct, "precision": _ratio(correct, judged),
                    "gold_facts": gold, "found": found, "recall": _ratio(found, gold)}
        per = {p: row(self.judged[p], self.correct[p], self.gold[p], self.found[p])
               for p in PROPERTY_PIDS}
        overall = row(sum(self.judged.values()), sum(self.correct.values()),
                      sum(self.gold.values()), sum(self.found.values()))
        overall.update({
            "published": self.published, "sentences": self.sentences,
            "triples_per_sentence": _ratio(self.published, self.sentences),
            "judged_per_sentence": _ratio(overall["judged"], self.sentences),
            "correct_per_sentence": _ratio(overall["correct"], self.sentences)})
        return {"overall": overall, "per_property": per}


def score_triples(triples: Sequence[Mapping[str, Any]], passages: Mapping[str, Passage],
                  sentences: int) -> Score:
    """Precision on annotated passage x property pairs, recall of QID-linked facts."""
    judged: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    found_keys: set[tuple[str, str, str, str]] = set()
    for triple in triples:
        passage = passages[triple["paragraph_id"]]
        verdict = judge(triple, passage)
        if verdict is not None:
            judged[verdict[0]] += 1
            correct[verdict[0]] += verdict[1] == CORRECT
        key = fact_key_of(triple, passage.passage_id)
        if key is not None:
            found_keys.add(key)
    gold = gold_facts(passages.values())
    gold_by_prop = Counter(k[1] for k in gold)
    found_by_prop = Counter(k[1] for k in gold & found_keys)
    return Score(judged, correct, gold_by_prop, found_by_prop, len(triples), sentences)


def verdicts(triples: Sequence[Mapping[str, Any]], passages: Mapping[str, Passage]
             ) -> dict[str, str]:
    """triple_id -> correct|unstated for the judged triples."""
    out = {}
    for triple in triples:
        verdict = judge(triple, passages[triple["paragraph_id"]])
        if verdict is not None:
            out[triple["triple_id"]] = verdict[1]
    return out


def by_group(values: Iterable[tuple[str, bool]]) -> dict[str, dict[str, int]]:
    """Counts of (group, flag) pairs as {group: {"n": .., "true": ..}}."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for group, flag in values:
        table[group]["n"] += 1
        table[group]["true"] += int(flag)
    return {g: dict(c) for g, c in sorted(table.items())}
