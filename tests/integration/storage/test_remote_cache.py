"""The stage cache mirrored to object storage (`cache_url:`; a real moto S3 server over HTTP,
through s3fs): a run on an empty local cache downloads every stage instead of recomputing it,
byte for byte; a run killed mid-stage and re-run on a fresh machine computes only the shards the
mirror lacks; `--force` recomputes; `status` and `cache gc` never download or delete there."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg2instruction.cli import main as kg2i
from kg2instruction.core.runner import plan_run
from kg2instruction.errors import ConfigError
from tests.integration.dag.conftest import REPO, manifest
from tests.integration.dag.project import make_project, parquet_bytes, run
from tests.s3_server import Bucket, s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

LINES = [f"line {i} of the text " + "word " * (i % 5) for i in range(24)]
STAGES = {"toy_lines": {"lines_per_shard": 2}, "toy_upper": {"min_tokens": 1},
          "toy_lexicon": {"words": ["the", "of"]}, "toy_hits": {}}
SHARDS = 12                                 # 24 lines, 2 per shard


def _project(root: Path, lines: Path, **settings) -> Path:
    return make_project(root, STAGES, {"lines": {"path": "data/lines.txt", "name": "a"}},
                        {"lines.txt": lines}, **settings)


@pytest.fixture()
def lines(tmp_path: Path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def _outputs(root: Path) -> dict[str, bytes]:
    """Every shard's Parquet and the artifact's files, keyed by path in the run directory."""
    run_dir = root / "cache" / "test"
    artifact = {str(p.relative_to(run_dir)): p.read_bytes()
                for p in sorted(run_dir.glob("*/*/artifact/**/*")) if p.is_file()}
    return {**parquet_bytes(run_dir), **artifact}


def _remote_done(bucket: Bucket, stage: str) -> list[str]:
    fs = bucket.fs()
    fs.invalidate_cache()
    return sorted(p for p in fs.find(f"{bucket.name}/cache/test/{stage}")
                  if p.endswith(".done"))


def test_an_empty_local_cache_is_refilled_from_the_mirror(s3_bucket, lines, tmp_path):
    root = tmp_path / "p"
    pipeline = _project(root, lines, cache_url=f"{s3_bucket.url}/cache")
    assert run(pipeline) == 0
    first = _outputs(root)
    assert first and any("/artifact/" in k for k in first)

    # the mirror holds the same files as the local cache, with every marker and _complete.json
    fs = s3_bucket.fs()
    for name, data in first.items():
        assert fs.cat_file(f"{s3_bucket.name}/cache/test/{name}") == data
    for stage, report in manifest(root)["stages"].items():
        folder = Path(report["output"]).name
        remote = {p.rsplit("/", 1)[-1] for p in
                  fs.find(f"{s3_bucket.name}/cache/test/{stage}/{folder}")}
        assert "_complete.json" in remote and "_mirror.json" not in remote
        assert sum(n.endswith(".done") for n in remote) == report["shards_total"]
    uploaded = {p: fs.info(p)["LastModified"] for p in fs.find(f"{s3_bucket.name}/cache")}

    # `status` reads the local cache only: nothing downloaded
    shutil.rmtree(root / "cache")
    assert kg2i(["status", "--pipeline", str(pipeline), "--theme", "person"]) == 0
    assert not list((root / "cache").rglob("shard-*"))

    # a fresh machine: every stage comes from the mirror, nothing is computed
    assert run(pipeline) == 0
    stages = manifest(root)["stages"]
    assert {s: r["shards_computed"] for s, r in stages.items()} == dict.fromkeys(stages, 0)
    assert stages["toy_upper"]["shards_reused"] == stages["toy_hits"]["shards_reused"] == SHARDS
    assert stages["toy_lexicon"]["counters"] == {"words": 2}        # the stats came back too
    assert _outputs(root) == first
    s3_bucket.fs().invalidate_cache()
    assert {p: fs.info(p)["LastModified"] for p in fs.find(f"{s3_bucket.name}/cache")} \
        == uploaded                                                 # nothing uploaded again

    # a partial local loss (one shard and the stage marker gone): only that shard comes back
    upper = root / stages["toy_upper"]["output"]
    (upper / "_complete.json").unlink()
    for suffix in (".done", ".parquet"):
        (upper / f"shard-a-00003{suffix}").unlink()
    assert run(pipeline) == 0
    assert manifest(root)["stages"]["toy_upper"]["shards_computed"] == 0
    assert _outputs(root) == first

    # `--force` recomputes (the mirror's markers are dropped first, so nothing is downloaded)
    assert run(pipeline, "--force", "toy_upper") == 0
    forced = manifest(root)["stages"]
    assert forced["toy_upper"]["shards_computed"] == SHARDS
    assert _outputs(root) == first
    assert len(_remote_done(s3_bucket, "toy_upper")) == SHARDS
    assert run(pipeline, "--force", "toy_lexicon") == 0             # an artifact, the same way
    assert manifest(root)["stages"]["toy_lexicon"]["shards_computed"] == 1
    shutil.rmtree(root / "cache")
    assert run(pipeline) == 0
    assert all(r["shards_computed"] == 0 for r in manifest(root)["stages"].values())
    assert _outputs(root) == first

    # `cache gc` and `cache rm` work on the local cache and leave the mirror alone
    assert kg2i(["cache", "gc", "--pipeline", str(pipeline)]) == 0
    assert len(_remote_done(s3_bucket, "toy_hits")) == SHARDS


def test_a_stage_complete_locally_before_the_mirror_was_configured_is_uploaded(
        s3_bucket, lines, tmp_path):
    root = tmp_path / "p"
    assert run(_project(root, lines)) == 0
    before = _outputs(root)
    pipeline = _project(root, lines, cache_url=f"{s3_bucket.url}/cache/")
    assert run(pipeline) == 0
    assert all(r["shards_computed"] == 0 for r in manifest(root)["stages"].values())
    shutil.rmtree(root / "cache")
    assert run(pipeline) == 0
    assert all(r["shards_computed"] == 0 for r in manifest(root)["stages"].values())
    assert _outputs(root) == before


@pytest.mark.slow
def test_a_run_killed_mid_stage_resumes_on_a_fresh_machine_from_the_mirror(
        s3_bucket, lines, tmp_path):
    clean = _project(tmp_path / "clean", lines)
    assert run(clean) == 0
    expected = _outputs(tmp_path / "clean")

    root = tmp_path / "killed"
    stages = {**STAGES, "toy_upper": {"min_tokens": 1, "sleep_seconds": 0.4}}
    pipeline = make_project(root, stages, {"lines": {"path": "data/lines.txt", "name": "a"}},
                            {"lines.txt": lines}, cache_url=f"{s3_bucket.url}/cache")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(      # workers upload from a process pool; kill them all
        [sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline", str(pipeline),
         "--theme", "person", "--workers", "2"], cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(_remote_done(s3_bucket, "toy_upper")) < 3:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no shard reached the mirror"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    time.sleep(0.5)
    up = len(_remote_done(s3_bucket, "toy_upper"))
    done_here = len(list((root / "cache" / "test" / "toy_upper").glob("*/shard-*.done")))
    # shards went up as they finished, not at the end of the stage
    assert 3 <= up <= done_here < SHARDS, "the kill must land inside the stage"

    shutil.rmtree(root / "cache")                   # a fresh machine
    assert run(pipeline) == 0
    resumed = manifest(root)["stages"]
    assert resumed["toy_lines"]["shards_computed"] == 0
    assert resumed["toy_upper"]["shards_reused"] == up
    assert resumed["toy_upper"]["shards_computed"] == SHARDS - up
    assert _outputs(root) == expected
    assert len(_remote_done(s3_bucket, "toy_hits")) == SHARDS


@pytest.mark.slow
def test_ray_workers_upload_and_a_ray_run_reuses_the_mirror(s3_bucket, lines, tmp_path):
    """Under Ray (streaming) the tasks find the mirror in the stage directory: shards missing
    there are computed on Ray and uploaded by the tasks, the rest downloaded."""
    pytest.importorskip("ray")
    root = tmp_path / "p"
    pipeline = _project(root, lines, cache_url=f"{s3_bucket.url}/cache")
    assert run(pipeline) == 0
    expected = _outputs(root)
    shutil.rmtree(root / "cache")
    fs = s3_bucket.fs()
    dropped = _remote_done(s3_bucket, "toy_upper")[:4]
    for marker in dropped:
        fs.rm_file(marker)
    complete = [p for p in fs.find(f"{s3_bucket.name}/cache/test/toy_upper")
                if p.endswith("_complete.json")]
    fs.rm_file(complete[0])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline", str(pipeline),
         "--theme", "person", "--executor", "ray"], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    stages = manifest(root)["stages"]
    assert stages["toy_upper"]["shards_computed"] == len(dropped)
    assert stages["toy_upper"]["shards_reused"] == SHARDS - len(dropped)
    assert stages["toy_hits"]["shards_computed"] == 0
    assert _outputs(root) == expected
    assert len(_remote_done(s3_bucket, "toy_upper")) == SHARDS


def test_an_unreachable_bucket_stops_the_run_with_one_line(s3_bucket, lines, tmp_path, capsys):
    pipeline = _project(tmp_path / "p", lines, cache_url="s3://kg2i-no-such-bucket/cache")
    assert run(pipeline) == 2
    err = capsys.readouterr().err
    assert "s3://kg2i-no-such-bucket/cache/test/toy_lines" in err and "Traceback" not in err


@pytest.mark.parametrize("url, expected", [
    ("bucket/prefix", "expected a URL such as s3://bucket/prefix"),
    ("s3://", "expected a URL such as s3://bucket/prefix"),
    ("nosuchstore://bucket", "no usable fsspec filesystem for nosuchstore://"),
])
def test_a_bad_cache_url_is_one_config_error_line(lines, tmp_path, url, expected, capsys):
    pipeline = _project(tmp_path / "p", lines, cache_url=url)
    with pytest.raises(ConfigError) as error:
        plan_run(pipeline, "person")
    message = str(error.value)
    assert "\n" not in message and "cache_url" in message and expected in message
    assert run(pipeline) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
