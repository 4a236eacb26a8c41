"""A new Wikipedia dump, end to end: only changed pages are recomputed, and the result equals a
clean run on the new dump.

Wikipedia v2 = the 14 real pages with two articles' text edited (new revision ids), one article
added in the middle of the dump and one removed near its start, so later pages move to other
shards (3 pages per shard). Then v3 (one more article edited) together with Wikidata v2: both
differences at once.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks.incremental_wikipedia import SAMPLE, write_wikipedia_version

from ..faults.conftest import run_kg2i
from .conftest import PAGES, make_project, nli_model

pytestmark = pytest.mark.slow
THEME = "person"
VOLATILE = {"kg2i_summary.json", "README.md"}
ADDED, REMOVED = 628, 332                     # Aldous Huxley in, Animalia (book) out
EDITS = {340: ("is a French [[mathematician]],", "is a French [[mathematician]] and "
               "[[physicist]],"),
         673: ("Experimental measurement by [[Henry Moseley]]",
               "Experimental measurement by the English physicist [[Henry Moseley]]")}
EDITS_V3 = {344: ("'''Allan Dwan'''", "'''Allan Dwan''' (born Joseph Aloysius Dwan)")}


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in VOLATILE}


def _latest(project: Path) -> Path:
    datasets = project / "cache" / "rf" / "datasets" / THEME
    return datasets / (datasets / "LATEST").read_text().strip()


def _paragraphs_of(project: Path, pages: set[int]) -> set[str]:
    """Paragraph ids of `pages` in the current run's paragraphs (read_wikipedia output)."""
    manifest = json.loads((project / "cache" / "rf" / "manifests" / f"{THEME}.json").read_text())
    folder = project / manifest["stages"]["read_wikipedia"]["output"]
    ids = set()
    for shard in folder.glob("shard-*.parquet"):
        table = pq.read_table(shard, columns=["paragraph_id", "page_id"]).to_pylist()
        ids |= {r["paragraph_id"] for r in table if int(r["page_id"]) in pages}
    return ids


def _clean_dataset(root: Path, dumps, wikidata: Path, wikipedia: Path, model: str) -> Path:
    """A from-scratch run + export on these dumps, the Wikipedia file under the same name."""
    pipeline = make_project(root, dumps, wikidata, model)
    (pipeline.parents[1] / "pipelines" / "sample" / wikipedia.name).write_bytes(
        wikipedia.read_bytes())
    pipeline.write_text(pipeline.read_text().replace("enwiki-subset.xml", wikipedia.name))
    for command in ("run", "export"):
        done = run_kg2i([command, "--pipeline", str(pipeline), "--theme", THEME],
                        cwd=pipeline.parents[1])
        assert done.returncode == 0, done.stderr[-3000:]
    return _latest(pipeline.parents[1])


def test_new_wikipedia_dump_recomputes_only_changed_pages(tmp_path, refresh_dumps):
    model = nli_model()
    pipeline = make_project(tmp_path / "ops", refresh_dumps, refresh_dumps.v1, model)
    project = pipeline.parents[1]
    wiki_dir = project / "pipelines" / "sample"
    v2, v3 = wiki_dir / "enwiki-v2.xml", wiki_dir / "enwiki-v3.xml"
    write_wikipedia_version(SAMPLE, v2, keep=(PAGES | {ADDED}) - {REMOVED}, edits=EDITS)
    write_wikipedia_version(v2, v3, edits=EDITS_V3)

    def refresh(*options: str):
        done = run_kg2i(["refresh", "run", "--pipeline", str(pipeline), "--theme", THEME,
                         *options], cwd=project)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    refresh("--wikidata-file", str(project / "dumps" / refresh_dumps.v1.name))
    before = _paragraphs_of(project, PAGES)

    out = refresh("--wikipedia-file", f"en={v2}")
    assert "incremental (new Wikipedia dump" in out, out
    plan = json.loads((project / "cache" / "rf" / "refresh" / "affected" / f"{THEME}.json")
                      .read_text())
    assert plan["pages"] == {"same": 11, "revised": 2, "rerendered": 0, "added": 1,
                             "removed": 1, "kg": 0}
    changed = _paragraphs_of(project, set(EDITS) | {ADDED})
    recomputed = {p for r in plan["reuse"].values() for p in r["recompute"]}
    assert recomputed == changed and changed
    # Pages moved: a shard assembled from two previous shards; untouched shards hard-linked.
    assert any(len(r["sources"]) == 2 for r in plan["reuse"].values())
    assert sum(r["intact"] for r in plan["reuse"].values()) == 2
    history = json.loads((project / "cache" / "rf" / "refresh" / "history.json").read_text())
    stages = history[-1]["themes"][THEME]["stages"]
    assert {"identify_mentions", "link_entities", "match_relations", "score_nli"} <= set(stages)
    now = _paragraphs_of(project, PAGES | {ADDED})
    for name, counts in stages.items():
        assert counts["recomputed_paragraphs"] == len(changed), name
        assert counts["reused_paragraphs"] == len(now) - len(changed), name
        assert counts["reused_shards"] == 2 and counts["recomputed_shards"] == 0, name
    assert len(before - now) > 0            # the removed page's paragraphs are gone
    assert _tree(_latest(project)) == _tree(
        _clean_dataset(tmp_path / "clean2", refresh_dumps, refresh_dumps.v1, v2, model))

    # Both dumps at once: the KG difference and the edited page are recomputed together.
    kg_v2 = project / "dumps" / refresh_dumps.v2.name
    kg_v2.write_bytes(refresh_dumps.v2.read_bytes())
    out = refresh("--wikidata-file", str(kg_v2), "--wikipedia-file", f"en={v3}")
    assert "incremental (new KG and Wikipedia dump" in out, out
    plan = json.loads((project / "cache" / "rf" / "refresh" / "affected" / f"{THEME}.json")
                      .read_text())
    assert plan["diff"]["claims_added"] == 1 and plan["pages"]["revised"] == 1
    recomputed = {p for r in plan["reuse"].values() for p in r["recompute"]}
    kg_affected = {p for ids in plan["affected"].values() for p in ids}
    edited = _paragraphs_of(project, set(EDITS_V3))
    # KG-affected ids are the previous run's; the edited page's are the new run's
    assert recomputed == {p for p in kg_affected if p.split(":")[1] != "344"} | edited
    assert edited and kg_affected - edited and len(recomputed) < len(now)
    assert _tree(_latest(project)) == _tree(
        _clean_dataset(tmp_path / "clean3", refresh_dumps, refresh_dumps.v2, v3, model))
