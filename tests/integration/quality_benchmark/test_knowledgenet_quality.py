"""benchmarks/quality.py, KnowledgeNet section: the scoring rules on a hand-computed passage, and
a real smoke run of the section (chain, KG build, peer baseline) on a few documents."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks.gold.knowledgenet import load_documents
from benchmarks.gold.knowledgenet_scoring import judge, score_triples

TEXT = "Anna Berg was born in Lyon and lives in Oslo."
OFFSET = 100      # the passage's start in its document: the file's spans are document offsets


def _span(surface: str) -> tuple[int, int]:
    start = TEXT.index(surface)
    return start, start + len(surface)


def _row(prop: str, subject: tuple[str, str | None] | None = None,
         obj: tuple[str, str | None] | None = None) -> dict:
    row = {"fold": 1, "documentId": "D1", "passageStart": OFFSET,
           "passageEnd": OFFSET + len(TEXT), "property": prop, "passageText": TEXT}
    for role, end in (("subject", subject), ("object", obj)):
        start, stop = _span(end[0]) if end else (None, None)
        row.update({f"{role}Start": None if end is None else start + OFFSET,
                    f"{role}End": None if end is None else stop + OFFSET,
                    f"{role}Text": end[0] if end else None, f"{role}Qid": end[1] if end else None})
    return row


@pytest.fixture()
def passage(tmp_path: Path):
    """Annotated for birthplace (a linked fact), residence (object without QID) and spouse (no
    fact); not annotated for nationality."""
    rows = [_row("PLACE_OF_BIRTH", ("Anna Berg", "Q1001"), ("Lyon", "Q456")),
            _row("PLACE_OF_RESIDENCE", ("Anna Berg", "Q1001"), ("Oslo", None)),
            _row("SPOUSE")]
    path = tmp_path / "kn.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(r) + "\n" for r in rows)
    [document] = load_documents(path)
    assert document.page_qid == "Q1001"          # the subject annotated most often
    [found] = document.passages
    return found


def _triple(name: str, pid: str, head: tuple[str, str], tail: tuple[str, str],
            direction: str = "forward") -> dict:
    (head_text, head_qid), (tail_text, tail_qid) = head, tail
    (hs, he), (ts, te) = _span(head_text), _span(tail_text)
    return {"triple_id": name, "paragraph_id": "kn-D1-100", "pid": pid, "direction": direction,
            "head_qid": head_qid, "head_start": hs, "head_end": he,
            "tail_qid": tail_qid, "tail_start": ts, "tail_end": te}


ANNA, LYON, OSLO = ("Anna Berg", "Q1001"), ("Lyon", "Q456"), ("Oslo", "Q585")


def test_scoring_rules_on_a_hand_computed_passage(passage) -> None:
    triples = [
        _triple("stated birthplace", "P19", ANNA, LYON),
        _triple("stated birthplace, reversed label", "P19", LYON, ANNA, direction="reverse"),
        _triple("unstated birthplace", "P19", ANNA, OSLO),
        _triple("residence by span (gold object has no QID)", "P551", ANNA, OSLO),
        _triple("spouse in a passage with no spouse fact", "P26", ANNA, LYON),
        _triple("nationality: not annotated, ignored", "P27", ANNA, ("Oslo", "Q20")),
    ]
    verdicts = {t["triple_id"]: judge(t, passage) for t in triples}
    assert verdicts == {
        "stated birthplace": ("PLACE_OF_BIRTH", "correct"),
        "stated birthplace, reversed label": ("PLACE_OF_BIRTH", "correct"),
        "unstated birthplace": ("PLACE_OF_BIRTH", "unstated"),
        "residence by span (gold object has no QID)": ("PLACE_OF_RESIDENCE", "correct"),
        "spouse in a passage with no spouse fact": ("SPOUSE", "unstated"),
        "nationality: not annotated, ignored": None,
    }
    score = score_triples(triples, {passage.passage_id: passage}, sentences=1).as_dict()
    overall, per = score["overall"], score["per_property"]
    assert (overall["judged"], overall["correct"], overall["precision"]) == (5, 3, 0.6)
    assert (per["PLACE_OF_BIRTH"]["judged"], per["PLACE_OF_BIRTH"]["correct"]) == (3, 2)
    assert per["NATIONALITY"]["judged"] == 0
    # recall counts only the QID-linked fact (birthplace), once for both mention readings
    assert (overall["gold_facts"], overall["found"], overall["recall"]) == (1, 1, 1.0)
    assert overall["triples_per_sentence"] == 6.0


@pytest.mark.slow
def test_knowledgenet_section_smoke_run(tmp_path: Path) -> None:
    import quality

    out = tmp_path / "quality"
    assert quality.main(["--only", "knowledgenet", "--limit", "60", "--cache-dir",
                         str(tmp_path / "cache"), "--out", str(out)]) == 0
    report = json.loads(out.with_suffix(".json").read_text())["knowledgenet"]
    assert report["documents"] == 60 and report["linked_gold_facts"] > 0
    assert report["kg"]["claims_added"] > 0
    # the peer reads the annotators' own links, so it finds most linked facts; every QID-linked
    # fact is in the KG by construction
    assert report["peer"]["overall"]["recall"] >= 0.8
    for variant in report["chain"].values():
        before, after = variant["before_verifier"]["overall"], variant["after_verifier"]["overall"]
        assert after["published"] <= before["published"]
        assert after["found"] <= before["found"] and after["judged"] <= before["judged"]
        assert before["gold_facts"] == report["linked_gold_facts"]
        assert variant["verifier"]["scored"] == before["published"]
    assert "| **ours, published (after the verifier)** |" in out.with_suffix(".md").read_text()
