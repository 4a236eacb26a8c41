"""The peer's alignment rule (the REBEL dataset's builder, cRocoDiLe) as a baseline.

A KG fact is aligned to a sentence only when both its entities are hyperlinks of that sentence, or
one is the page's own entity and the other a hyperlink of the sentence. It uses no NER, no name
matching, no pronouns, no verifier: the hyperlinks are its only evidence. Its triples have the
TRIPLES row fields the scorers read, so both are judged by the same rules.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg2instruction.kg.protocol import KnowledgeGraph
from kg2instruction.text.sentences import sentence_spans

PAIR_RULE, SUBJECT_RULE = "peer_hyperlinks", "peer_page_subject"


@dataclass(frozen=True)
class Hyperlink:
    start: int
    end: int
    qid: str


@dataclass(frozen=True)
class _Candidate:
    paragraph_id: str
    sentence: int
    head: Hyperlink | None
    tail: Hyperlink | None
    head_qid: str
    tail_qid: str
    rule: str


def _sentence_candidates(paragraph: Mapping[str, Any], links: Sequence[Hyperlink]
                         ) -> list[_Candidate]:
    """Every unordered entity pair the rule allows, per sentence (first hyperlink of an entity
    in the sentence as its span; the page entity without a span unless linked there)."""
    found: list[_Candidate] = []
    page = paragraph.get("page_qid")
    for number, (start, end) in enumerate(sentence_spans(paragraph["text"], paragraph["lang"])):
        first: dict[str, Hyperlink] = {}
        for link in sorted(links, key=lambda l: (l.start, l.end)):
            if start <= link.start and link.end <= end:
                first.setdefault(link.qid, link)
        qids = sorted(first)
        for i, a in enumerate(qids):
            for b in qids[i + 1:]:
                found.append(_Candidate(paragraph["paragraph_id"], number, first[a], first[b],
                                        a, b, PAIR_RULE))
        if page and page not in first:
            for q in qids:
                found.append(_Candidate(paragraph["paragraph_id"], number, None, first[q],
                                        page, q, SUBJECT_RULE))
    return found


def _end(link: Hyperlink | None, prefix: str, qid: str) -> dict[str, Any]:
    return {f"{prefix}_qid": qid, f"{prefix}_start": None if link is None else link.start,
            f"{prefix}_end": None if link is None else link.end}


def peer_triples(paragraphs: Sequence[Mapping[str, Any]],
                 links: Mapping[str, Sequence[Hyperlink]], kg: KnowledgeGraph
                 ) -> list[dict[str, Any]]:
    """The rule's triples, KG orientation, one per paragraph and claim (its first sentence)."""
    candidates = [c for p in paragraphs
                  for c in _sentence_candidates(p, links.get(p["paragraph_id"], ()))]
    claims_by_pair: dict[frozenset[str], list] = {}
    if candidates:
        for claim in kg.claims_between(sorted({(c.head_qid, c.tail_qid) for c in candidates})):
            claims_by_pair.setdefault(frozenset((claim.head, claim.tail)), []).append(claim)
    triples: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for c in candidates:
        ends = {c.head_qid: c.head, c.tail_qid: c.tail}
        for claim in claims_by_pair.get(frozenset((c.head_qid, c.tail_qid)), ()):
            key = (c.paragraph_id, claim.head, claim.pid, claim.tail)
            if key in triples:
                continue
            head, tail = ends[claim.head], ends[claim.tail]
            triples[key] = {"triple_id": f"{c.paragraph_id}:peer:{claim.head}|{claim.pid}|"
                                         f"{claim.tail}",
                            "paragraph_id": c.paragraph_id, "pid": claim.pid,
                            "direction": "forward", "rule": c.rule, "sentence": c.sentence,
                            **_end(head, "head", claim.head), **_end(tail, "tail", claim.tail)}
    return list(triples.values())
