"""Render the README's measured figures from `benchmarks/results/*.json`, so no number in them is
typed by hand.

The README holds blocks between `<!-- results:NAME -->` and `<!-- /results:NAME -->`; this tool
rewrites each block from the results files (`--write`), or reports which blocks differ from what
the files say (`--check`, exit 1). `make bench` and `make eval` end with `--write`; a test runs the
check, so a README figure can only change by re-running what measures it.

A row whose results file is missing renders as "not measured" rather than failing: a fresh clone
carries every committed results file, and a half-run `make bench` must still leave a README that
says what it does not know.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RESULTS = Path("benchmarks/results")
NOT_MEASURED = "not measured"


class Missing(LookupError):
    """A results file or a key in it is absent."""


def dig(data: Any, path: str) -> Any:
    """`data["a"]["b"]` for path "a/b"; raise Missing naming the path when absent."""
    for key in path.split("/"):
        if not isinstance(data, Mapping) or key not in data or data[key] is None:
            raise Missing(path)
        data = data[key]
    return data


def num(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def interval(p: Mapping[str, float]) -> str:
    return f"{num(p['value'])} [{num(p['low'])}–{num(p['high'])}]"


@dataclass(frozen=True)
class Row:
    """One table row: where the figure comes from and how it is written."""

    source: str                       # the command or script that measures it
    measure: str
    results: str                      # results file stem under benchmarks/results
    render: Callable[[dict[str, Any]], str]
    target: str = "—"


def _kn(stage: str) -> Callable[[dict[str, Any]], str]:
    def render(q: dict[str, Any]) -> str:
        ours = dig(q, f"knowledgenet/chain/document/{stage}/overall")
        peer = dig(q, "knowledgenet/peer/overall")
        return (f"{num(ours['precision'])} / {num(ours['recall'])}; "
                f"peer {num(peer['precision'])} / {num(peer['recall'])}")
    return render


def _wikifair(q: dict[str, Any]) -> str:
    link, other = dig(q, "wikifair/hyperlink"), dig(q, "wikifair/other")
    return (f"{num(link['accuracy_of_linked'])} / {num(other['accuracy_of_linked'])} "
            f"({num(link['linking_accuracy'])} / {num(other['linking_accuracy'])} with unlinked "
            "found mentions as errors)")


def _trex(q: dict[str, Any]) -> str:
    extra = dig(q, "trex/extra_triples_per_sentence")
    return (f"{num(dig(q, 'trex/eligible/overall/recall_matched'), 3)}; "
            f"{num(dig(q, 'trex/eligible_theme_covered/overall/recall_schema'), 3)} "
            f"(extra triples per sentence {num(extra['after_matching'])} / "
            f"{num(extra['after_schema'], 3)})")


def _verifier_gold(q: dict[str, Any]) -> str:
    return (f"{num(dig(q, 'verifier/by_source/knowledgenet/overall/auc'))} / "
            f"{num(dig(q, 'verifier/by_source/redocred/overall/auc'))}")


def _audit(a: dict[str, Any]) -> str:
    overall = dig(a, "overall")
    judged = dig(overall, "kept/judged") + dig(overall, "rejected/judged")
    return f"{interval(dig(overall, 'precision_kept'))} ({judged} judged)"


def _audit_before(a: dict[str, Any]) -> str:
    return interval(dig(a, "overall/precision_before_verifier"))


def _audit_verifier(a: dict[str, Any]) -> str:
    o = dig(a, "overall")
    return (f"AUC {num(dig(o, 'auc'))}, keeps {num(dig(o, 'verifier_keeps_correct'))} of correct, "
            f"removes {num(dig(o, 'verifier_removes_wrong'))} of wrong")


def _nli_en(n: dict[str, Any]) -> str:
    models = dig(n, "models")
    ours = next(v for k, v in models.items() if k.startswith("our verifier"))
    rest = ", ".join(f"{k.split(' (')[0]} {num(dig(v, 'overall/auc'), 3)}"
                     for k, v in models.items() if not k.startswith("our verifier"))
    return f"{num(dig(ours, 'overall/auc'), 3)} ({rest})"


def _nli_zh(n: dict[str, Any]) -> str:
    models = dig(n, "languages/zh/models")
    ours = next(v for k, v in models.items() if k.startswith("our Chinese"))
    return f"{num(dig(ours, 'overall/auc'), 3)}"


def _reliability(r: dict[str, Any]) -> str:
    failed = len(dig(r, "failed")) if "failed" in r else 0
    return (f"{dig(r, 'bad_inputs_total')} inputs, {dig(r, 'outcomes/passed')} tests, "
            f"{'all handled' if not failed else f'{failed} failed'}")


def _train(t: dict[str, Any]) -> str:
    base, tuned = dig(t, "scores/base/all facts"), dig(t, "scores/tuned/all facts")
    return (f"F1 {num(tuned['f1'])} tuned vs {num(base['f1'])} base "
            f"({dig(t, 'test_instructions')} test instructions; training "
            f"{num(dig(t, 'training/cpu_seconds') / 60, 1)} CPU minutes, loss "
            f"{num(dig(t, 'adapter/metrics/loss_first'))} -> "
            f"{num(dig(t, 'adapter/metrics/loss_last'))})")


def _dpo(d: dict[str, Any]) -> str:
    f1 = {(r["model"], r["shots"]): r["all"]["f1"] for r in dig(d, "comparison/rows")}
    models = [("base", "base"), ("sft", "SFT"), ("dpo", "DPO")]
    cells = "; ".join(f"{label} {' / '.join(num(f1[(m, k)]) for k in (0, 3))}"
                      for m, label in models)
    return (f"F1 k=0 / k=3: {cells} ({dig(d, 'pairs/total')} pairs from "
            f"{dig(d, 'samples/instances')} sampled instructions; DPO "
            f"{num(dig(d, 'timing/dpo_training/cpu_seconds') / 60, 1)} CPU minutes)")


def _scale(d: dict[str, Any]) -> str:
    return (f"{num(dig(d, 'lookup_ratio_largest_to_1x'))}x at {dig(d, 'largest_size')}x; "
            f"build {num(dig(d, 'max_ratio_build_to_bzip2_dc'))}x")


def _cost(c: dict[str, Any]) -> str:
    a = dig(c, "assumptions")
    return (f"{num(dig(c, 'totals/wall_hours_with_gpus'), 0)} h on {a['nodes']} nodes × "
            f"{a['cores_per_node']} cores + {a['gpus']} GPUs (KG build "
            f"{num(dig(c, 'totals/wall_hours_kg_build'), 0)} h on one node), stage outputs "
            f"{num(dig(c, 'totals/stage_storage_gb'), 0)} GB")


def _incremental_wikipedia(d: dict[str, Any]) -> str:
    pages = dig(d, "pages")
    return (f"{dig(d, 'paragraphs_recomputed'):,} of {dig(d, 'paragraphs'):,} paragraphs "
            f"recomputed ({pages['revised']} pages revised, {pages['added']} added, "
            f"{pages['removed']} removed); wall time "
            f"{num(dig(d, 'ratio_incremental_to_clean'))}x a clean run (map stages "
            f"{num(dig(d, 'ratio_map_stages_incremental_to_clean'))}x); dataset "
            f"{'identical to' if dig(d, 'dataset_equal_to_clean_run') else 'DIFFERS from'} "
            "the clean run's")


def _streaming(d: dict[str, Any]) -> str:
    walls = dig(d, "walls")
    ratio = min(walls["streaming"]) / min(walls["barrier"])
    pairs = dig(d, "comparisons")
    same = all(c["identical"] for c in pairs.values())
    files = next(iter(pairs.values()))["files"]
    return (f"{num(ratio)}x; local, barrier and streaming outputs "
            + (f"identical ({files} shards)" if same else "DIFFER"))


def _zh_themes(c: dict[str, Any]) -> str:
    themes = {name: sides for name, sides in dig(c, "themes").items() if not name.startswith("(")}
    with_text = [n for n, sides in themes.items() if sides.get("zh", {}).get("paragraphs")]
    publishing = [n for n in with_text if themes[n]["zh"].get("kept")]
    missing = sorted(set(with_text) - set(publishing))
    return (f"{len(publishing)} of {len(with_text)}"
            + (f" (none yet: {', '.join(missing)})" if missing else ""))


def _zh_overlap(c: dict[str, Any]) -> str:
    levels = dig(c, "parallel/levels")

    def per_level(share: str) -> str:
        return ", ".join(f"{level} {num(dig(levels, f'{level}/{share}'))}"
                         for level in ("matched", "kept"))
    return (f"{per_level('zh_finds_of_en')}; of the facts whose entities the Chinese text also "
            f"names ({dig(levels, 'matched/en_facts_written_in_zh')} at matching): "
            f"{per_level('zh_finds_of_written')}")


AUDITS = "hand audit (`benchmarks/audits/`)"
BENCHMARKS: tuple[Row, ...] = (
    Row("`ingest.py`", "Wikidata ingest time / `bzip2 -dc` of the same file", "ingest",
        lambda d: f"{num(dig(d, 'throughput/ratio_ingest_to_bzip2_dc'))}x", "≤ 3x"),
    Row("`ingest.py`", "peak RSS, 4x input / 1x input", "ingest",
        lambda d: num(dig(d, "memory/ratio_rss_nx_to_1x")), "< 1.2"),
    Row("`scale.py`", "KG grown to the largest size measured: annotation lookups per paragraph "
        "vs 1x; KG build / `bzip2 -dc`, worst size", "scale", _scale, "≤ 1.3x; ≤ 3x"),
    Row("`cost_model.py`", "full enwiki + zhwiki + Wikidata, from the measured per-item costs "
        "(assumptions in `benchmarks/results/cost_model.md`)", "cost_model", _cost),
    Row("`incremental_wikipedia.py`", "new Wikipedia dump of the English sample with a few pages "
        "changed: paragraphs the refresh recomputes; its wall time / a clean run's (same KG)",
        "incremental_wikipedia", _incremental_wikipedia, "changed pages only; identical output"),
    Row("`streaming.py`", "whole sample on Ray, streaming wall time / barrier wall time; output "
        "bytes of local, Ray barrier and Ray streaming runs", "streaming", _streaming,
        "identical output"),
    Row("`scaling.py`", "same CPU-bound stage, 2 Ray workers vs 1", "scaling",
        lambda d: f"{num(dig(d, 'ray_speedup_2_vs_1'))}x", "≥ 1.7x"),
    Row("`scaling.py`", "framework overhead per shard vs calling the stage directly", "scaling",
        lambda d: f"{num(100 * dig(d, 'framework_overhead_wall_ratio'), 1)}%", "< 5%"),
    Row("`memory.py`", "peak RSS of a long run, 4x / 1x input", "memory",
        lambda d: num(dig(d, "peak_rss_ratio_4x_over_1x")), "< 1.2"),
    Row("`annotate.py`", "annotation (all but NER) cost / NER cost, T-REx sentences", "annotate",
        lambda d: num(dig(d, "annotation_over_ner")), "≤ 0.30"),
    Row("`cli_startup.py`", "`kg2i --help` wall time (ratio to `python -c pass`)", "cli_startup",
        lambda d: (f"{num(dig(d, 'seconds/kg2i --help'))} s "
                   f"({num(dig(d, 'ratio_to_python/kg2i --help'), 1)}x)"), "< 0.5 s"),
    Row("`quality.py`", "T-REx gold recall after matching; after the schema step, "
        "theme-covered facts", "quality", _trex, "≥ 0.85, extra falling"),
    Row("`quality.py`", "KnowledgeNet (human gold): published precision / recall of QID-linked "
        "facts, after the verifier; peer rule beside", "quality", _kn("after_verifier"),
        "≥ 0.90 / ≥ 0.70"),
    Row("`quality.py`", "same, before the verifier", "quality", _kn("before_verifier")),
    Row("`quality.py`", "Wiki-Fair dev linking accuracy of linked mentions, hyperlinks / others",
        "quality", _wikifair, "≥ 0.98 / ≥ 0.90"),
    Row("`quality.py`", "bundled verifier AUC on held-out human pairs, KnowledgeNet / Re-DocRED",
        "quality", _verifier_gold, "≥ 0.85"),
    Row(AUDITS, "hand audit of the sample's output, kept triples correct", "audit", _audit,
        "≥ 0.90"),
    Row(AUDITS, "same, before the verifier", "audit", _audit_before),
    Row(AUDITS, "the verifier on the audited triples", "audit", _audit_verifier),
    Row("hand audit (`benchmarks/audits/heldout/`)", "output on held-out articles (English lead "
        "extracts, `pipelines/heldout_en_extracts.yaml`), kept triples correct, every theme",
        "audit-heldout", _audit, "≥ 0.90"),
    Row("hand audit (`benchmarks/audits/heldout/`)", "same articles without the grammatical-link "
        "rules (`syntax:` blocks removed)", "audit-heldout-without-syntax", _audit),
    Row("hand audit (`benchmarks/audits/zh-*`)",
        "Chinese kept triples correct (every theme with Chinese output in the sample)",
        "audit-zh", _audit, "≥ 0.80"),
    Row("`chinese.py`", "themes with Chinese paragraphs in the sample that publish Chinese triples",
        "chinese", _zh_themes, "all"),
    Row("`chinese.py`", "parallel en/zh articles: share of the English side's facts the Chinese "
        "side finds", "chinese", _zh_overlap, "≥ 0.70"),
    Row("`train.py`", "tuned vs base model on the sample's test split, strict scoring", "train",
        _train, "tuned > base"),
    Row("`dpo.py`", "base / SFT / DPO (preference pairs from ground truth) on the sample's "
        "test split, strict scoring, all facts, without and with 3 demonstrations", "dpo", _dpo,
        "DPO ≥ SFT"),
    Row("`nli.py`", "offline English verifier, AUC on held-out T-REx relation pairs", "nli",
        _nli_en, "≥ 0.90"),
    Row("`nli.py`", "offline Chinese verifier, AUC on held-out OCNLI dev", "nli", _nli_zh,
        "≥ 0.85"),
    Row("`nli.py`", "NLI stage throughput / raw model forward", "nli",
        lambda d: num(dig(d, "throughput/ratio")), "≥ 0.80"),
    Row("`reliability.py`", "bad inputs and faults tried / handled", "reliability",
        _reliability, "all"),
)

TABLES: dict[str, tuple[Row, ...]] = {"benchmarks": BENCHMARKS}


def load(results_dir: Path, stem: str) -> dict[str, Any]:
    path = results_dir / f"{stem}.json"
    if not path.is_file():
        raise Missing(str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def render_table(rows: tuple[Row, ...], results_dir: Path) -> str:
    lines = ["| measured by | measure | result | target |", "|---|---|---|---|"]
    for row in rows:
        try:
            value = row.render(load(results_dir, row.results))
        except (Missing, KeyError, StopIteration, TypeError):
            value = NOT_MEASURED
        lines.append(f"| {row.source} | {row.measure} | {value} | {row.target} |")
    sources = sorted({f"`benchmarks/results/{row.results}.json`" for row in rows})
    lines += ["", f"Generated by `benchmarks/tools/readme_results.py` from {', '.join(sources)}."]
    return "\n".join(lines)


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- results:{name} -->)(.*?)(<!-- /results:{name} -->)", re.S)


def rewrite(readme: str, results_dir: Path) -> str:
    """The README text with every known block re-rendered."""
    for name, rows in TABLES.items():
        pattern = _block(name)
        if not pattern.search(readme):
            raise Missing(f"README block <!-- results:{name} -->")
        table = render_table(rows, results_dir)
        readme = pattern.sub(lambda m: m.group(1) + "\n" + table + "\n" + m.group(3), readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--results", type=Path, default=REPO / RESULTS)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the README's results blocks")
    mode.add_argument("--check", action="store_true", help="exit 1 when a block is out of date")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    try:
        fresh = rewrite(current, args.results)
    except Missing as exc:
        print(f"readme_results: {args.readme}: missing {exc}", file=sys.stderr)
        return 2
    if args.check:
        if fresh != current:
            print(f"readme_results: {args.readme} is out of date with {args.results}; run "
                  "`python benchmarks/tools/readme_results.py --write`", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        args.readme.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
