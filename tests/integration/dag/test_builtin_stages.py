"""The framework wrappers of the real readers: `read_wikipedia` (source) and `build_kg` (artifact)."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from kg2instruction.schemas import PARAGRAPHS
from tests.integration.dag.conftest import manifest
from kg2instruction.cli import main as kg2i
from tests.integration.dag.project import make_project, run


def test_read_wikipedia_shards_whole_pages_per_language(tmp_path: Path, sample_dir: Path) -> None:
    pipeline = make_project(
        tmp_path, {"read_wikipedia": {"pages_per_shard": 40}},
        {"wikipedia": [{"path": "data/enwiki.xml.bz2", "lang": "en"},
                       {"path": "data/zhwiki.xml", "lang": "zh"}]},
        {"enwiki.xml.bz2": sample_dir / "enwiki-sample.xml.bz2",
         "zhwiki.xml": sample_dir / "zhwiki-sample.xml"})
    assert run(pipeline) == 0
    report = manifest(tmp_path)["stages"]["read_wikipedia"]
    out = tmp_path / report["output"]
    shards = {p.name: pq.read_table(p) for p in sorted(out.glob("*.parquet"))}
    assert list(shards) == ["shard-en-00000.parquet", "shard-en-00001.parquet",
                            "shard-en-00002.parquet", "shard-zh-00000.parquet"]
    pages = [set(t["page_id"].to_pylist()) for t in shards.values()]
    assert all(len(p) <= 40 for p in pages)
    assert not set.intersection(*pages[:3])                      # no page split across shards
    assert all(t.schema.equals(PARAGRAPHS) for t in shards.values())
    assert set(shards["shard-zh-00000.parquet"]["lang"].to_pylist()) == {"zh"}
    assert report["counters"]["pages"] == 107 and report["counters"]["redirects"] > 0
    assert report["funnel"]["kept"] == sum(t.num_rows for t in shards.values())


def test_build_kg_artifact_is_opened_read_only_by_later_stages(tmp_path: Path,
                                                               fixtures_dir: Path) -> None:
    qids = tmp_path / "qids.txt"
    qids.write_text("Q22\nQ42\nQ31\n", encoding="utf-8")
    pipeline = make_project(
        tmp_path / "p", {"toy_lines": {"lines_per_shard": 2}, "build_kg": {},
                         "toy_kg_labels": {}},
        {"lines": {"path": "data/qids.txt", "name": "q"},
         "wikidata": {"path": "data/head50.json"}},
        {"qids.txt": qids, "head50.json": fixtures_dir / "wikidata" / "latest-all.head50.json"})
    assert run(pipeline) == 0
    stages = manifest(tmp_path / "p")["stages"]
    assert stages["build_kg"]["counters"]["items"] == 49
    assert stages["build_kg"]["counters"]["claims"] > 0
    labels = {}
    for path in sorted((tmp_path / "p" / stages["toy_kg_labels"]["output"]).glob("*.parquet")):
        labels.update(zip(*pq.read_table(path).to_pydict().values()))
    assert labels == {"q:000000": "Scotland", "q:000001": None, "q:000002": "Belgium"}
    assert stages["toy_kg_labels"]["funnel"]["dropped"] == {"no_label": 1}
    store = tmp_path / "p" / stages["build_kg"]["output"] / "artifact" / "kg.duckdb"
    assert store.is_file()
    assert run(pipeline) == 0
    assert manifest(tmp_path / "p")["stages"]["build_kg"]["shards_computed"] == 0


def test_kg_info_without_kg_reads_the_store_the_run_built(tmp_path: Path, fixtures_dir: Path,
                                                          capsys) -> None:
    qids = tmp_path / "qids.txt"
    qids.write_text("Q42\n", encoding="utf-8")
    pipeline = make_project(
        tmp_path / "p", {"toy_lines": {"lines_per_shard": 2}, "build_kg": {}},
        {"lines": {"path": "data/qids.txt", "name": "q"},
         "wikidata": {"path": "data/head50.json"}},
        {"qids.txt": qids, "head50.json": fixtures_dir / "wikidata" / "latest-all.head50.json"})
    assert kg2i(["kg", "info", "--pipeline", str(pipeline)]) == 2     # nothing built yet
    assert "no KG store built" in capsys.readouterr().err
    assert run(pipeline) == 0
    store = tmp_path / "p" / manifest(tmp_path / "p")["stages"]["build_kg"]["output"]
    capsys.readouterr()
    assert kg2i(["kg", "info", "--pipeline", str(pipeline)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"KG store {store / 'artifact' / 'kg.duckdb'}\n")
    assert "  items: 49\n" in printed
    # --cache-dir points it at another cache, where nothing was built
    other = tmp_path / "other-cache"
    assert kg2i(["kg", "info", "--pipeline", str(pipeline), "--cache-dir", str(other)]) == 2
    assert str(other) in capsys.readouterr().err


def test_read_wikipedia_reads_a_jsonl_corpus(tmp_path: Path, fixtures_dir: Path) -> None:
    """A JSONL corpus (T-REx sentences with their page QIDs) is a `wikipedia` source like a dump:
    paragraphs keep the record's language and page QID."""
    pipeline = make_project(
        tmp_path, {"read_wikipedia": {"pages_per_shard": 500,
                                      "paragraphs": {"min_tokens": 1, "max_tokens": 512}}},
        {"wikipedia": [{"path": "data/trex.jsonl.gz", "lang": "en"}]},
        {"trex.jsonl.gz": fixtures_dir / "wikidata" / "trex-gold-dev.jsonl.gz"})
    assert run(pipeline) == 0
    report = manifest(tmp_path)["stages"]["read_wikipedia"]
    tables = [pq.read_table(p) for p in sorted((tmp_path / report["output"]).glob("*.parquet"))]
    rows = [r for t in tables for r in t.to_pylist()]
    assert report["funnel"]["kept"] == len(rows) > 70_000
    assert {r["lang"] for r in rows} == {"en"}
    qids = [r["page_qid"] for r in rows if r["page_qid"]]
    assert len(qids) > 0.9 * len(rows) and all(q.startswith("Q") for q in qids)
    assert all(t.schema.equals(PARAGRAPHS) for t in tables)
