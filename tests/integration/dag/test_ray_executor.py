"""The Ray executor (a real local Ray, 2 CPUs) writes the same bytes as the local executor."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.dag.conftest import (ENWIKI_SOURCES, PARAGRAPH_STAGES, enwiki_inputs,
                                            manifest)
from tests.integration.dag.project import make_project, parquet_bytes, run

STAGES = {**PARAGRAPH_STAGES, "toy_model": {}}


@pytest.mark.slow
def test_local_and_ray_outputs_are_byte_identical(tmp_path: Path, sample_dir: Path,
                                                  ray_session: None) -> None:
    local = make_project(tmp_path / "local", STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    on_ray = make_project(tmp_path / "ray", STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    pool = make_project(tmp_path / "pool", STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    assert run(local) == 0
    assert run(on_ray, "--executor", "ray") == 0
    assert run(pool, "--workers", "2") == 0

    expected = parquet_bytes(tmp_path / "local" / "cache" / "test")
    assert len(expected) == 6 + 6 + 1 + 6   # reader, tokens, histogram, model (actor pool)
    assert parquet_bytes(tmp_path / "ray" / "cache" / "test") == expected
    assert parquet_bytes(tmp_path / "pool" / "cache" / "test") == expected
    ray_manifest = manifest(tmp_path / "ray")
    assert ray_manifest["executor"] == "ray"
    assert {n: s["fingerprint"] for n, s in ray_manifest["stages"].items()} == \
        {n: s["fingerprint"] for n, s in manifest(tmp_path / "local")["stages"].items()}
    # a Ray rerun schedules nothing
    assert run(on_ray, "--executor", "ray") == 0
    assert all(s["shards_computed"] == 0 for s in manifest(tmp_path / "ray")["stages"].values())
