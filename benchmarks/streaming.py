"""Streaming against the barrier on Ray: the whole sample pipeline, wall time and outputs, one run.

Runs `kg2i run` on the bundled sample from an empty cache each time (a temporary `--cache-dir`):
the local executor (the reference, once), then Ray with a barrier between stages and Ray
streaming (shards go to the next stage as soon as they are done), `--rounds` times each, the order
alternating between rounds so background load on a shared machine hits both alike. Each run is a
fresh process, so Ray start-up and model loading are inside the wall time, as for a user. Reports
every run's wall time, the best run's per-stage time from the stage's start to its completion
(under streaming a stage's span overlaps its upstream's), and whether the Parquet outputs are
byte-identical across modes (the files that differ are named). The load average before and after
is recorded. Results: benchmarks/results/streaming.json and .md.

    .venv/bin/python benchmarks/streaming.py [--theme person] [--rounds 2]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
PIPELINE = REPO / "pipelines" / "sample.yaml"
MODES = {"local": ["--executor", "local"], "barrier": ["--executor", "ray", "--barrier"],
         "streaming": ["--executor", "ray", "--streaming"]}


def run_mode(mode: str, theme: str, cache: Path) -> dict:
    env = {**os.environ, "KG2I_PROGRESS_SECONDS": "600"}
    env.pop("KG2I_CACHE_DIR", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline",
                           str(PIPELINE), "--theme", theme, "--cache-dir", str(cache),
                           *MODES[mode]], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    manifest = orjson.loads((cache / "sample" / "manifests" / f"{theme}.json").read_bytes())
    return {"wall_seconds": round(wall, 1), "manifest_wall_seconds": manifest["wall_seconds"],
            "stages": {name: {"wall_seconds": s["wall_seconds"],
                              "worker_seconds": s["worker_seconds"],
                              "shards": s["shards_total"]}
                       for name, s in manifest["stages"].items()}}


def digests(cache: Path) -> dict[str, str]:
    root = cache / "sample"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.glob("*/*/shard-*.parquet"))}


def compare(a: dict[str, str], b: dict[str, str]) -> dict:
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    return {"files": len(a), "identical": not differ, "differ": differ}


def render(result: dict) -> str:
    runs = result["runs"]
    walls = result["walls"]
    lines = ["# Streaming against the barrier on Ray (`benchmarks/streaming.py`)", "",
             f"Bundled sample, theme `{result['theme']}`, each run from an empty cache in a fresh "
             f"process (Ray start-up and model loading included). {result['cpus']} CPUs, shared: "
             f"load average {result['load_before']} before, {result['load_after']} after.", "",
             "| run | wall per run, in run order (s) | best (s) |", "|---|---|---|"]
    lines += [f"| {mode} | {', '.join(f'{w:,.1f}' for w in walls[mode])} | {min(walls[mode]):,.1f} |"
              for mode in runs]
    if "barrier" in runs and "streaming" in runs:
        ratio = min(walls["streaming"]) / min(walls["barrier"])
        lines += ["", f"Best streaming wall time / best barrier wall time: {ratio:.2f}."]
    lines += ["", "Per stage (best run), seconds from the stage's start to its completion "
              "(streaming: the span overlaps the upstream's):", "",
              "| stage | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]
    for stage in next(iter(runs.values()))["stages"]:
        lines.append(f"| {stage} | " + " | ".join(
            f"{run['stages'][stage]['wall_seconds']:,.1f}" for run in runs.values()) + " |")
    lines += ["", "Outputs (every Parquet shard, byte for byte):", ""]
    for pair, cmp in result["comparisons"].items():
        verdict = "identical" if cmp["identical"] else \
            f"{len(cmp['differ'])} differ: {', '.join(cmp['differ'][:6])}"
        lines.append(f"- {pair}: {cmp['files']} files, {verdict}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", default="person")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    runs: dict[str, dict] = {}
    walls: dict[str, list[float]] = {}
    sums: dict[str, dict[str, str]] = {}
    order = [("local", 0)] + [(mode, r) for r in range(args.rounds)
                              for mode in (("barrier", "streaming") if r % 2 == 0
                                           else ("streaming", "barrier"))]
    with tempfile.TemporaryDirectory(prefix="kg2i-streaming-") as tmp:
        for mode, r in order:
            cache = Path(tmp) / f"{mode}-{r}"
            run = run_mode(mode, args.theme, cache)
            walls.setdefault(mode, []).append(run["wall_seconds"])
            if mode not in runs or run["wall_seconds"] < runs[mode]["wall_seconds"]:
                runs[mode] = run
            sums.setdefault(mode, digests(cache))
            shutil.rmtree(cache)
            print(f"{mode}: {run['wall_seconds']} s", file=sys.stderr)
    runs = {mode: runs[mode] for mode in MODES}
    modes = list(runs)
    comparisons = {f"{a} vs {b}": compare(sums[a], sums[b])
                   for i, a in enumerate(modes) for b in modes[i + 1:]}
    result = {"theme": args.theme, "cpus": os.cpu_count(), "machine": platform.machine(),
              "load_before": load_before,
              "load_after": [round(x, 2) for x in os.getloadavg()],
              "walls": walls, "runs": runs, "comparisons": comparisons}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "streaming.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    (RESULTS / "streaming.md").write_text(render(result), encoding="utf-8")
    print(render(result))


if __name__ == "__main__":
    main()
