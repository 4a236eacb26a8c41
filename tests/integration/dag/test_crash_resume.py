"""SIGKILL in the middle of a stage, then rerun: same bytes as an uninterrupted run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kg2instruction.cli import main as kg2i
from tests.integration.dag.conftest import REPO, ENWIKI_SOURCES, enwiki_inputs, manifest
from tests.integration.dag.project import make_project, parquet_bytes, run

# 5 pages per shard -> 22 shards; the map stage sleeps per shard so the kill lands mid-stage.
STAGES = {"read_wikipedia": {"pages_per_shard": 5},
          "toy_tokens": {"min_tokens": 60, "sleep_seconds": 0.25},
          "toy_histogram": {"bucket": 50}}


def wait_for_done_markers(stage_dir: Path, n: int, process: subprocess.Popen,
                          timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = len(list(stage_dir.glob("*/shard-*.done"))) if stage_dir.is_dir() else 0
        if done >= n:
            return done
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} shards done in {stage_dir} after {timeout}s")


@pytest.mark.slow
def test_sigkill_mid_stage_then_rerun_matches_a_clean_run(tmp_path: Path,
                                                          sample_dir: Path) -> None:
    clean = make_project(tmp_path / "clean", STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    killed = make_project(tmp_path / "killed", STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline", str(killed),
         "--theme", "person"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stage_dir = tmp_path / "killed" / "cache" / "test" / "toy_tokens"
        done_at_kill = wait_for_done_markers(stage_dir, 3, process)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    done_after_kill = len(list(stage_dir.glob("*/shard-*.done")))
    assert 3 <= done_at_kill <= done_after_kill < 22, "the kill must land inside the stage"
    assert manifest(tmp_path / "killed")["status"] == "running"

    assert run(killed) == 0
    resumed = manifest(tmp_path / "killed")["stages"]
    assert resumed["read_wikipedia"]["shards_computed"] == 0
    assert resumed["toy_tokens"]["shards_reused"] == done_after_kill
    assert resumed["toy_tokens"]["shards_computed"] == 22 - done_after_kill

    assert run(clean) == 0
    expected = parquet_bytes(tmp_path / "clean" / "cache" / "test")
    assert parquet_bytes(tmp_path / "killed" / "cache" / "test") == expected
    # temporary files of the killed writes are never read, and `cache gc` clears them
    assert kg2i(["cache", "gc", "--pipeline", str(killed)]) == 0
    assert not list((tmp_path / "killed" / "cache").rglob("*.tmp"))
    assert parquet_bytes(tmp_path / "killed" / "cache" / "test") == expected
    # and in records: every paragraph exactly once
    out = tmp_path / "killed" / resumed["toy_tokens"]["output"]
    ids = [i for p in sorted(out.glob("shard-*.parquet"))
           for i in pq.read_table(p)["paragraph_id"].to_pylist()]
    assert len(ids) == len(set(ids)) == resumed["toy_tokens"]["funnel"]["kept"]
