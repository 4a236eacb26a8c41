"""The page comparison of two runs' paragraphs (real parquet shards, real DuckDB)."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kg2instruction.refresh.page_diff import compare_pages
from kg2instruction.sources.paragraphs import paragraphs_to_table


def _row(page: str, index: int, text: str, rev: int | None = 1, lang: str = "en",
         resolved: str = "Paris", source: str = "enwiki-1.xml") -> dict:
    return {"paragraph_id": f"{lang}:{page}:{index}", "page_id": page, "rev_id": rev,
            "lang": lang, "title": f"Page {page}", "page_qid": None, "section": "",
            "index": index, "text": text,
            "links": [{"start": 0, "end": 5, "anchor": text[:5], "target": "Paris",
                       "resolved": resolved}],
            "subject_spans": [], "source": source}


def _run(folder: Path, shards: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True)
    for shard, rows in shards.items():
        pq.write_table(paragraphs_to_table(rows), folder / f"shard-{shard}.parquet")
    (folder / "_complete.json").write_text(json.dumps(
        {"fingerprint": "x", "shards": [{"id": s, "lang": None} for s in sorted(shards)]}))
    return folder


@pytest.fixture()
def runs(tmp_path):
    old = _run(tmp_path / "old", {
        "en-00000": [_row("1", 0, "Alpha text"), _row("1", 1, "Alpha more"),
                     _row("2", 0, "Beta text")],
        "en-00001": [_row("3", 0, "Gamma text"), _row("4", 0, "Delta text")],
        "en-00002": [_row("5", 0, "Eps text"), _row("6", 0, "Zeta text")],
        "zh_extracts-00000": [_row("Q1", 0, "甲乙丙丁戊", rev=None, lang="zh"),
                              _row("Q2", 0, "己庚辛壬癸", rev=None, lang="zh")],
    })
    # New dump (other file name): page 2 removed, so 3 and 4 move up a shard; page 4 revised;
    # page 5 has the same revision but a link now resolves elsewhere (a new redirect); page 7
    # added; extract Q2 changed text (no revision ids: compared by content).
    new = "enwiki-2.xml"
    new_dir = _run(tmp_path / "new", {
        "en-00000": [_row("1", 0, "Alpha text", source=new), _row("1", 1, "Alpha more",
                                                                   source=new),
                     _row("3", 0, "Gamma text", source=new)],
        "en-00001": [_row("4", 0, "Delta text, edited", rev=2, source=new),
                     _row("5", 0, "Eps text", resolved="Paris, France", source=new)],
        "en-00002": [_row("6", 0, "Zeta text", source=new), _row("7", 0, "Eta text",
                                                                 source=new)],
        "zh_extracts-00000": [_row("Q1", 0, "甲乙丙丁戊", rev=None, lang="zh", source=new),
                              _row("Q2", 0, "己庚辛壬癸子", rev=None, lang="zh", source=new)],
    })
    return old, new_dir


def test_pages_are_matched_by_page_not_by_shard_position(runs, tmp_path):
    old, new = runs
    compared = compare_pages(old, new, [], tmp_path / "tmp")
    assert compared.pages == {"same": 4, "revised": 1, "rerendered": 2, "added": 1,
                              "removed": 1, "kg": 0}
    plan = compared.plan
    # shard 0: page 1 kept in place, page 3 comes from the previous shard 1
    assert plan["en-00000"].recompute == [] and plan["en-00000"].sources == ["en-00000",
                                                                             "en-00001"]
    assert not plan["en-00000"].intact
    assert plan["en-00001"].recompute == ["en:4:0", "en:5:0"] and plan["en-00001"].sources == []
    assert plan["en-00002"].recompute == ["en:7:0"] and plan["en-00002"].sources == ["en-00002"]
    assert plan["zh_extracts-00000"].recompute == ["zh:Q2:0"]
    assert compared.paragraphs == 9


def test_kg_affected_pages_are_recomputed_and_untouched_shards_stay_intact(tmp_path):
    rows = {"en-00000": [_row("1", 0, "Alpha text"), _row("1", 1, "Alpha more")],
            "en-00001": [_row("2", 0, "Beta text")]}
    old = _run(tmp_path / "old", rows)
    new = _run(tmp_path / "new", {s: [{**r, "source": "other.xml"} for r in v]
                                  for s, v in rows.items()})
    compared = compare_pages(old, new, ["en:1:1"], tmp_path / "tmp")
    assert compared.pages["same"] == 2 and compared.pages["kg"] == 1
    # the whole page of an affected paragraph, never half of it
    assert compared.plan["en-00000"].recompute == ["en:1:0", "en:1:1"]
    assert compared.plan["en-00001"].intact and compared.plan["en-00001"].sources == ["en-00001"]
    same = compare_pages(old, old, [], tmp_path / "tmp")
    assert all(r.intact and not r.recompute for r in same.plan.values())
