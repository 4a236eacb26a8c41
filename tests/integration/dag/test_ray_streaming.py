"""Streaming on Ray (a real local Ray, 2 CPUs): a shard reaches the next stage while its source
is still being read, the in-flight cap holds, and the output is the local executor's, byte for
byte, with the same manifest."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.errors import ConfigError
from tests.integration.dag.conftest import manifest
from tests.integration.dag.project import PLUGIN, make_project, parquet_bytes, run

PLUGINS = [PLUGIN, "tests.integration.dag.stream_stages"]
TEXT = [f"line {i} of the text with {'word ' * (i % 5)}" for i in range(23)]
# One gated file: a waiting source holds a CPU, and the mark stage needs the other.
SOURCES = {"gated": {"path": "data/lines.txt", "name": "g"},
           "lines": [{"path": "data/lines.txt", "name": "a"},
                     {"path": "data/lines.txt", "name": "b"}]}
# Only what a run produced, not how long it took or where it ran.
REPORT_KEYS = ("kind", "fingerprint", "output", "requires", "shards_total", "shards_computed",
               "shards_reused", "rows_in", "funnel", "counters")


def _stages(gate: Path | None, gate_seconds: float = 60.0) -> dict[str, Any]:
    knobs = {"gate_dir": str(gate), "gate_seconds": gate_seconds} if gate else {}
    return {"toy_gated_lines": {"lines_per_shard": 3, **knobs},
            "toy_gate_mark": {"gate_dir": str(gate)} if gate else {},
            "toy_gate_words": {},
            # a second branch: source -> map -> map that also needs an artifact
            "toy_lines": {"lines_per_shard": 5}, "toy_upper": {"min_tokens": 4},
            "toy_lexicon": {"words": ["the", "of"]}, "toy_hits": {}}


def _project(root: Path, lines: Path, gate: Path | None, gate_seconds: float = 60.0,
             **settings: Any) -> Path:
    return make_project(root, _stages(gate, gate_seconds), SOURCES, {"lines.txt": lines},
                        plugins=PLUGINS, **settings)


def _reports(project: Path) -> dict[str, dict[str, Any]]:
    return {name: {k: stage[k] for k in REPORT_KEYS}
            for name, stage in manifest(project)["stages"].items()}


@pytest.fixture()
def lines(tmp_path: Path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(TEXT) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_streaming_passes_shards_on_and_writes_what_local_writes(
        tmp_path: Path, lines: Path, ray_session: None) -> None:
    local = _project(tmp_path / "local", lines, None)
    assert run(local) == 0

    # The gated source reads on only after toy_gate_mark has processed its first shard: only
    # a streaming run can finish it.
    gate = tmp_path / "gate"
    gate.mkdir()
    streamed = _project(tmp_path / "ray", lines, gate)
    assert run(streamed, "--executor", "ray") == 0
    assert (gate / "first-shard-seen").is_file()
    expected = parquet_bytes(tmp_path / "local" / "cache" / "test")
    assert len(expected) == 3 * 8 + 3 * 10     # 8 gated shards, 2 files x 5 plain, 3 stages each
    assert parquet_bytes(tmp_path / "ray" / "cache" / "test") == expected
    assert list(_reports(tmp_path / "ray")) == list(_reports(tmp_path / "local"))  # stage order
    assert _reports(tmp_path / "ray") == _reports(tmp_path / "local")
    assert manifest(tmp_path / "ray")["executor"] == "ray"
    assert manifest(tmp_path / "ray")["status"] == "complete"

    # A rerun reuses every stage without scheduling anything.
    assert run(streamed, "--executor", "ray") == 0
    assert all(s["shards_computed"] == 0 for s in _reports(tmp_path / "ray").values())


@pytest.mark.slow
def test_barrier_and_a_full_in_flight_cap_hold_the_next_stage_back(
        tmp_path: Path, lines: Path, ray_session: None) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    # --barrier: the mark stage waits for the whole source, which waits for the mark: the source
    # gives up. With max_in_flight 1 the running source fills the cap: the same.
    barrier = _project(tmp_path / "barrier", lines, gate, gate_seconds=2.0)
    with pytest.raises(RuntimeError, match="no streaming"):
        run(barrier, "--executor", "ray", "--barrier")
    capped = _project(tmp_path / "capped", lines, gate, gate_seconds=2.0,
                      executor={"max_in_flight": 1})
    with pytest.raises(RuntimeError, match="no streaming"):
        run(capped, "--executor", "ray")
    assert not (gate / "first-shard-seen").exists()
    assert manifest(tmp_path / "capped")["status"] == "failed"

    # The failed run resumes with streaming on: the first shard (published before the failure)
    # is not rewritten, and the output is the local executor's.
    done = tmp_path / "capped" / "cache" / "test" / "toy_gated_lines"
    first = next(done.glob("*/shard-g-00000.parquet"))
    first_written = first.stat().st_mtime_ns
    resumed = _project(tmp_path / "capped", lines, gate)       # same project, longer gate
    assert run(resumed, "--executor", "ray") == 0
    assert first.stat().st_mtime_ns == first_written
    local = _project(tmp_path / "local", lines, None)
    assert run(local) == 0
    assert parquet_bytes(tmp_path / "capped" / "cache" / "test") == \
        parquet_bytes(tmp_path / "local" / "cache" / "test")


def test_in_flight_cap_is_validated(tmp_path: Path, lines: Path) -> None:
    pipeline = _project(tmp_path, lines, None, executor={"kind": "ray", "max_in_flight": 0})
    with pytest.raises(ConfigError, match="max_in_flight"):
        load_pipeline(pipeline)
