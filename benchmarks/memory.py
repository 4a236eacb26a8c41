"""Memory under a long run: peak RSS of `kg2i run` on 1x and 4x the Wikipedia input.

The run goes through every model-free stage (read_wikipedia -> build_kg -> mentions -> linking ->
typing -> routing -> matching -> schema), in one process with the local executor, on real pages
of the bundled enwiki fragment: 1x = its first quarter of articles, 4x = all of them (real pages,
no duplicates), each with every redirect of the fragment. The KG (the bundled wikidata-mini) is
built once beforehand and shared, so the two runs differ only in how much text streams through.
Streaming stages work shard by shard (`pages_per_shard`), so the peak should not grow with the
input. Target: peak RSS(4x) / peak RSS(1x) < 1.2.

Usage: python benchmarks/memory.py [--results benchmarks/results]
Results: <results>/memory.json and <results>/memory.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg2instruction.atomic import atomic_write_text  # noqa: E402
from kg2instruction.sources.compressed import open_binary  # noqa: E402

TARGET_RATIO = 1.2
PIPELINE = """\
name: memory
base_dir: ..
seed: 13
languages: [en]
sources:
  wikipedia:
    - {{path: input/{wiki}, lang: en}}
  wikidata:
    path: input/wikidata-mini.json.bz2
stages:
  read_wikipedia: {{pages_per_shard: 10}}
  build_kg: {{store: {{languages: [en]}}, resources: {{memory_limit: 1GB}}}}
  identify_mentions: null
  link_entities: null
  type_entities: null
  route_themes: null
  match_relations: null
  apply_schema: null
"""


def write_articles(source: Path, out: Path, articles: int) -> int:
    """The fragment's siteinfo, all its redirects, and its first `articles` articles."""
    with open_binary(source) as fh:
        data = fh.read()
    first = data.index(b"<page>")
    pages = re.findall(rb"[ \t]*<page>.*?</page>\n?", data[first:], re.S)
    kept, n = [], 0
    for page in pages:
        if b"<redirect" in page:
            kept.append(page)
        elif n < articles:
            kept.append(page)
            n += 1
    out.write_bytes(data[:first].rstrip(b" \t") + b"".join(kept) + b"</mediawiki>\n")
    return n


def run_measured(project: Path, pipeline: str) -> dict:
    """`kg2i run` in a child process: wall time and the peak RSS of its process tree (sampled
    every 0.1 s, worker processes included)."""
    command = [sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline",
               f"pipelines/{pipeline}", "--theme", "person"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(command, cwd=project, stdout=log, stderr=subprocess.STDOUT,
                                 env=env)
        watched, tree_peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            try:
                tree_peak = max(tree_peak, sum(p.memory_info().rss for p in
                                               [watched, *watched.children(recursive=True)]))
            except psutil.Error:
                pass
            time.sleep(0.1)
        if child.returncode:
            log.seek(0)
            raise RuntimeError(f"run failed:\n{log.read().decode()[-3000:]}")
    manifest = json.loads((project / "cache" / "memory" / "manifests" / "person.json").read_text())
    stages = manifest["stages"]
    return {"seconds": round(time.perf_counter() - started, 1),
            "tree_peak_rss_mb": round(tree_peak / 2**20, 1),
            "paragraphs": stages["read_wikipedia"]["funnel"]["kept"],
            "mentions": stages["identify_mentions"]["funnel"]["kept"],
            "triples": stages["match_relations"]["funnel"]["kept"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--sample", type=Path, default=REPO / "pipelines" / "sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg2i-memory-") as tmp:
        project = Path(tmp)
        (project / "input").mkdir()
        (project / "pipelines").mkdir()
        shutil.copytree(REPO / "themes", project / "themes")
        shutil.copy(args.sample / "wikidata-mini.json.bz2", project / "input")
        total = write_articles(args.sample / "enwiki-sample.xml.bz2", project / "input" / "x4.xml",
                               10**9)
        quarter = write_articles(args.sample / "enwiki-sample.xml.bz2",
                                 project / "input" / "x1.xml", total // 4)
        for name in ("x1", "x4"):
            (project / "pipelines" / f"{name}.yaml").write_text(PIPELINE.format(wiki=f"{name}.xml"))
        warm = subprocess.run([sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline",
                               "pipelines/x1.yaml", "--theme", "person", "--until", "build_kg"],
                              cwd=project, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        if warm.returncode:
            raise RuntimeError(warm.stderr[-3000:])
        runs = {"1x": {"articles": quarter, **run_measured(project, "x1.yaml")},
                "4x": {"articles": total, **run_measured(project, "x4.yaml")}}
    ratio = runs["4x"]["tree_peak_rss_mb"] / runs["1x"]["tree_peak_rss_mb"]
    report = {"runs": runs, "peak_rss_ratio_4x_over_1x": round(ratio, 3),
              "target_ratio": TARGET_RATIO, "meets_target": ratio < TARGET_RATIO,
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "load_average_1m": round(os.getloadavg()[0], 2)}}
    args.results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.results / "memory.json", json.dumps(report, indent=2) + "\n")
    lines = ["# Memory under a long run (`benchmarks/memory.py`)", "",
             "`kg2i run` through every model-free stage (read_wikipedia -> ... -> apply_schema), "
             "local executor, KG built beforehand (shared). Peak RSS of the run's process tree.", "",
             "| input | articles | paragraphs | mentions | candidate triples | wall s | peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for name, run in runs.items():
        lines.append(f"| {name} | {run['articles']} | {run['paragraphs']} | {run['mentions']} | "
                     f"{run['triples']} | {run['seconds']} | {run['tree_peak_rss_mb']} |")
    lines += ["", f"Peak RSS 4x / 1x: **{ratio:.3f}** (target < {TARGET_RATIO}: "
              f"{'met' if ratio < TARGET_RATIO else 'NOT met'}). Load average during the run: "
              f"{report['machine']['load_average_1m']} on {os.cpu_count()} CPUs (shared machine).", ""]
    atomic_write_text(args.results / "memory.md", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
