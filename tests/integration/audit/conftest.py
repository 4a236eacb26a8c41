"""A finished run with both NLI strata: real paragraphs and facts, the real split stages, the real
KG store.

Upstream tables are the dataset area's real fixture rows (T-REx English sentences with their
Wikidata facts, InstructIE Chinese person paragraphs), written as finished shards; `nli_filter`
and `nli_rejected` then run through the framework's shard runner on them, with the person
theme's thresholds. The NLI scores are a seeded hash of the triple id instead of a model's
output: these tests are about drawing and scoring an audit sample, and a hash gives both strata
a few dozen triples each (the bundled verifier keeps nearly every gold T-REx fact). The KG store
is the bundled wikidata-mini dump built once per session, registered as the run's `build_kg`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.core.fingerprint import digest
from kg2instruction.core.manifest import Funnel, RunManifest, StageReport, manifest_path
from kg2instruction.core.shard_store import ARTIFACT, ShardStore
from kg2instruction.schemas import NLI_TRIPLES, PARAGRAPHS
from kg2instruction.stages.nli_filter import NliFilter
from kg2instruction.stages.nli_rejected import NliRejected
from kg2instruction.core.registry import stage_ref
from kg2instruction.core.run_shard import run_shard
from kg2instruction.core.stage import Stage
from kg2instruction.core.work import MapUnit, StageSpec, UpstreamOutput
from tests.integration.dataset.harness import (RUN_NAME, SEED, FixtureRun, _report,
                                               make_project, write_upstream)
from tests.unit.instructions.real_tables import chinese_rows, english_rows


def hashed_score(triple_id: str) -> float:
    return int(hashlib.blake2b(triple_id.encode(), digest_size=4).hexdigest(), 16) / 2 ** 32


def run_map_stage(run: FixtureRun, cls: type[Stage]) -> None:
    """A map stage over the single upstream shard, as the local executor would run it."""
    config = cls.Config()
    fingerprint = digest({"stage": cls.name, "config": config.model_dump(mode="json"),
                          "upstream": {r: run.reports[r].fingerprint for r in cls.requires}})
    store = ShardStore(run.run_dir / cls.name, fingerprint)
    spec = StageSpec(stage=cls.name, stage_ref=stage_ref(cls),
                     config=config.model_dump(mode="json"), fingerprint=fingerprint,
                     out_dir=store.dir, theme=run.theme, languages=("en", "zh"), seed=SEED,
                     base_dir=run.project, inputs={r: run.outputs[r] for r in cls.requires})
    (outcome,) = run_shard(spec, MapUnit("00000", None))
    store.mark_complete({outcome.shard_id: outcome.lang})
    run.outputs[cls.name] = UpstreamOutput(store.dir, (outcome.shard_id,))
    run.reports[cls.name] = _report(run, cls.name, cls.kind, store, [outcome.shard_id],
                                    cls.requires)


def _register_kg(run: FixtureRun, kg_file: Path) -> None:
    store = ShardStore(run.run_dir / "build_kg", digest({"fixture": "build_kg"}))
    store.artifact_dir.mkdir(parents=True)
    shutil.copy(kg_file, store.artifact_dir / "kg.duckdb")
    store.mark_complete({ARTIFACT: None})
    run.reports["build_kg"] = StageReport(
        kind="artifact", version="1", fingerprint=store.fingerprint,
        output=os.path.relpath(store.dir, run.project), requires=[], shards_total=1,
        shards_computed=1, shards_reused=0, wall_seconds=0.0, worker_seconds=0.0, rows_in={},
        funnel=Funnel(), counters={})


@pytest.fixture(scope="session")
def audit_run(tmp_path_factory: pytest.TempPathFactory, sample_kg: Path) -> FixtureRun:
    root = tmp_path_factory.mktemp("audit_project")
    pipeline_file = make_project(root)
    theme = load_theme("person", root / "themes")
    en_paragraphs, en_triples = english_rows(theme, limit=3000)
    zh_paragraphs, zh_triples = chinese_rows(theme)
    triples = [{**t, "nli_score": hashed_score(t["triple_id"]),
                "nli_hypothesis": f"{t['head']} {t['relation']} {t['tail']}."}
               for t in en_triples + zh_triples]
    run = FixtureRun(project=root, theme=theme, pipeline_file=pipeline_file)
    write_upstream(run, "read_wikipedia", pa.Table.from_pylist(en_paragraphs + zh_paragraphs,
                                                               schema=PARAGRAPHS))
    write_upstream(run, "score_nli", pa.Table.from_pylist(triples, schema=NLI_TRIPLES))
    run_map_stage(run, NliFilter)
    run_map_stage(run, NliRejected)
    _register_kg(run, sample_kg)
    RunManifest(pipeline=RUN_NAME, pipeline_file="pipelines/fixture.yaml", theme="person",
                seed=SEED, executor="local", status="complete",
                started_at="2026-01-01T00:00:00+00:00",
                stages=dict(run.reports)).write(manifest_path(run.run_dir, "person"))
    return run
