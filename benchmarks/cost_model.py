"""Cost model of the full run (all of enwiki and zhwiki against all of Wikidata), from measured
per-item costs.

Nothing here is timed anew: the per-paragraph CPU seconds of every stage come from the manifests
of a finished run of the bundled sample (`make pipeline THEME=<theme>` for every theme: each
manifest holds every stage's worker seconds, summed from the shard stats, reused shards included),
the NLI stage's rate from `benchmarks/results/nli.json`, the KG build's rate and the lookup growth
from `scale.json`, the executor's parallel efficiency from `scaling.json`. What is not measured
here is an assumption with its own option, written into the results beside the figures:
the size of the full inputs (words of enwiki, characters of zhwiki, bytes of the Wikidata dump),
the cluster, and a GPU's rate for the verifier (this machine has no GPU).

Why a model and not a run: the full run is about 8 million articles and a 100 GB dump; what the
sample can say is how each stage's cost scales per item, and where it stops scaling (the next
wall): the KG build runs on one node, and the annotation's KG lookups grow with the KG's size
(`scale.py`), so the model extrapolates that growth to the full KG instead of assuming it flat
(the added lookup time is split evenly between the two stages that do most of the lookups,
mention finding and linking).

Themes without a finished run are run first (`kg2i run`, reusing every stage already done).

Usage: python benchmarks/cost_model.py [--run-dir cache/sample] [--results benchmarks/results]
    [--out DIR] [--nodes 16 --cores-per-node 16 --gpus 4 ...]
Results: <out or results>/cost_model.json and cost_model.md.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg2instruction.atomic import atomic_write_text  # noqa: E402

# Stages that read the KG per paragraph: the lookup growth of `scale.py` applies to them.
LOOKUP_STAGES = ("identify_mentions", "link_entities")
SOURCE_STAGE = "read_wikipedia"
KG_STAGE = "build_kg"
NLI_STAGE = "score_nli"


@dataclass(frozen=True)
class Assumptions:
    """What this machine cannot measure: the size of the full inputs and the cluster."""

    enwiki_words: float = 4.5e9          # English Wikipedia's article text, words
    zhwiki_chars: float = 2.0e9          # Chinese Wikipedia's article text, characters
    wikidata_bz2_gb: float = 100.0       # latest-all.json.bz2
    wikidata_entities: float = 110e6
    nodes: int = 16
    cores_per_node: int = 16
    gpus: int = 4
    gpu_pairs_per_second: float = 3000.0  # MiniLM-L6 cross-encoder, one GPU, batch 128


class MissingRun(SystemExit):
    pass


def runs_on_newest_corpus(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Theme -> manifest of the complete runs over the same corpus as the newest one (a theme
    last run on an older corpus or older code of the source stage would mix two samples)."""
    complete = [m for m in (json.loads(p.read_text())
                            for p in sorted((run_dir / "manifests").glob("*.json")))
                if m.get("status") == "complete" and SOURCE_STAGE in m.get("stages", {})]
    if not complete:
        return {}
    newest = max(complete, key=lambda m: m["finished_at"])
    corpus = newest["stages"][SOURCE_STAGE]["fingerprint"]
    return {m["theme"]: m for m in complete if m["stages"][SOURCE_STAGE]["fingerprint"] == corpus}


def ensure_runs(pipeline: Path, run_dir: Path, themes: list[str]) -> None:
    """Run the sample pipeline for the themes without a complete run on the newest corpus
    (stages already done are reused, so this is cheap when `make pipeline` ran before)."""
    done = runs_on_newest_corpus(run_dir)
    for theme in themes:
        if theme not in done:
            subprocess.run([sys.executable, "-m", "kg2instruction.cli", "run", "--pipeline",
                            str(pipeline), "--theme", theme], check=True, cwd=REPO)


def load_manifests(run_dir: Path) -> dict[str, dict[str, Any]]:
    manifests = runs_on_newest_corpus(run_dir)
    if not manifests:
        raise MissingRun(f"{run_dir}/manifests: no complete run; run `make pipeline THEME=<theme>` "
                         "for the themes to model first")
    return manifests


def sample_text(run_dir: Path, manifest: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Paragraphs, words (en) and characters (zh) of the sample run, per language."""
    import pyarrow.parquet as pq

    out_dir = _stage_dir(run_dir, manifest, SOURCE_STAGE)
    counts: dict[str, dict[str, float]] = {}
    for shard in sorted(out_dir.glob("shard-*.parquet")):
        table = pq.read_table(shard, columns=["lang", "text"])
        for lang, text in zip(table["lang"].to_pylist(), table["text"].to_pylist()):
            c = counts.setdefault(lang, {"paragraphs": 0, "words": 0, "chars": 0})
            c["paragraphs"] += 1
            c["words"] += len(text.split())
            c["chars"] += len(text)
    return counts


def _stage_dir(run_dir: Path, manifest: Mapping[str, Any], stage: str) -> Path:
    output = Path(manifest["stages"][stage]["output"])
    if output.is_absolute():
        return output
    # manifests write outputs relative to the project (the run directory's grandparent)
    return (run_dir.parent.parent / output).resolve()


def stage_costs(run_dir: Path, manifests: Mapping[str, Mapping[str, Any]], paragraphs: int
                ) -> dict[str, dict[str, float]]:
    """CPU seconds and output bytes per sample paragraph, per stage. A theme-free stage has the
    same fingerprint in every theme's manifest and counts once; a theme stage counts per theme."""
    costs: dict[str, dict[str, float]] = {}
    seen: set[tuple[str, str]] = set()
    for manifest in manifests.values():
        for stage, report in manifest["stages"].items():
            if stage == KG_STAGE or (stage, report["fingerprint"]) in seen:
                continue
            seen.add((stage, report["fingerprint"]))
            entry = costs.setdefault(stage, {"cpu_seconds": 0.0, "bytes": 0.0, "rows_in": 0.0})
            entry["cpu_seconds"] += report["worker_seconds"]
            entry["rows_in"] += next(iter(report["rows_in"].values()), 0)
            directory = _stage_dir(run_dir, manifest, stage)
            entry["bytes"] += sum(p.stat().st_size for p in directory.glob("shard-*.parquet"))
    return {stage: {"cpu_seconds_per_paragraph": c["cpu_seconds"] / paragraphs,
                    "bytes_per_paragraph": c["bytes"] / paragraphs,
                    "rows_in": c["rows_in"]} for stage, c in costs.items()}


def lookup_growth(scale: Mapping[str, Any], kg_ratio: float) -> dict[str, float]:
    """Per-paragraph KG lookup time at the full KG, extrapolated from the measured sizes: the
    cost grows by the measured factor per tenfold KG (a power law through 1x and the largest).
    A measured fall (noise around a flat cost) is taken as flat: the model never assumes that a
    bigger KG makes lookups cheaper."""
    largest = str(scale["largest_size"])
    base = scale["sizes"]["1"]["lookups"]["cached_ms_per_paragraph"]
    top = scale["sizes"][largest]["lookups"]["cached_ms_per_paragraph"]
    exponent = max(0.0, math.log(top / base) / math.log(float(largest)))
    return {"ms_per_paragraph_1x": base, "largest_size": float(largest),
            "ms_per_paragraph_largest": top, "exponent": exponent, "kg_ratio": kg_ratio,
            "ms_per_paragraph_full": base * kg_ratio ** exponent}


def model(run_dir: Path, results: Path, a: Assumptions) -> dict[str, Any]:
    manifests = load_manifests(run_dir)
    text = sample_text(run_dir, next(iter(manifests.values())))
    paragraphs = int(sum(c["paragraphs"] for c in text.values()))
    en, zh = text.get("en"), text.get("zh")
    full_paragraphs = {"en": a.enwiki_words / (en["words"] / en["paragraphs"]) if en else 0.0,
                       "zh": a.zhwiki_chars / (zh["chars"] / zh["paragraphs"]) if zh else 0.0}
    total_paragraphs = sum(full_paragraphs.values())
    per = stage_costs(run_dir, manifests, paragraphs)

    nli = json.loads((results / "nli.json").read_text())["throughput"]
    scale = json.loads((results / "scale.json").read_text())
    scaling = json.loads((results / "scaling.json").read_text())
    efficiency = scaling["ray_speedup_2_vs_1"] / 2
    kg_ratio = a.wikidata_entities / scale["sizes"]["1"]["entities"]
    growth = lookup_growth(scale, kg_ratio)
    extra_lookup_s = (growth["ms_per_paragraph_full"] - growth["ms_per_paragraph_1x"]) / 1000

    # the verifier: triples scored per paragraph (all themes) at the measured stage rate (its
    # worker seconds on the sample are mostly model loading, once per shard)
    triples_per_paragraph = per.get(NLI_STAGE, {}).get("rows_in", 0) / paragraphs
    cpu_pairs_per_core_s = nli["stage_pairs_per_s"] / 2      # measured on this 2-CPU machine
    stages: dict[str, dict[str, float]] = {}
    for stage, c in per.items():
        if stage == NLI_STAGE:
            continue
        seconds = c["cpu_seconds_per_paragraph"]
        if stage in LOOKUP_STAGES:
            seconds += extra_lookup_s / len(LOOKUP_STAGES)
        stages[stage] = {"core_hours": seconds * total_paragraphs / 3600,
                         "storage_gb": c["bytes_per_paragraph"] * total_paragraphs / 1e9}
    pairs = triples_per_paragraph * total_paragraphs
    stages[NLI_STAGE] = {"core_hours": pairs / cpu_pairs_per_core_s / 3600,
                         "gpu_hours": pairs / a.gpu_pairs_per_second / 3600,
                         "storage_gb": per.get(NLI_STAGE, {}).get("bytes_per_paragraph", 0)
                         * total_paragraphs / 1e9}

    largest = str(scale["largest_size"])
    big = scale["sizes"][largest]
    build_s_per_mb = big["build_seconds"] / (big["dump_bytes"] / 1e6)   # 2 CPUs, one node
    kg_build_hours = build_s_per_mb * a.wikidata_bz2_gb * 1e3 / 3600
    store_per_dump_byte = big["store_bytes"] / big["dump_bytes"]

    cores = a.nodes * a.cores_per_node
    cpu_core_hours = sum(s["core_hours"] for n, s in stages.items() if n != NLI_STAGE)
    wall_cpu = cpu_core_hours / (cores * efficiency)
    wall_nli_cpu = stages[NLI_STAGE]["core_hours"] / (cores * efficiency)
    wall_nli_gpu = stages[NLI_STAGE]["gpu_hours"] / max(a.gpus, 1)
    return {
        "assumptions": asdict(a),
        "measured_from": {"run_dir": str(run_dir), "themes": sorted(manifests),
                          "sample_paragraphs": paragraphs, "sample_text": text,
                          "results": ["nli.json", "scale.json", "scaling.json"]},
        "full_paragraphs": full_paragraphs,
        "triples_scored_per_paragraph": triples_per_paragraph,
        "nli_cpu_pairs_per_core_second": cpu_pairs_per_core_s,
        "parallel_efficiency": efficiency,
        "lookup_growth": growth,
        "stages": stages,
        "kg_build": {"seconds_per_dump_mb_one_node": build_s_per_mb,
                     "hours_one_node": kg_build_hours,
                     "store_gb_upper_bound": store_per_dump_byte * a.wikidata_bz2_gb},
        "totals": {"cpu_core_hours": cpu_core_hours,
                   "nli_core_hours_cpu": stages[NLI_STAGE]["core_hours"],
                   "nli_gpu_hours": stages[NLI_STAGE]["gpu_hours"],
                   "wall_hours_kg_build": kg_build_hours,
                   "wall_hours_annotation": wall_cpu,
                   "wall_hours_nli_on_cpu": wall_nli_cpu,
                   "wall_hours_nli_on_gpus": wall_nli_gpu,
                   "wall_hours_with_gpus": kg_build_hours + wall_cpu + wall_nli_gpu,
                   "stage_storage_gb": sum(s["storage_gb"] for s in stages.values())},
    }


def markdown(r: Mapping[str, Any]) -> str:
    a, t, g = r["assumptions"], r["totals"], r["lookup_growth"]
    fp = r["full_paragraphs"]
    lines = [
        "# Cost model of the full run (`benchmarks/cost_model.py`)", "",
        f"Per-item costs measured on the bundled sample ({r['measured_from']['sample_paragraphs']:,} "
        f"paragraphs, themes: {', '.join(r['measured_from']['themes'])}) and in "
        "`nli.json`, `scale.json`, `scaling.json`; everything else is an assumption (options of the "
        "script):", "",
        f"- inputs: enwiki {a['enwiki_words']:.2g} words → {fp['en']:,.0f} paragraphs; zhwiki "
        f"{a['zhwiki_chars']:.2g} characters → {fp['zh']:,.0f} paragraphs (at the sample's "
        f"mean paragraph length); Wikidata {a['wikidata_bz2_gb']:.0f} GB bz2, "
        f"{a['wikidata_entities']:.3g} entities",
        f"- cluster: {a['nodes']} nodes × {a['cores_per_node']} cores, {a['gpus']} GPUs at an "
        f"assumed {a['gpu_pairs_per_second']:,.0f} verifier pairs/s each (no GPU here to measure); "
        f"parallel efficiency {r['parallel_efficiency']:.2f} (measured, 2 Ray workers vs 1)", "",
        "| stage | core-hours | output GB |", "|---|---:|---:|"]
    for stage, s in sorted(r["stages"].items(), key=lambda kv: -kv[1]["core_hours"]):
        lines.append(f"| {stage} | {s['core_hours']:,.0f} | {s['storage_gb']:,.1f} |")
    lines += [
        "", f"- **Wall time on the stated cluster: {t['wall_hours_with_gpus']:,.1f} h** = KG build "
        f"{t['wall_hours_kg_build']:,.1f} h (one node) + annotation {t['wall_hours_annotation']:,.1f} h + "
        f"verifier on the GPUs {t['wall_hours_nli_on_gpus']:,.1f} h (on the CPUs instead: "
        f"{t['wall_hours_nli_on_cpu']:,.1f} h; {r['triples_scored_per_paragraph']:.2f} triples "
        f"scored per paragraph at {r['nli_cpu_pairs_per_core_second']:.1f} pairs per core-second).",
        f"- Storage: stage outputs {t['stage_storage_gb']:,.0f} GB; KG store at most "
        f"{r['kg_build']['store_gb_upper_bound']:,.0f} GB (the sample's store/dump ratio; the full "
        "dump's labels in languages not configured are dropped, so less).",
        f"- Next wall: the KG build, {r['kg_build']['hours_one_node']:,.1f} h on one node at "
        f"{r['kg_build']['seconds_per_dump_mb_one_node']:.2f} s per compressed MB (it does not "
        "spread over the cluster), then the KG lookups of annotation: measured "
        f"{g['ms_per_paragraph_1x']:.0f} ms per paragraph at 1x and "
        f"{g['ms_per_paragraph_largest']:.0f} ms at {g['largest_size']:.0f}x, a power law of "
        f"exponent {g['exponent']:.2f}: "
        f"{g['ms_per_paragraph_full']:.0f} ms at the full KG ({g['kg_ratio']:.0f}x), which the "
        "annotation figures above include.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", type=Path, default=REPO / "pipelines/sample.yaml",
                        help="the sample pipeline, run first for every theme not yet run")
    parser.add_argument("--run-dir", type=Path, default=REPO / "cache/sample")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks/results",
                        help="where the measured results are read (and written, unless --out)")
    parser.add_argument("--out", type=Path, default=None)
    defaults = Assumptions()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    assumptions = Assumptions(**{n: getattr(args, n) for n in asdict(defaults)})
    from kg2instruction.config.theme import available_themes

    try:
        ensure_runs(args.pipeline, args.run_dir, available_themes(REPO / "themes"))
        result = model(args.run_dir, args.results, assumptions)
    except MissingRun as exc:
        print(f"cost_model: {exc}", file=sys.stderr)
        return 1
    out = args.out or args.results
    atomic_write_text(out / "cost_model.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(out / "cost_model.md", markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
