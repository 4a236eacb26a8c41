"""Progress and per-stage summary lines of a real run, read the way a CI log sees them: stderr of
a `kg2i run` subprocess on a pipe (no tty), 80 columns."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.integration.dag.conftest import ENWIKI_SOURCES, PARAGRAPH_STAGES, REPO, enwiki_inputs
from tests.integration.dag.project import make_project

SUMMARY = re.compile(r"^\[done\] (?P<stage>\w+): in (?P<rows_in>[\d,]+|-) rows, "
                     r"out (?P<out>[\d,]+) rows, dropped (?P<dropped>[\d,]+), "
                     r"(?P<seconds>[\d.]+) s, (?P<rate>[\d,]+|-) rows/s, "
                     r"shards (?P<computed>\d+) computed / (?P<reused>\d+) reused$")
PROGRESS = re.compile(r"^(?P<stage>\w+): (?P<done>[\d,]+)/(?P<total>[\d,]+|\?) rows"
                      r"(?: \(\d+%\))?, (?P<shards>\d+)/(?P<shard_total>\d+|\?) shards, "
                      r"(?:[\d,]+|-) rows/s, elapsed \d+:\d\d:\d\d, ETA (?:\d+:\d\d:\d\d|-:--:--)$")


def _kg2i_run(pipeline: Path, *args: str) -> str:
    env = {**os.environ, "COLUMNS": "80", "KG2I_PROGRESS_SECONDS": "0",
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p)}
    env.pop("FORCE_COLOR", None)
    env.pop("KG2I_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline",
                           str(pipeline), "--theme", "person", *args], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def _manifest(root: Path) -> dict:
    return orjson.loads((root / "cache" / "test" / "manifests" / "person.json").read_bytes())


def _check(stderr: str, manifest: dict, streaming: bool = False) -> None:
    """`streaming`: the map stage runs while its input is still being read, so its total is
    unknown (`?`) until the reader finishes."""
    assert "\r" not in stderr and "\x1b" not in stderr     # no cursor or colour codes in a log
    lines = stderr.splitlines()
    summaries = {m["stage"]: m for m in map(SUMMARY.match, lines) if m}
    assert list(summaries) == list(manifest["stages"])      # one line per stage, in order
    for name, report in manifest["stages"].items():
        line, funnel = summaries[name], report["funnel"]
        expected_in = "-" if report["kind"] in ("source", "artifact") else \
            f"{funnel['records_in']:,}"
        assert line["rows_in"] == expected_in
        assert line["out"] == f"{funnel['kept']:,}"
        assert line["dropped"] == f"{sum(funnel['dropped'].values()):,}"
        assert int(line["computed"]) == report["shards_computed"]
        assert int(line["reused"]) == report["shards_reused"]
    # Progress lines come from the runner and from a ticker thread, so which one is last is not
    # fixed; in log order the counts never go back and never pass the total, and reach all rows.
    progress = [m for m in map(PROGRESS.match, lines) if m]
    for name in {m["stage"] for m in progress}:
        own = [m for m in progress if m["stage"] == name]
        done = [_int(m["done"]) for m in own]
        shards_done = [int(m["shards"]) for m in own]
        assert done == sorted(done) and shards_done == sorted(shards_done), name
        assert all(m["total"] == "?" or _int(m["done"]) <= _int(m["total"]) for m in own), name
        assert all(m["shard_total"] == "?" or int(m["shards"]) <= int(m["shard_total"])
                   for m in own), name
    # the map stage counts rows of its input, with a known total, up to all of them
    paragraphs = manifest["stages"]["read_wikipedia"]["funnel"]["kept"]
    shards = manifest["stages"]["toy_tokens"]["shards_total"]
    tokens = [m for m in progress if m["stage"] == "toy_tokens"]
    known = [m for m in tokens if m["total"] != "?"] if streaming else tokens
    assert known and all(m["total"] == f"{paragraphs:,}" for m in known)
    assert tokens[-len(known):] == known     # once known, the total stays known
    assert max(_int(m["done"]) for m in tokens) == paragraphs
    assert max(int(m["shards"]) for m in tokens) == shards
    # the source stage counts the rows it writes as its shards arrive, total unknown until the
    # stage finishes (a ticker line after that shows the total it wrote)
    source = [m for m in progress if m["stage"] == "read_wikipedia"]
    assert source and max(_int(m["done"]) for m in source) == paragraphs
    assert source[0]["total"] == "?" and all(m["total"] in ("?", f"{paragraphs:,}")
                                             for m in source)


def _int(count: str) -> int:
    return int(count.replace(",", ""))


@pytest.mark.parametrize("executor", [(), ("--workers", "2")], ids=["in-process", "pool"])
def test_summary_and_progress_lines_match_the_manifest(tmp_path: Path, sample_dir: Path,
                                                       executor: tuple[str, ...]) -> None:
    pipeline = make_project(tmp_path, PARAGRAPH_STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    stderr = _kg2i_run(pipeline, *executor)
    _check(stderr, _manifest(tmp_path))

    # a rerun reuses everything: summaries say so, no rate is claimed
    again = _kg2i_run(pipeline, *executor)
    summaries = [m for m in map(SUMMARY.match, again.splitlines()) if m]
    assert len(summaries) == 3
    assert all(m["computed"] == "0" and m["rate"] == "-" for m in summaries)


@pytest.mark.slow
def test_ray_worker_progress_reaches_the_driver(tmp_path: Path, sample_dir: Path) -> None:
    pipeline = make_project(tmp_path, PARAGRAPH_STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    stderr = _kg2i_run(pipeline, "--executor", "ray")
    manifest = _manifest(tmp_path)
    assert manifest["executor"] == "ray"
    _check("\n".join(line for line in stderr.splitlines()
                     if SUMMARY.match(line) or PROGRESS.match(line)), manifest, streaming=True)
