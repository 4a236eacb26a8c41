"""PARAGRAPHS / PARAGRAPH_THEMES / LINKED_MENTIONS / NLI_TRIPLES tables hand-built from real text with real facts.

English: T-REx evidence sentences from Wikipedia abstracts with the Wikidata facts they express
(`tests/fixtures/wikidata/trex-gold-dev.jsonl.gz`), P-ids mapped to theme labels through the theme.
Chinese: InstructIE person records (`tests/fixtures/instructie/kg_task_samples_zh/sample.json`),
real Chinese paragraphs annotated with the person theme's Chinese labels.
Offsets are found in the text; a fact whose head or tail is not in the text is left out, as the
annotation stages would.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from kg2instruction.schemas import LINKED_MENTIONS, NLI_TRIPLES, PARAGRAPH_THEMES, PARAGRAPHS
from kg2instruction.stages.sample_paragraphs import TRIPLES_STAGE

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures"
# Relations whose tails the theme leaves untyped but which are people.
PERSON_LABELS = {"parent", "spouse", "sibling"}


def _paragraph(pid: str, page: str, lang: str, title: str, qid: str | None, text: str) -> dict:
    return {"paragraph_id": pid, "page_id": page, "rev_id": 1, "lang": lang, "title": title,
            "page_qid": qid, "section": "", "index": 0, "text": text, "links": [],
            "subject_spans": [], "source": f"{lang}wiki-fixture"}


def _triple(pid: str, text: str, head: str, relation: Any, tail: str, *, pid_: str,
            head_qid: str | None = None, tail_qid: str | None = None) -> dict | None:
    hs, ts = text.find(head), text.find(tail)
    if hs < 0 or ts < 0 or head == tail:
        return None
    label = relation.label.en
    # the first category the theme allows for the tail, as the typing stage would find
    tail_type = (relation.tail_types[0] if relation.tail_types
                 else "human" if label in PERSON_LABELS else "other")
    return {"triple_id": f"{pid}:{hs}-{hs + len(head)}|{pid_}|forward|{ts}-{ts + len(tail)}",
            "paragraph_id": pid, "head": head, "head_start": hs, "head_end": hs + len(head),
            "head_qid": head_qid, "head_type": "human", "tail": tail, "tail_start": ts,
            "tail_end": ts + len(tail), "tail_qid": tail_qid, "tail_value": None,
            "tail_type": tail_type, "pid": pid_, "direction": "forward", "relation": label,
            "rule": "kg_pair", "theme": "person", "head_mention_id": None,
            "tail_mention_id": None, "head_score": None, "tail_score": None,
            "nli_score": None, "nli_hypothesis": None}


def english_rows(theme: Any, limit: int = 400) -> tuple[list[dict], list[dict]]:
    """(paragraphs, triples) of the first `limit` T-REx sentences; unmatched ones are negatives."""
    paragraphs, triples = [], []
    with gzip.open(FIXTURES / "wikidata" / "trex-gold-dev.jsonl.gz", "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= limit:
                break
            obj = json.loads(line)
            if "page_qid" not in obj:   # a few sentences have no page: skip them
                continue
            pid = f"en:{obj['id']}:0"
            paragraphs.append(_paragraph(pid, obj["id"], "en", obj["title"], obj["page_qid"],
                                         obj["text"]))
            for fact in obj["facts"]:
                for rel in theme.relations_for(fact["relation"], "forward"):
                    t = _triple(pid, obj["text"], fact["head"], rel, fact["tail"],
                                pid_=fact["relation"], head_qid=fact["head_qid"],
                                tail_qid=fact.get("tail_qid"))
                    if t:
                        triples.append(t)
    return paragraphs, triples


def chinese_rows(theme: Any) -> tuple[list[dict], list[dict]]:
    """(paragraphs, triples) from the InstructIE Chinese person sample."""
    paragraphs, triples = [], []
    path = FIXTURES / "instructie" / "kg_task_samples_zh" / "sample.json"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        pid = f"zh:{obj['id']}:0"
        paragraphs.append(_paragraph(pid, str(obj["id"]), "zh", obj["text"][:8], None,
                                     obj["text"]))
        for fact in obj["relation"]:
            relation = theme.relation(fact["relation"])
            t = _triple(pid, obj["text"], fact["head"], relation, fact["tail"],
                        pid_=relation.all_pids()[0])
            if t:
                triples.append(t)
    return paragraphs, triples


def mentions_of(triples: list[dict]) -> list[dict]:
    """Typed mentions as the typing stage leaves them, for the ends of the given triples."""
    rows: dict[str, dict] = {}
    for t in triples:
        for end in ("head", "tail"):
            start, stop = t[f"{end}_start"], t[f"{end}_end"]
            value = t[f"{end}_type"] in ("time", "measure")
            mention_id = f"{t['paragraph_id']}:{start}-{stop}"
            rows.setdefault(mention_id, {
                "mention_id": mention_id, "paragraph_id": t["paragraph_id"], "start": start,
                "end": stop, "surface": t[end], "source": "time" if value else "link",
                "ner_label": None, "link_target": None, "qid": t[f"{end}_qid"],
                "value": None, "linked_by": "link_target", "score": None,
                "runner_up_qid": None, "runner_up_score": None, "n_candidates": 1,
                "types": [t[f"{end}_type"]]})
    return list(rows.values())


def tables(paragraphs: list[dict], triples: list[dict]) -> dict[str, pa.Table]:
    """The upstream inputs of `sample_paragraphs` and `build_records`, as the stages see them."""
    routed = [{"paragraph_id": p["paragraph_id"], "page_id": p["page_id"],
               "page_qid": p["page_qid"], "theme": "person", "routed_by": "class"}
              for p in paragraphs]
    return {"read_wikipedia": pa.Table.from_pylist(paragraphs, schema=PARAGRAPHS),
            "route_themes": pa.Table.from_pylist(routed, schema=PARAGRAPH_THEMES),
            "type_entities": pa.Table.from_pylist(mentions_of(triples), schema=LINKED_MENTIONS),
            TRIPLES_STAGE: pa.Table.from_pylist(triples, schema=NLI_TRIPLES)}
