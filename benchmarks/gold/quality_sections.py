"""The sections of benchmarks/quality.py, each a function of the command-line inputs -> a dict.

Sections reuse other benchmarks' public functions rather than copies: Wiki-Fair linking
(`benchmarks/gold/wikifair.py`), T-REx recall (`benchmarks/trex_recall.py`), the gold relation
pairs (`kg2instruction/nli/verifier/gold_pairs.py`). Where one of those is missing the section
says so in its result instead of failing the whole benchmark.
"""
from __future__ import annotations

import gzip
import importlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.gold.cached_ner import cached_specs
from benchmarks.gold.knowledgenet_bench import Inputs, evaluate_knowledgenet
from benchmarks.gold.knowledgenet_kg import ensure_base_kg
from benchmarks.gold.peer_baseline import Hyperlink, peer_triples
from benchmarks.gold.stage_chain import StageChain
from kg2instruction.config.theme import available_themes, load_theme
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.nli.label_choice import label_key
from kg2instruction.stages.build_kg import STORE_FILE
from kg2instruction.text.sentences import sentence_spans

HELD_OUT_KN_FOLDS = {3}          # the verifier trains on folds 1-2 and Re-DocRED's even part
HELD_OUT_REDOCRED_PART = "odd"
ALL_STAGES = ("nli_filter", "nli_rejected")


@dataclass(frozen=True)
class SectionInputs:
    knowledgenet: Path
    wikifair: Path
    redocred: Path
    trex: Path
    kg_dump: Path
    enwiki: Path
    pipeline: Path
    themes_dir: Path
    cache_dir: Path
    limit: int | None = None


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def knowledgenet_section(inputs: SectionInputs) -> dict[str, Any]:
    return evaluate_knowledgenet(Inputs(inputs.knowledgenet, inputs.kg_dump, inputs.pipeline,
                                        inputs.themes_dir, inputs.cache_dir, inputs.limit))


def _theme_pids(themes_dir: Path) -> set[str]:
    """Every P-id some theme labels (what our chain can publish at all)."""
    pids: set[str] = set()
    for name in available_themes(themes_dir):
        for relation in load_theme(name, themes_dir).relations:
            pids.update(relation.all_pids())
    return pids


def _cached_chain(inputs: SectionInputs, kg_dir: Path, themes: list[str]) -> StageChain:
    chain = StageChain(inputs.pipeline, kg_dir, themes, until=ALL_STAGES)
    configured = chain.config("identify_mentions").ner   # type: ignore[attr-defined]
    chain.update_config("identify_mentions", {"ner": cached_specs(dict(configured),
                                                                  inputs.cache_dir)})
    return chain


def _yields(chain: StageChain, paragraphs: pa.Table, kg_dir: Path, theme_pids: set[str]
            ) -> dict[str, Any]:
    """Ours and the peer's triples per sentence on one text, the peer reading its hyperlinks
    resolved as the chain resolves them (sitelinks, else the title by name) and the page
    entity the chain routed by."""
    output = chain.run(paragraphs)
    rows = output.table("read_wikipedia").to_pylist()
    routed = {r["paragraph_id"]: r["page_qid"] for r in output.rows("route_themes")}
    links: dict[str, list[Hyperlink]] = {}
    for m in output.rows("type_entities"):
        if m["source"] == "link" and m["qid"]:
            links.setdefault(m["paragraph_id"], []).append(Hyperlink(m["start"], m["end"],
                                                                     m["qid"]))
    with DuckDBKG(kg_dir / STORE_FILE) as kg:
        peer = peer_triples([{**r, "page_qid": r["page_qid"] or routed.get(r["paragraph_id"])}
                             for r in rows], links, kg)
    sentences = sum(len(sentence_spans(r["text"], r["lang"])) for r in rows)
    peer_theme = [t for t in peer if t["pid"] in theme_pids]
    # per labelled fact: a fact read from several sentences or P-ids has one published reading
    scored = list({label_key(r): r for r in output.rows("score_nli")}.values())
    kept = output.rows("nli_filter")
    return {
        "pages": len({r["page_id"] for r in rows}), "paragraphs": len(rows),
        "sentences": sentences,
        "hyperlinks": sum(len(r["links"] or ()) for r in rows),
        "hyperlinks_resolved": sum(len(v) for v in links.values()),
        "ours": {"before_verifier": len(scored), "published": len(kept),
                 "per_sentence": _ratio(len(kept), sentences),
                 "before_verifier_per_sentence": _ratio(len(scored), sentences),
                 "verifier_removed_share": _ratio(len(scored) - len(kept), len(scored)),
                 "by_rule": dict(Counter(t.get("rule") for t in kept).most_common())},
        "peer": {"aligned": len(peer), "per_sentence": _ratio(len(peer), sentences),
                 "theme_pids": len(peer_theme),
                 "theme_pids_per_sentence": _ratio(len(peer_theme), sentences),
                 "by_rule": dict(Counter(t["rule"] for t in peer))},
    }


def _first_pages(paragraphs: pa.Table, limit: int | None) -> pa.Table:
    if not limit:
        return paragraphs
    pages = list(dict.fromkeys(paragraphs.column("page_id").to_pylist()))[:limit]
    return paragraphs.filter(pc.is_in(paragraphs["page_id"], value_set=pa.array(pages)))


def peer_yield_section(inputs: SectionInputs) -> dict[str, Any]:
    """Ours beside the peer's rule where real hyperlinks exist: the sample's enwiki dump (read
    by the pipeline's reader) and the Wiki-Fair articles (paragraphs as wikifair.py cuts them)."""
    from kg2instruction.schemas import PARAGRAPHS

    started = time.perf_counter()
    kg_dir = ensure_base_kg(inputs.kg_dump, inputs.cache_dir)
    chain = _cached_chain(inputs, kg_dir, available_themes(inputs.themes_dir))
    theme_pids = _theme_pids(inputs.themes_dir)
    texts = {inputs.enwiki.name: _first_pages(chain.read_source(inputs.enwiki, "en"),
                                              inputs.limit)}
    read_articles = _optional("benchmarks.gold.wikifair", "read_articles")
    article_paragraphs = _optional("benchmarks.gold.wikifair", "article_paragraphs")
    if read_articles and article_paragraphs:
        articles = read_articles(inputs.wikifair)[:inputs.limit or None]
        texts[inputs.wikifair.name] = pa.Table.from_pylist(
            [row for a in articles for _, row in article_paragraphs(a)], schema=PARAGRAPHS)
    return {"kg_dump": inputs.kg_dump.name,
            "texts": {name: _yields(chain, table, kg_dir, theme_pids)
                      for name, table in texts.items()},
            "seconds": round(time.perf_counter() - started, 1)}


def _limited_copy(path: Path, limit: int | None, work_dir: Path) -> Path:
    """The first `limit` lines of a JSONL(.gz) file (smoke runs), else the file itself."""
    if not limit:
        return path
    work_dir.mkdir(parents=True, exist_ok=True)
    out = work_dir / f"limited-{limit}-{path.name}"
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as src, gzip.open(out, "wt", encoding="utf-8") as dst:
        for number, line in enumerate(src):
            if number >= limit:
                break
            dst.write(line)
    return out


def _optional(module: str, attribute: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return None


def wikifair_section(inputs: SectionInputs) -> dict[str, Any]:
    evaluate = _optional("benchmarks.gold.wikifair", "evaluate_wikifair")
    if evaluate is None:
        return {"missing": "benchmarks/gold/wikifair.py evaluate_wikifair"}
    from kg2instruction.ner import create_ner

    started = time.perf_counter()
    kg_dir = ensure_base_kg(inputs.kg_dump, inputs.cache_dir)
    chain = _cached_chain(inputs, kg_dir, [])
    mentions: Any = chain.config("identify_mentions")
    linking: Any = chain.config("link_entities")
    path = _limited_copy(inputs.wikifair, inputs.limit, inputs.cache_dir / "work")
    with DuckDBKG(kg_dir / STORE_FILE) as kg:
        report = evaluate(path, kg, {"en": create_ner(mentions.ner["en"])},
                          mention_config=mentions.mentions, link_config=linking.linking)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def trex_section(inputs: SectionInputs) -> dict[str, Any]:
    evaluate = _optional("trex_recall", "recall_report")
    if evaluate is None:
        return {"missing": "benchmarks/trex_recall.py recall_report"}
    started = time.perf_counter()
    report = evaluate(gold=inputs.trex, kg_dump=inputs.kg_dump, cache_dir=inputs.cache_dir / "trex",
                      themes_dir=inputs.themes_dir, sample=inputs.limit)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def verifier_section(inputs: SectionInputs) -> dict[str, Any]:
    """AUC of the configured verifier on held-out human pairs, each rendered with its P-id's
    relation sense as the NLI stage renders a triple (pairs of P-ids without one are counted)."""
    knowledgenet_pairs = _optional("kg2instruction.nli.verifier.gold_pairs", "knowledgenet_pairs")
    redocred_pairs = _optional("kg2instruction.nli.verifier.gold_pairs", "redocred_pairs")
    if knowledgenet_pairs is None or redocred_pairs is None:
        return {"missing": "kg2instruction/nli/verifier/gold_pairs.py"}
    from benchmarks.gold.verifier_auc import verifier_auc

    started = time.perf_counter()
    pairs = {"knowledgenet": knowledgenet_pairs(inputs.knowledgenet, HELD_OUT_KN_FOLDS),
             "redocred": redocred_pairs(inputs.redocred, HELD_OUT_REDOCRED_PART)}
    if inputs.limit:
        pairs = {source: found[:inputs.limit] for source, found in pairs.items()}
    chain = StageChain(inputs.pipeline, inputs.cache_dir, [], until=("score_nli",))
    report = verifier_auc(pairs, chain.config("score_nli"), chain.base_dir)
    report.update({"held_out": {"knowledgenet_folds": sorted(HELD_OUT_KN_FOLDS),
                                "redocred_part": HELD_OUT_REDOCRED_PART},
                   "seconds": round(time.perf_counter() - started, 1)})
    return report


SECTIONS: dict[str, Callable[[SectionInputs], dict[str, Any]]] = {
    "knowledgenet": knowledgenet_section,
    "peer_yield": peer_yield_section,
    "wikifair": wikifair_section,
    "trex": trex_section,
    "verifier": verifier_section,
}
