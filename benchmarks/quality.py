"""Is what the chain publishes true? Precision and recall on human gold, beside a peer baseline.

Sections (each gold input a command-line option, defaults the fixtures under tests/fixtures/gold):
- knowledgenet: the pipeline's stages (configs from --pipeline) on every KnowledgeNet passage, with
  the bundled Wikidata subset plus the gold's QID-linked facts as KG; precision on annotated
  passage x property pairs and recall of QID-linked facts, per relation, after matching, before
  and after the verifier; with and without the page QID; the peer's rule on the same passages
  (annotator-linked mentions as hyperlinks); the verifier's removal rate (the paper's ~12%).
- peer_yield: ours beside the peer's rule where real hyperlinks exist (the sample's enwiki dump).
- wikifair: mention recall and linking accuracy (benchmarks/gold/wikifair.py).
- trex: T-REx dev recall after matching and schema, extra triples, drop reasons
  (benchmarks/trex_recall.py).
- verifier: the configured verifier's AUC on held-out human relation-verification pairs
  (KnowledgeNet fold 3, Re-DocRED part "odd"; kg2instruction/nli/verifier/gold_pairs.py).

Usage: .venv/bin/python benchmarks/quality.py [--only SECTION] [--limit N]
Writes benchmarks/results/quality.{json,md} (a --limit run writes under the cache directory).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for entry in (REPO, REPO / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from benchmarks.gold.quality_report import markdown  # noqa: E402
from benchmarks.gold.quality_sections import SECTIONS, SectionInputs  # noqa: E402
from kg2instruction.atomic import atomic_write_text  # noqa: E402

GOLD = REPO / "tests/fixtures/gold"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--knowledgenet", type=Path,
                        default=GOLD / "knowledgenet/folds1-3.jsonl.gz")
    parser.add_argument("--wikifair", type=Path,
                        default=GOLD / "wiki-fair/wiki-fair-v2-dev.benchmark.jsonl.gz")
    parser.add_argument("--redocred", type=Path, default=GOLD / "redocred/dev_revised.json.gz")
    parser.add_argument("--trex", type=Path,
                        default=REPO / "tests/fixtures/wikidata/trex-gold-dev.jsonl.gz")
    parser.add_argument("--kg-dump", type=Path,
                        default=REPO / "pipelines/sample/wikidata-mini.json.bz2")
    parser.add_argument("--enwiki", type=Path,
                        default=REPO / "pipelines/sample/enwiki-sample.xml.bz2",
                        help="a Wikipedia dump with hyperlinks for the peer's yield")
    parser.add_argument("--pipeline", type=Path, default=REPO / "pipelines/sample.yaml",
                        help="stage configs (the verifier, matching, linking settings)")
    parser.add_argument("--themes-dir", type=Path, default=REPO / "themes")
    parser.add_argument("--cache-dir", type=Path, default=REPO / "cache/bench/quality")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append",
                        help="run only this section (repeatable); others keep their last results")
    parser.add_argument("--limit", type=int, default=None,
                        help="smoke run: the first N documents / articles / sentences / pairs")
    parser.add_argument("--out", type=Path, default=None,
                        help="results stem (default benchmarks/results/quality; with --limit, "
                             "<cache-dir>/smoke/quality)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    out = args.out or (args.cache_dir / "smoke/quality" if args.limit
                       else REPO / "benchmarks/results/quality")
    inputs = SectionInputs(knowledgenet=args.knowledgenet, wikifair=args.wikifair,
                           redocred=args.redocred, trex=args.trex, kg_dump=args.kg_dump,
                           enwiki=args.enwiki, pipeline=args.pipeline,
                           themes_dir=args.themes_dir, cache_dir=args.cache_dir,
                           limit=args.limit)
    report: dict[str, Any] = {}
    previous = out.with_suffix(".json")
    if args.only and previous.exists():
        report = json.loads(previous.read_text())
    started = time.perf_counter()
    for name, section in SECTIONS.items():
        if args.only and name not in args.only:
            continue
        section_started = time.perf_counter()
        print(f"[quality] {name} ...", flush=True)
        report[name] = section(inputs)
        print(f"[quality] {name} done in {time.perf_counter() - section_started:.0f} s",
              flush=True)
    report["limit"] = args.limit
    report["last_run_seconds"] = round(time.perf_counter() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix(".json"), json.dumps(report, indent=2) + "\n")
    atomic_write_text(out.with_suffix(".md"), markdown(report))
    print(f"[quality] wrote {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
