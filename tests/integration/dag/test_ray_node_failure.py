"""A worker node dies mid-run: a real two-node Ray cluster on this machine (a head without CPUs,
so every unit runs on the worker), the worker is killed once some shards are done, a fresh node
joins, and the streaming run finishes with the output of a clean local run, byte for byte."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.integration.dag.conftest import (ENWIKI_SOURCES, PARAGRAPH_STAGES, REPO, enwiki_inputs,
                                            manifest)
from tests.integration.dag.project import make_project, parquet_bytes, run


# reader (source) -> tokens (map, slowed so the kill lands mid-run) -> histogram (reduce), and a
# model stage on an actor pool
STAGES = {**PARAGRAPH_STAGES, "toy_model": {}}
SLOW = {**STAGES, "toy_tokens": {**PARAGRAPH_STAGES["toy_tokens"], "sleep_seconds": 1.0}}
RESULT_KEYS = ("fingerprint", "shards_total", "rows_in", "funnel", "counters")
NODE = {"num_cpus": 2, "object_store_memory": 100 * 1024 * 1024}


def _tail(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-3000:]


@pytest.fixture()
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    if ray.is_initialized():          # the session's local Ray (other tests) would be reused
        ray.shutdown()
    # Nodes and workers import the test stages (plugins) by module name.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    # Declare a silent node dead within ~2 s rather than the default ~30 s.
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "object_store_memory": 100 * 1024 * 1024,
        "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 3,
                           "health_check_initial_delay_ms": 0}})
    try:
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()


@pytest.mark.slow
def test_a_worker_node_killed_mid_run_changes_nothing(tmp_path: Path, sample_dir: Path,
                                                     cluster: Any) -> None:
    worker = cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    on_ray = make_project(tmp_path / "ray", SLOW, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    run_dir = tmp_path / "ray" / "cache" / "test"
    # The driver is its own process (as `kg2i run` on a cluster's head); this process plays the
    # operator: it kills the worker once two map shards are done, then adds a fresh node (Ray
    # starts nodes from the main thread only).
    env = {**os.environ, "KG2I_PROGRESS_SECONDS": "5"}
    env.pop("KG2I_CACHE_DIR", None)
    log = (tmp_path / "driver.log").open("w+")
    driver = subprocess.Popen(
        [sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline", str(on_ray),
         "--theme", "person", "--executor", "ray", "--ray-address", cluster.address],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 300
        while len(tokens := list(run_dir.glob("toy_tokens/*/shard-*.done"))) < 2:
            assert driver.poll() is None and time.monotonic() < deadline, _tail(log)
            time.sleep(0.05)
        tokens_complete = any(run_dir.glob("toy_tokens/*/_complete.json"))
        cluster.remove_node(worker, allow_graceful=False)
        cluster.add_node(**NODE)
        assert driver.wait(timeout=300) == 0, _tail(log)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        log.close()
    # the kill happened while the map stage was running, not after it
    assert not tokens_complete and len(tokens) < 6

    local = make_project(tmp_path / "local", STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    assert run(local) == 0
    expected = parquet_bytes(tmp_path / "local" / "cache" / "test")
    assert len(expected) == 6 + 6 + 1 + 6     # reader, tokens, histogram, model
    assert parquet_bytes(run_dir) == expected
    ray_report, local_report = manifest(tmp_path / "ray"), manifest(tmp_path / "local")
    assert ray_report["status"] == "complete"
    assert list(ray_report["stages"]) == list(local_report["stages"])
    assert {n: {k: s[k] for k in RESULT_KEYS} for n, s in ray_report["stages"].items()} == \
        {n: {k: s[k] for k in RESULT_KEYS} for n, s in local_report["stages"].items()}
    # every shard has its done marker, as after the local run
    assert sorted(p.relative_to(run_dir) for p in run_dir.glob("*/*/shard-*.done")) == \
        sorted(p.relative_to(tmp_path / "local" / "cache" / "test")
               for p in (tmp_path / "local" / "cache" / "test").glob("*/*/shard-*.done"))
