"""The cost model's arithmetic on a run directory laid out as `kg2i run` writes it."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.cost_model import Assumptions, lookup_growth, markdown, model


def _stage(out: str, fingerprint: str, seconds: float, rows_in: int) -> dict:
    return {"kind": "map", "fingerprint": fingerprint, "output": out, "worker_seconds": seconds,
            "rows_in": {"upstream": rows_in} if rows_in else {}}


def _write_run(project: Path) -> Path:
    run_dir = project / "cache" / "sample"
    texts = {"en": ["one two three four", "five six"], "zh": ["数学是研究数量的学科"]}
    source = run_dir / "read_wikipedia" / "fp-src"
    source.mkdir(parents=True)
    langs = [lang for lang, items in texts.items() for _ in items]
    pq.write_table(pa.table({"lang": langs, "text": [t for items in texts.values() for t in items]}),
                   source / "shard-00000.parquet")
    for name in ("identify_mentions/fp-men", "apply_schema/fp-a", "apply_schema/fp-b",
                 "score_nli/fp-na", "score_nli/fp-nb"):
        (run_dir / name).mkdir(parents=True)
    (run_dir / "manifests").mkdir()
    for theme, schema_fp, nli_fp, triples, finished in (("person", "fp-a", "fp-na", 6, "2026-01-02"),
                                                        ("works", "fp-b", "fp-nb", 3, "2026-01-01")):
        stages = {
            "read_wikipedia": _stage("cache/sample/read_wikipedia/fp-src", "src", 3.0, 0),
            "build_kg": _stage("cache/sample/build_kg/fp-kg", "kg", 100.0, 0),
            "identify_mentions": _stage("cache/sample/identify_mentions/fp-men", "men", 30.0, 3),
            "apply_schema": _stage(f"cache/sample/apply_schema/{schema_fp}", schema_fp, 1.5, 9),
            "score_nli": _stage(f"cache/sample/score_nli/{nli_fp}", nli_fp, 80.0, triples)}
        manifest = {"theme": theme, "status": "complete", "finished_at": finished,
                    "stages": stages}
        (run_dir / "manifests" / f"{theme}.json").write_text(json.dumps(manifest))
    return run_dir


def _write_results(results: Path) -> None:
    results.mkdir()
    (results / "nli.json").write_text(json.dumps({"throughput": {"stage_pairs_per_s": 20.0}}))
    (results / "scaling.json").write_text(json.dumps({"ray_speedup_2_vs_1": 1.6}))
    lookups = {"1": 100.0, "10": 200.0}
    (results / "scale.json").write_text(json.dumps({"largest_size": 10, "sizes": {
        size: {"entities": 1000 * int(size), "dump_bytes": 2_000_000 * int(size),
               "build_seconds": 30.0 * int(size), "store_bytes": 6_000_000 * int(size),
               "lookups": {"cached_ms_per_paragraph": ms}} for size, ms in lookups.items()}}))


def test_per_item_costs_scale_to_the_stated_inputs(tmp_path: Path) -> None:
    run_dir = _write_run(tmp_path)
    _write_results(tmp_path / "results")
    a = Assumptions(enwiki_words=3000.0, zhwiki_chars=100.0, wikidata_bz2_gb=1.0,
                    wikidata_entities=100_000.0, nodes=2, cores_per_node=4, gpus=2,
                    gpu_pairs_per_second=10.0)
    r = model(run_dir, tmp_path / "results", a)
    # en: 6 words in 2 paragraphs -> 3000 words are 1000 paragraphs; zh: 10 chars per paragraph
    assert r["full_paragraphs"] == {"en": 1000.0, "zh": 10.0}
    total = 1010.0
    # lookups 100 ms at 1x, 200 ms at 10x: exponent log10(2); the full KG is 100x -> 400 ms
    growth = r["lookup_growth"]
    assert growth["exponent"] == pytest.approx(math.log10(2))
    assert growth["ms_per_paragraph_full"] == pytest.approx(400.0)
    # identify_mentions: 30 s over 3 sample paragraphs, plus half of the 300 ms lookup growth
    assert r["stages"]["identify_mentions"]["core_hours"] == pytest.approx(
        (10.0 + 0.15) * total / 3600)
    # apply_schema is a theme stage: both themes' fingerprints count (1.5 s each)
    assert r["stages"]["apply_schema"]["core_hours"] == pytest.approx(1.0 * total / 3600)
    # the verifier: 9 triples over 3 paragraphs, 10 pairs per core-second on the CPUs (20 on 2),
    # 10 pairs/s per GPU; not its sample worker seconds (model loading)
    assert r["triples_scored_per_paragraph"] == pytest.approx(3.0)
    assert r["stages"]["score_nli"]["core_hours"] == pytest.approx(3.0 * total / 10 / 3600)
    assert r["totals"]["wall_hours_nli_on_gpus"] == pytest.approx(3.0 * total / 10 / 3600 / 2)
    # the KG build: 300 s for 20 MB at the largest size; 1 GB -> 15,000 s on one node
    assert r["kg_build"]["hours_one_node"] == pytest.approx(15_000 / 3600)
    assert r["kg_build"]["store_gb_upper_bound"] == pytest.approx(3.0)
    # 8 cores at efficiency 0.8
    cpu = r["totals"]["cpu_core_hours"]
    assert r["totals"]["wall_hours_annotation"] == pytest.approx(cpu / (8 * 0.8))
    assert "build_kg" not in r["stages"]
    assert "Next wall" in markdown(r)


def test_themes_run_on_another_corpus_are_left_out(tmp_path: Path) -> None:
    run_dir = _write_run(tmp_path)
    works = run_dir / "manifests" / "works.json"
    manifest = json.loads(works.read_text())
    manifest["stages"]["read_wikipedia"]["fingerprint"] = "older-corpus"
    works.write_text(json.dumps(manifest))
    _write_results(tmp_path / "results")
    r = model(run_dir, tmp_path / "results", Assumptions())
    assert r["measured_from"]["themes"] == ["person"]


def test_lookup_growth_is_flat_when_the_cost_is(tmp_path: Path) -> None:
    scale = {"largest_size": 10, "sizes": {"1": {"lookups": {"cached_ms_per_paragraph": 50.0}},
                                           "10": {"lookups": {"cached_ms_per_paragraph": 50.0}}}}
    assert lookup_growth(scale, 500.0)["ms_per_paragraph_full"] == pytest.approx(50.0)


def test_lookups_measured_cheaper_at_a_bigger_kg_are_modelled_flat() -> None:
    """Noise around a flat cost must not turn into lookups that get cheaper as the KG grows."""
    scale = {"largest_size": 10, "sizes": {"1": {"lookups": {"cached_ms_per_paragraph": 100.0}},
                                           "10": {"lookups": {"cached_ms_per_paragraph": 90.0}}}}
    growth = lookup_growth(scale, kg_ratio=500.0)
    assert growth["exponent"] == 0.0
    assert growth["ms_per_paragraph_full"] == pytest.approx(100.0)
