"""Chinese beside English: what the chain publishes from zhwiki text without hyperlinks.

Inputs (all in the repository): the bundled zhwiki lead extracts (`pipelines/sample/
zh-extracts.zip`, 1,481 articles named by QID, no links), the English extracts of 1,405 of the
same articles (`tests/fixtures/wikipedia/en-extracts-parallel.zip`) and the bundled KG. Both
sides run through the pipeline's own stages with `pipelines/sample.yaml` configs (every theme,
verifiers included; `benchmarks/gold/stage_chain.py`), then the dataset stages (sampling,
records, instructions) per theme, in-process.

Reported:
- per theme and language: paragraphs routed to it, mentions, linked mentions, candidate triples
  (matched), triples after the schema, kept by the verifier, records, instructions;
- the parallel pairs: per article, the facts (KG subject, P-id, KG object) each side publishes
  (after matching, after the schema, kept), and how many of the English side's the Chinese side
  finds too (target: >= 70% of the English facts); alias triples (no P-id) are left out;
- the Chinese verifier's AUC on held-out Chinese NLI (OCNLI dev), as `benchmarks/nli.py` measures
  it (read from its results: rerun that benchmark to rescore; target >= 0.85).

English extracts carry no title: an article is titled by its KG label (else its QID), as a run
on such a corpus would be given one. Writes benchmarks/results/chinese.{json,md}
(`--limit N`: the first N parallel QIDs, results under the cache directory).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.gold.stage_chain import ChainOutput, StageChain  # noqa: E402
from kg2instruction.config.pipeline import load_pipeline  # noqa: E402
from kg2instruction.core.context import StageContext  # noqa: E402
from kg2instruction.core.dag import build_dag  # noqa: E402
from kg2instruction.core.fingerprint import derived_seed  # noqa: E402
from kg2instruction.core.stage import ReduceStage  # noqa: E402
from kg2instruction.sources.extracts import read_extracts  # noqa: E402
from kg2instruction.sources.paragraphs import paragraphs_to_table  # noqa: E402
from kg2instruction.text.normalize import normalize_name  # noqa: E402

PIPELINE = REPO / "pipelines/sample.yaml"
ZH_EXTRACTS = REPO / "pipelines/sample/zh-extracts.zip"
EN_EXTRACTS = REPO / "tests/fixtures/wikipedia/en-extracts-parallel.zip"
KG_DUMP = REPO / "pipelines/sample/wikidata-mini.json.bz2"
NLI_RESULTS = REPO / "benchmarks/results/nli.json"
ZH_VERIFIER = "our Chinese verifier (Gemma-3-270M + LoRA)"
TARGET_OVERLAP = 0.70
TARGET_AUC = 0.85
STAGES = ("read_wikipedia", "identify_mentions", "link_entities", "match_relations",
          "apply_schema", "nli_filter")
REDUCE = ("sample_paragraphs", "build_records", "make_instructions")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N parallel QIDs (QID order) on both sides")
    parser.add_argument("--cache-dir", type=Path, default=REPO / "cache/benchmarks/chinese")
    return parser.parse_args(argv)


def ensure_kg(cache_dir: Path) -> Path:
    """The sample KG (en + zh names) built once into the benchmark cache."""
    from kg2instruction.kg.build import build_kg, store_key
    from kg2instruction.kg.build_config import BuildResources, KGBuildConfig
    from kg2instruction.stages.build_kg import STORE_FILE

    out = cache_dir / f"kg-en-zh-{store_key(KG_DUMP)[:16]}"
    if not (out / STORE_FILE).exists():
        out.mkdir(parents=True, exist_ok=True)
        build_kg(KG_DUMP, out / STORE_FILE, KGBuildConfig(languages=("en", "zh")),
                 BuildResources(progress=False, parse_workers=1, memory_limit="1GB"))
    return out


def en_titles(kg_dir: Path, qids: list[str]) -> dict[str, str]:
    from kg2instruction.kg.duckdb_kg import DuckDBKG
    from kg2instruction.stages.build_kg import STORE_FILE

    with DuckDBKG(kg_dir / STORE_FILE) as kg:
        return dict(kg.labels(qids, "en"))


def read_side(path: Path, lang: str, qids: set[str] | None, titles: dict[str, str] | None,
              chain: StageChain) -> pa.Table:
    config = chain.config("read_wikipedia").paragraphs   # type: ignore[attr-defined]
    rows = [row for page in read_extracts(path, lang, config, titles=titles) for row in page
            if qids is None or row["page_qid"] in qids]
    return paragraphs_to_table(rows)


def run_reduce(chain: StageChain, output: ChainOutput, seed: int) -> dict[str, dict[str, pa.Table]]:
    """The dataset stages per theme, each on the concatenation of its inputs (as a run does)."""
    dag = build_dag(load_pipeline(PIPELINE))
    result: dict[str, dict[str, pa.Table]] = {}
    for theme in sorted(chain.themes):
        tables: dict[str, pa.Table] = {}
        for name in REDUCE:
            node = dag[name]
            stage = node.cls(node.config)
            assert isinstance(stage, ReduceStage)
            ctx = StageContext(stage=name, shard_id="reduce", lang=None, languages=chain.languages,
                               seed=derived_seed(seed, name, "reduce"), theme=chain.themes[theme],
                               artifacts=chain.artifacts, base_dir=chain.base_dir)
            stage.setup(ctx)
            inputs = {}
            for required in node.cls.requires:
                if required in tables:
                    inputs[required] = tables[required]
                elif required in output.by_theme[theme]:
                    inputs[required] = output.theme_table(theme, required)
                else:
                    inputs[required] = output.table(required)
            tables[name] = stage.process(inputs, ctx)
        result[theme] = tables
    return result


def _column(table: pa.Table, name: str) -> list[Any]:
    return table.column(name).to_pylist() if table.num_rows and name in table.column_names else []


def per_theme_counts(output: ChainOutput, reduced: dict[str, dict[str, pa.Table]]
                     ) -> dict[str, dict[str, dict[str, int]]]:
    """theme -> lang -> funnel counts."""
    routed = output.table("route_themes")
    theme_of = dict(zip(_column(routed, "paragraph_id"), _column(routed, "theme")))
    paragraphs = output.table("read_wikipedia")
    lang_of = dict(zip(_column(paragraphs, "paragraph_id"), _column(paragraphs, "lang")))
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for pid, theme in theme_of.items():
        counts[theme or "(unrouted)"][lang_of[pid]]["paragraphs"] += 1
    mentions = output.table("identify_mentions")
    for pid in _column(mentions, "paragraph_id"):
        counts[theme_of.get(pid) or "(unrouted)"][lang_of[pid]]["mentions"] += 1
    linked = output.table("link_entities")
    for pid, qid in zip(_column(linked, "paragraph_id"), _column(linked, "qid")):
        if qid:
            counts[theme_of.get(pid) or "(unrouted)"][lang_of[pid]]["linked"] += 1
    matched = output.table("match_relations")
    for pid in _column(matched, "paragraph_id"):
        counts[theme_of.get(pid) or "(unrouted)"][lang_of[pid]]["matched"] += 1
    for theme in output.by_theme:
        for stage, name in (("apply_schema", "schema"), ("nli_filter", "kept")):
            for pid in _column(output.theme_table(theme, stage), "paragraph_id"):
                counts[theme][lang_of[pid]][name] += 1
    for theme, tables in reduced.items():
        for lang in _column(tables["build_records"], "lang"):
            counts[theme][_base(lang)]["records"] += 1
        instructions = tables["make_instructions"]
        for lang in _column(instructions, "lang"):
            counts[theme][_base(lang)]["instructions"] += 1
    return {theme: {lang: dict(c) for lang, c in sorted(by_lang.items())}
            for theme, by_lang in sorted(counts.items())}


def _base(lang: str | None) -> str:
    return "zh" if (lang or "").startswith("zh") else (lang or "?")


def facts(rows: list[dict[str, Any]], pages: set[str]) -> set[tuple[str, str, str, str]]:
    """(page QID, KG subject, P-id, KG object) of entity triples on the given pages."""
    found = set()
    for row in rows:
        page = row["paragraph_id"].split(":")[1]
        if page not in pages or not row["pid"] or not row["head_qid"] or not row["tail_qid"]:
            continue
        subject, obj = ((row["tail_qid"], row["head_qid"]) if row["direction"] == "reverse"
                        else (row["head_qid"], row["tail_qid"]))
        found.add((page, subject, row["pid"], obj))
    return found


def zh_page_text(paragraphs: pa.Table) -> dict[str, str]:
    """Each Chinese page's paragraphs joined, normalised as names are (simplified, case-folded)."""
    text: dict[str, list[str]] = defaultdict(list)
    for page, para in zip(paragraphs.column("page_id").to_pylist(),
                          paragraphs.column("text").to_pylist()):
        text[page].append(para)
    return {page: normalize_name("\n".join(parts), "zh") for page, parts in text.items()}


def zh_names(kg_dir: Path, qids: set[str]) -> dict[str, set[str]]:
    """Each entity's Chinese names in the KG (label and aliases, zh fallback chain, normalised):
    a Chinese text without hyperlinks can be linked to nothing else, short of a name written in
    Latin script."""
    from kg2instruction.kg.duckdb_kg import DuckDBKG
    from kg2instruction.stages.build_kg import STORE_FILE

    wanted = sorted(qids)
    names: dict[str, set[str]] = defaultdict(set)
    with DuckDBKG(kg_dir / STORE_FILE) as kg:
        for qid, label in kg.labels(wanted, "zh").items():
            names[qid].add(normalize_name(label, "zh"))
        for qid, aliases in kg.aliases(wanted, "zh").items():
            names[qid].update(normalize_name(a, "zh") for a in aliases)
    return names


def written_in(fact: tuple[str, str, str, str], text: str, names: dict[str, set[str]]) -> bool:
    """Whether the page's Chinese text names both ends of a fact (the page entity is its
    subject, named or not): only such a fact can be found without hyperlinks."""
    page = fact[0]
    return all(q == page or any(n and n in text for n in names.get(q, ())) for q in fact[1::2])


def parallel(output: ChainOutput, pairs: set[str], kg_dir: Path, zh_text: dict[str, str]
             ) -> dict[str, Any]:
    """The facts each side finds per level; beside the raw share, the English facts whose both
    ends the KG names in Chinese (the KG's ceiling) and those the Chinese text names too (the
    ceiling of what the two leads both say: a zh lead is often shorter and about other things)."""
    lang_rows: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for level, stage in (("matched", "match_relations"), ("schema", "apply_schema"),
                         ("kept", "nli_filter")):
        for row in output.rows(stage):
            lang_rows[level][row["paragraph_id"].split(":")[0]].append(row)
    by_level = {level: (facts(by_lang["en"], pairs), facts(by_lang["zh"], pairs))
                for level, by_lang in lang_rows.items()}
    # one KG lookup for every level: a later level's facts are a subset of the matched ones
    names = zh_names(kg_dir, {q for en, _ in by_level.values() for f in en for q in (f[1], f[3])})
    result: dict[str, Any] = {"articles": len(pairs), "levels": {}}
    for level, (en, zh) in by_level.items():
        both = en & zh
        nameable = {f for f in en if all(q == f[0] or names.get(q) for q in f[1::2])}
        written = {f for f in nameable if written_in(f, zh_text.get(f[0], ""), names)}
        result["levels"][level] = {
            "en_facts": len(en), "zh_facts": len(zh), "both": len(both),
            "zh_finds_of_en": _share(len(both), len(en)),
            "en_facts_zh_nameable": len(nameable),
            "zh_finds_of_nameable": _share(len(both & nameable), len(nameable)),
            "en_facts_written_in_zh": len(written),
            "zh_finds_of_written": _share(len(both & written), len(written)),
            "zh_volume_of_en": _share(len(zh), len(en)),
            "en_articles_with_facts": len({f[0] for f in en}),
            "zh_articles_with_facts": len({f[0] for f in zh}),
            "by_pid": _by_pid(en, zh)}
    return result


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _by_pid(en: set, zh: set) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for side, found in (("en", en), ("zh", zh)):
        for fact in found:
            table[fact[2]][side] += 1
    for fact in en & zh:
        table[fact[2]]["both"] += 1
    ordered = sorted(table.items(), key=lambda kv: (-kv[1]["en"], kv[0]))   # ties by P-id
    return {pid: dict(c) for pid, c in ordered}


def verifier_auc() -> dict[str, Any]:
    """As `benchmarks/nli.py` last measured it (rerun that benchmark to rescore)."""
    stored = json.loads(NLI_RESULTS.read_text("utf-8")).get("languages", {}).get("zh")
    if not stored:
        return {"auc": None, "note": "benchmarks/results/nli.json has no Chinese section"}
    report = stored["models"][ZH_VERIFIER]["overall"]
    return {"auc": report["auc"], "accuracy": report["accuracy"], "eval_set": stored["eval_set"],
            "pairs": stored["eval_pairs"], "target": TARGET_AUC, "from": "benchmarks/results/nli.json"}


def markdown(result: dict[str, Any]) -> str:
    lines = ["# Chinese beside English", "", "Written by `benchmarks/chinese.py`.", "",
             f"Inputs: {result['zh_articles']} zhwiki lead extracts (no hyperlinks) and the English "
             f"extracts of {result['parallel']['articles']} of the same articles; every theme, "
             f"`pipelines/sample.yaml` stage configs; {result['seconds']} s.", "",
             "## Per theme", "",
             "| theme | lang | paragraphs | mentions | linked | matched | schema | kept | records "
             "| instructions |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    keys = ("paragraphs", "mentions", "linked", "matched", "schema", "kept", "records",
            "instructions")
    for theme, by_lang in result["themes"].items():
        for lang in ("zh", "en"):
            c = by_lang.get(lang, {})
            lines.append(f"| {theme} | {lang} | " + " | ".join(str(c.get(k, 0)) for k in keys) + " |")
    with_zh = [t for t, b in result["themes"].items() if b.get("zh", {}).get("paragraphs")
               and t != "(unrouted)"]
    publishing = [t for t in with_zh if result["themes"][t]["zh"].get("kept")]
    lines += ["", f"Themes with Chinese paragraphs: {len(with_zh)}; publishing Chinese triples: "
              f"{len(publishing)} (missing: {', '.join(sorted(set(with_zh) - set(publishing))) or 'none'}).",
              "", "## Parallel articles: facts found on both sides", "",
              f"{result['parallel']['articles']} articles with an English and a Chinese extract; a "
              "fact is (page, KG subject, P-id, KG object); alias triples left out. Target: the "
              f"Chinese side finds >= {TARGET_OVERLAP:.0%} of the English side's facts.", "",
              "Two ceilings beside the raw share. *Nameable*: English facts both of whose "
              "entities the KG names in Chinese (label or alias; a Chinese text without hyperlinks "
              "can be linked to nothing else). *Written in zh*: of those, the facts whose both "
              "entities the Chinese article's text names too (the page entity counts as named): "
              "what the two leads both say. A Chinese lead is often shorter and about other "
              "things, so the share of these the Chinese side finds is what the method misses, "
              "the raw share what the method and the texts' differences miss together.", "",
              "| level | en facts | zh facts | both | zh finds of en | nameable in zh (zh finds) "
              "| written in zh (zh finds) | zh volume / en | articles with facts en / zh |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for level, r in result["parallel"]["levels"].items():
        lines.append(f"| {level} | {r['en_facts']} | {r['zh_facts']} | {r['both']} | "
                     f"{r['zh_finds_of_en']} | {r['en_facts_zh_nameable']} "
                     f"({r['zh_finds_of_nameable']}) | {r['en_facts_written_in_zh']} "
                     f"({r['zh_finds_of_written']}) | {r['zh_volume_of_en']} | "
                     f"{r['en_articles_with_facts']} / {r['zh_articles_with_facts']} |")
    kept = result["parallel"]["levels"].get("kept", {})
    lines += ["", "Kept facts by P-id (en / zh / both):", "",
              ", ".join(f"{pid} {c.get('en', 0)}/{c.get('zh', 0)}/{c.get('both', 0)}"
                        for pid, c in kept.get("by_pid", {}).items()) or "none", ""]
    v = result["verifier"]
    lines += ["## The Chinese verifier", "",
              f"AUC {v.get('auc')} on {v.get('eval_set', '?')} ({v.get('pairs', '?')} pairs; from "
              f"{v.get('from', '?')}); target >= {TARGET_AUC}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    kg_dir = ensure_kg(args.cache_dir)
    pipeline = load_pipeline(PIPELINE)
    themes = sorted(p.stem for p in (REPO / "themes").glob("*.yaml")
                    if p.stem not in ("entity_types", "theme_routing", "relation_senses"))
    chain = StageChain(PIPELINE, kg_dir, themes, until=("nli_filter",), languages=("en", "zh"))
    from kg2instruction.sources.extracts import iter_extracts
    en_qids = [e.qid for e in iter_extracts(EN_EXTRACTS)[0]]
    zh_qids = [e.qid for e in iter_extracts(ZH_EXTRACTS)[0]]
    pairs = sorted(set(en_qids) & set(zh_qids), key=lambda q: int(q[1:]))
    if args.limit:
        pairs = pairs[:args.limit]
    zh_wanted = set(pairs) if args.limit else None
    zh = read_side(ZH_EXTRACTS, "zh", zh_wanted, None, chain)
    en = read_side(EN_EXTRACTS, "en", set(pairs), en_titles(kg_dir, pairs), chain)
    print(f"paragraphs: zh {zh.num_rows}, en {en.num_rows}", flush=True)
    output = chain.run(pa.concat_tables([en, zh]), pages_per_batch=200)
    reduced = run_reduce(chain, output, pipeline.config.seed)
    result = {"zh_articles": len(set(zh.column("page_id").to_pylist())),
              "themes": per_theme_counts(output, reduced),
              "parallel": parallel(output, set(pairs), kg_dir, zh_page_text(zh)),
              "verifier": verifier_auc(),
              "seconds": round(time.perf_counter() - began, 1)}
    stem = (args.cache_dir / f"chinese-limit{args.limit}") if args.limit else \
        REPO / "benchmarks/results/chinese"
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
