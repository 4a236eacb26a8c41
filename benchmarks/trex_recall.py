"""Recall of T-REx gold facts after relation matching and after the schema step, with why the schema
step drops what it drops.

Data: `tests/fixtures/wikidata/trex-gold-dev.jsonl.gz` (real Wikipedia abstract sentences with
the Wikidata facts each expresses, and the page QID; `--trex FILE` scores any file in that
format), a fixed seeded sample of sentences, and the bundled sample KG (built with the project's
own ingest into the cache directory).

What counts:
- A gold fact is *eligible* when both its head and its tail surface (as the gold file gives them)
  occur in the sentence. Recall = eligible facts found / eligible facts.
- After matching: a candidate triple with the fact's (head QID, P-id, tail QID) in the KG's
  orientation. After the schema step: a kept triple that states the fact under the sentence's
  routed theme, i.e. whose (head, label, tail) is one of the fact's readings in that theme (the
  claim read forward, or turned round for a reversed P-id). "Tuscany --capital--> Florence" kept
  from the inverse claim P1376 is the gold P36 fact, not an extra triple.
- Theme-covered facts: the InstructIE themes (themes/*.yaml, derived from the paper's mapping
  tests/fixtures/instructie/all_schema_wikidata_mapping.json) give some P-ids no relation at all
  (P530 diplomatic relation, P37 official language...: listed nowhere or only as "other"). The
  schema step must drop those, so recall after schema is reported over all eligible facts and over
  the covered ones (the P-id feeds a relation of at least one theme).
- Page subject: the page QID is the sentence's subject, as sitelinks would give it. Matching's
  `page_subject` setting decides what else stands for it: `linked`, `grounded` (the pipeline
  default), `implicit`; recall after matching is reported for all three. Facts whose subject the
  sentence does not write are not eligible and are scored separately with `implicit`.
- Schema drop causes, per matched eligible fact the schema step did not keep, first that applies:
  `pid_in_no_theme` (not covered: legitimate), `page_unrouted` (no theme for the page),
  `pid_not_in_routed_theme` / `pid_other_in_routed_theme` (the routed theme has no relation for
  the P-id, or lists it as "other"), `type_mismatch` (no reading fits the relation's head/tail
  categories), `classifier_theme_unconfirmed` (fits, but the page was routed by the text
  classifier and the KG types every fitting reading's head as another kind), `refinement`
  (fits, removed later: containment chain, duplicate label, span-less end). Each is also split
  by how the page was routed (class, category, claims, classifier).
- Extra triples per sentence: candidates (and kept triples) that are not one of the sentence's gold
  facts (kept: not one of their readings); many are true facts T-REx did not align, so this is an
  upper bound on noise.

Usage: .venv/bin/python benchmarks/trex_recall.py [--trex FILE] [--sample 5000] [--seed 20240601]
Writes benchmarks/results/trex_recall.json and .md. Other benchmarks call `trex_recall(path,
sample, seed, kg)` with an open KG, or `recall_report(gold=..., kg_dump=...)` with files.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotation_chain import REPO, AnnotationChain, add_chain_arguments, open_kg  # noqa: E402

from kg2instruction.annotate.match import match_relations, paragraphs_with_anchors  # noqa: E402
from kg2instruction.annotate.theme_confirmation import (CLASSIFIER_ROUTE,  # noqa: E402
                                                        uncategorised)
from kg2instruction.annotate.theme_router import RoutedPage, direct_instances  # noqa: E402
from kg2instruction.annotate.types import TypeResolver  # noqa: E402
from kg2instruction.atomic import atomic_write_text  # noqa: E402
from kg2instruction.config.entity_types import FALLBACK_CATEGORY  # noqa: E402
from kg2instruction.config.theme import Theme  # noqa: E402
from kg2instruction.kg.protocol import KnowledgeGraph  # noqa: E402
from kg2instruction.ner.registry import NerSpec, create_ner  # noqa: E402
from kg2instruction.schemas import PARAGRAPHS  # noqa: E402
from kg2instruction.sources.corpus_jsonl import read_corpus_jsonl  # noqa: E402

Fact = tuple[str, str, str]
DEFAULT_TREX = REPO / "tests/fixtures/wikidata/trex-gold-dev.jsonl.gz"
DEFAULT_KG_DUMP = "pipelines/sample/wikidata-mini.json.bz2"
DEFAULT_SAMPLE, DEFAULT_SEED = 5000, 20240601
PROPERTY_LABELS = REPO / "tests/fixtures/wikidata/wikidata_properties_en.jsonl"
SCHEMA_CAUSES = ("pid_in_no_theme", "page_unrouted", "pid_not_in_routed_theme",
                 "pid_other_in_routed_theme", "type_mismatch", "classifier_theme_unconfirmed",
                 "refinement")
ROUTES = ("class", "category", "claims", "classifier", "unrouted")


def sample_records(path: Path, size: int, seed: int) -> list[dict[str, Any]]:
    """A fixed seeded sample of sentences (file order kept, so pages stay together)."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        records = [json.loads(line) for line in stream if line.strip()]
    chosen = sorted(random.Random(seed).sample(range(len(records)), min(size, len(records))))
    return [records[i] for i in chosen]


def paragraphs_of(records: list[dict[str, Any]], work_dir: Path) -> pa.Table:
    """PARAGRAPHS rows through the project's JSONL corpus reader (what a run would read)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    sample = work_dir / "trex-sample.jsonl"
    atomic_write_text(sample, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return pa.Table.from_pylist(list(read_corpus_jsonl(sample)), schema=PARAGRAPHS)


def _facts_by_paragraph(triples: Iterable[dict[str, Any]]) -> dict[str, set[Fact]]:
    facts: dict[str, set[Fact]] = defaultdict(set)
    for t in triples:
        facts[t["paragraph_id"]].add((t["head_qid"], t["pid"], t["tail_qid"]))
    return facts


def readings(fact: Fact, theme: Theme) -> set[Fact]:
    """(head, label, tail) triples that state the KG claim `fact` under `theme`'s labels."""
    head, pid, tail = fact
    found = {(head, r.label.en, tail) for r in theme.relations_for(pid, "forward")}
    found |= {(tail, r.label.en, head) for r in theme.relations_for(pid, "reverse")}
    return found


def covered_pids(themes: Mapping[str, Theme]) -> set[str]:
    """P-ids that feed a relation of at least one theme (not just its "other" list)."""
    return {pid for theme in themes.values() for rel in theme.relations
            for pid in rel.all_pids()}


class Tally:
    """Per-relation counts of eligible gold facts and hits at each step."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, relation: str, **hits: bool) -> None:
        self.counts[relation]["gold"] += 1
        for name, hit in hits.items():
            self.counts[relation][name] += int(hit)

    def summary(self, *steps: str) -> dict[str, Any]:
        total: Counter[str] = Counter()
        for c in self.counts.values():
            total.update(c)

        def rates(c: Counter[str]) -> dict[str, Any]:
            return {"gold": c["gold"], **{f"recall_{s}": round(c[s] / c["gold"], 4) if c["gold"]
                                          else None for s in steps}}
        return {"overall": rates(total),
                "per_relation": {r: rates(c) for r, c in sorted(self.counts.items(),
                                                                key=lambda kv: -kv[1]["gold"])}}


def diagnose(fact: dict[str, Any], linked_qids: set[str], surfaces_linked: dict[str, str | None]
             ) -> str:
    """Why an eligible fact was not matched (for the report: which step lost it)."""
    head_ok = fact["head_qid"] in linked_qids
    tail_ok = fact["tail_qid"] in linked_qids
    if head_ok and tail_ok:
        return "both_linked_no_candidate"
    if not head_ok and not tail_ok:
        return "neither_linked"
    missing = "head" if not head_ok else "tail"
    found_as = surfaces_linked.get(fact[missing])
    if found_as is None:
        return f"{missing}_surface_not_a_linked_mention"
    return f"{missing}_linked_to_other_qid"


def schema_loss(fact: Fact, routed: RoutedPage, chain: AnnotationChain, covered: set[str],
                categories: Mapping[str, list[str]]) -> str:
    """Why a matched gold fact did not survive the schema step (see module docstring)."""
    head, pid, tail = fact
    if pid not in covered:
        return "pid_in_no_theme"
    if routed.theme is None:
        return "page_unrouted"
    theme = chain.themes[routed.theme]
    fitting_heads: list[str] = []
    for direction in ("forward", "reverse"):
        ends = (head, tail) if direction == "forward" else (tail, head)
        heads, tails = (categories.get(q) or [FALLBACK_CATEGORY] for q in ends)
        if any(Theme.fits(rel, h, t) for rel in theme.relations_for(pid, direction)
               for h in heads for t in tails):
            fitting_heads.append(ends[0])
    if not theme.relations_for(pid, "forward") and not theme.relations_for(pid, "reverse"):
        return "pid_other_in_routed_theme" if theme.is_dropped(pid) else "pid_not_in_routed_theme"
    if not fitting_heads:
        return "type_mismatch"
    if routed.routed_by == CLASSIFIER_ROUTE:
        classes = direct_instances(chain.kg, fitting_heads, chain.routing.by_class)
        unknown = TypeResolver(chain.kg, chain.entity_types).unclassed(
            uncategorised(fitting_heads, categories))
        if not any(q in unknown or chain.routing.routes_to(routed.theme, categories.get(q) or (),
                                                           classes.get(q, ()))
                   for q in fitting_heads):
            return "classifier_theme_unconfirmed"
    return "refinement"


def evaluate(records: list[dict[str, Any]], chain: AnnotationChain, paragraphs: pa.Table,
             batch_size: int) -> dict[str, Any]:
    by_id = {r["id"]: r for r in records}
    covered = covered_pids(chain.themes)
    resolver = TypeResolver(chain.kg, chain.entity_types)   # the categories the schema step sees
    tally, covered_tally, implicit_tally = Tally(), Tally(), Tally()
    misses: dict[str, Counter[str]] = defaultdict(Counter)        # relation -> cause
    losses: dict[str, Counter[str]] = defaultdict(Counter)        # relation -> cause
    losses_by_route: dict[str, Counter[str]] = defaultdict(Counter)  # cause -> routed_by
    routes: Counter[str] = Counter()
    kept_of_matched: dict[str, Counter[str]] = defaultdict(Counter)   # covered facts, by route
    extra_matched = extra_kept = 0
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    funnel: Counter[str] = Counter()
    variants = {name: chain.match_config.model_copy(update={"page_subject": name})
                for name in ("linked", "implicit")}
    for offset in range(0, len(paragraphs), batch_size):
        batch = paragraphs.slice(offset, batch_size)
        result = chain.annotate(batch, chain.ner_spans(batch))
        funnel.update(result.funnel)
        anchored = paragraphs_with_anchors(batch.to_pylist(), result.linked)
        variant_facts = {name: _facts_by_paragraph(match_relations(anchored, chain.kg, config)[0])
                         for name, config in variants.items()}
        implicit, linked_only = variant_facts["implicit"], variant_facts["linked"]
        matched = _facts_by_paragraph(result.candidates)
        candidates_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t in result.candidates:
            candidates_of[t["paragraph_id"]].append(t)
        kept: dict[str, set[Fact]] = defaultdict(set)
        for t in result.kept:
            kept[t["paragraph_id"]].add((t["head_qid"], t["relation"], t["tail_qid"]))
        mentions_by_paragraph: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for m in result.linked:
            mentions_by_paragraph[m["paragraph_id"]].append(m)
        categories = resolver.reached(sorted({q for r in batch.to_pylist()
                                              for f in by_id[r["paragraph_id"]]["facts"]
                                              for q in (f["head_qid"], f["tail_qid"]) if q}))
        for row in batch.select(["paragraph_id", "page_id", "text"]).to_pylist():
            pid_ = row["paragraph_id"]
            record = by_id[pid_]
            text = record["text"]
            routed = result.routed[row["page_id"]]
            routes[routed.routed_by] += 1
            theme = chain.themes.get(routed.theme) if routed.theme else None
            gold = {(f["head_qid"], f["relation"], f["tail_qid"]) for f in record["facts"]}
            gold_readings = set().union(*(readings(g, theme) for g in gold)) if theme else set()
            extra_matched += len(matched[pid_] - gold)
            extra_kept += len(kept[pid_] - gold_readings)
            for t in candidates_of[pid_]:
                by_rule[t["rule"]]["triples"] += 1
                by_rule[t["rule"]]["gold"] += (t["head_qid"], t["pid"], t["tail_qid"]) in gold
            mentions = mentions_by_paragraph[pid_]
            linked_qids = {m["qid"] for m in mentions if m["qid"]}
            surfaces = {m["surface"]: m["qid"] for m in mentions}
            for fact in record["facts"]:
                key = (fact["head_qid"], fact["relation"], fact["tail_qid"])
                if fact["head"] in text and fact["tail"] in text:
                    hit = key in matched[pid_]
                    survived = bool(theme and readings(key, theme) & kept[pid_])
                    hits = dict(matched=hit, matched_linked_only=key in linked_only[pid_],
                                matched_implicit=key in implicit[pid_], schema=survived)
                    tally.add(fact["relation"], **hits)
                    if fact["relation"] in covered:
                        covered_tally.add(fact["relation"], **hits)
                        if hit:
                            kept_of_matched[routed.routed_by]["matched"] += 1
                            kept_of_matched[routed.routed_by]["kept"] += survived
                    if not hit:
                        misses[fact["relation"]][diagnose(fact, linked_qids, surfaces)] += 1
                    elif not survived:
                        cause = schema_loss(key, routed, chain, covered, categories)
                        losses[fact["relation"]][cause] += 1
                        losses_by_route[cause][routed.routed_by] += 1
                elif (fact["tail"] in text and fact["head_qid"] == record.get("page_qid")):
                    implicit_tally.add(fact["relation"],
                                       matched=key in implicit[pid_])
    n = len(paragraphs)
    steps = ("matched_linked_only", "matched", "matched_implicit", "schema")
    total_losses: Counter[str] = Counter()
    for c in losses.values():
        total_losses.update(c)
    total_misses: Counter[str] = Counter()
    for c in misses.values():
        total_misses.update(c)
    return {
        "eligible": tally.summary(*steps),
        "eligible_theme_covered": covered_tally.summary(*steps),
        "implicit_subject": implicit_tally.summary("matched"),
        "extra_triples_per_sentence": {"after_matching": round(extra_matched / n, 3),
                                       "after_schema": round(extra_kept / n, 3)},
        "missed_after_matching_by_cause": dict(total_misses.most_common()),
        "missed_after_matching_per_relation": {
            rel: dict(misses[rel].most_common())
            for rel in sorted(misses, key=lambda r: -sum(misses[r].values()))},
        "schema_drops_by_cause": {c: total_losses[c] for c in SCHEMA_CAUSES},
        "schema_drops_by_cause_and_route": {c: {r: losses_by_route[c][r] for r in ROUTES
                                                if losses_by_route[c][r]}
                                            for c in SCHEMA_CAUSES if losses_by_route[c]},
        "schema_drops_per_relation": {rel: {c: losses[rel][c] for c in SCHEMA_CAUSES
                                            if losses[rel][c]}
                                      for rel in sorted(losses, key=lambda r: -sum(
                                          losses[r].values()))},
        "sentences_by_route": {r: routes[r] for r in ROUTES if routes[r]},
        "covered_matched_kept_by_route": {
            r: {**kept_of_matched[r], "share": round(kept_of_matched[r]["kept"]
                                                     / kept_of_matched[r]["matched"], 4)}
            for r in ROUTES if kept_of_matched[r]["matched"]},
        "covered_pids": sorted(covered, key=lambda p: int(p[1:])),
        "candidates_by_rule": {rule: {**c, "gold_share": round(c["gold"] / c["triples"], 3)}
                               for rule, c in sorted(by_rule.items())},
        "funnel": dict(sorted(funnel.items())),
    }


def trex_recall(path: Path, sample: int, seed: int, kg: KnowledgeGraph, *,
                themes_dir: Path = REPO / "themes", work_dir: Path = REPO / "cache/benchmarks",
                batch_size: int = 1000, chain: AnnotationChain | None = None) -> dict[str, Any]:
    """The whole T-REx report for `sample` sentences (seeded) of `path` over `kg`: what `main`
    writes, for other benchmarks to embed. `chain` overrides the default chain (spaCy NER,
    pipeline defaults, `themes_dir`)."""
    started = time.perf_counter()
    records = sample_records(path, sample, seed)
    paragraphs = paragraphs_of(records, work_dir)
    if chain is None:
        chain = AnnotationChain(kg, {"en": create_ner(NerSpec(name="spacy"))}, themes_dir)
    report = evaluate(records, chain, paragraphs, batch_size)
    gold_file = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    return {"gold_file": gold_file, "sentences": len(records), "seed": seed,
            "seconds": round(time.perf_counter() - started, 1), **report}


def recall_report(gold: Path = DEFAULT_TREX, kg_dump: Path = REPO / DEFAULT_KG_DUMP,
                  cache_dir: Path = REPO / "cache/benchmarks", themes_dir: Path = REPO / "themes",
                  sample: int | None = None, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """`trex_recall` over a KG dump (its store built once into `cache_dir`), for benchmarks that
    name inputs by file (benchmarks/quality.py). `sample` None: the default sample size."""
    with open_kg(kg_dump, cache_dir) as kg:
        report = trex_recall(gold, sample or DEFAULT_SAMPLE, seed, kg, themes_dir=themes_dir,
                             work_dir=cache_dir)
    return {"kg_dump": kg_dump.name, **report}


def _property_labels() -> dict[str, str]:
    if not PROPERTY_LABELS.is_file():
        return {}
    rows = (json.loads(line) for line in PROPERTY_LABELS.read_text("utf-8").splitlines())
    return {row["id"]: row["label"] for row in rows}


def markdown(report: dict[str, Any]) -> str:
    e, cov = report["eligible"], report["eligible_theme_covered"]
    extra, labels = report["extra_triples_per_sentence"], _property_labels()
    covered = set(report["covered_pids"])

    def overall_row(name: str, part: dict[str, Any]) -> str:
        o = part["overall"]
        return (f"| {name} | {o['gold']} | {o['recall_matched_linked_only']} | "
                f"**{o['recall_matched']}** | {o['recall_matched_implicit']} | "
                f"**{o['recall_schema']}** |")
    drops = report["schema_drops_by_cause"]
    lines = [
        "# T-REx gold recall (distant supervision, sample KG)", "",
        f"Sample: {report['sentences']} sentences (seed {report['seed']}) of "
        f"`{report['gold_file']}`; KG: `{report.get('kg_dump', '?')}`; "
        f"{report['seconds']:.0f} s.", "",
        "Recall after matching by `page_subject` setting, and after the schema step (pipeline "
        "defaults: `grounded`, span-less triples dropped). *Theme-covered*: the fact's P-id feeds "
        "a relation of some InstructIE theme (themes/*.yaml, from the paper's mapping); the "
        "others (e.g. P530 diplomatic relation, P37 official language, P31/P279) have no "
        "relation in any theme, so the schema step drops them by design.", "",
        "| gold facts | n | matching, `linked` | **matching, `grounded` (default)** | "
        "matching, `implicit` | **after schema** |", "|---|---:|---:|---:|---:|---:|",
        overall_row("eligible (head and tail surface in the sentence)", e),
        overall_row("eligible, theme-covered P-id", cov),
        f"| subject not written (tail in the sentence, head = page entity) | "
        f"{report['implicit_subject']['overall']['gold']} | - | - | "
        f"{report['implicit_subject']['overall']['recall_matched']} | - |", "",
        f"Extra (non-gold) triples per sentence: {extra['after_matching']} after matching, "
        f"{extra['after_schema']} after the schema step.", "",
        "Sentences by how their page was routed: " + ", ".join(
            f"{k} {v}" for k, v in report["sentences_by_route"].items()) +
        " (`claims`: page subject without P31 in the KG, typed by the properties of its "
        "statements, `themes/entity_types.yaml` `claim_signals`).", "",
        "Matched theme-covered facts the schema step keeps, by how the page was routed: "
        + ", ".join(
            f"{r} {c['kept']}/{c['matched']} ({c['share']})"
            for r, c in report["covered_matched_kept_by_route"].items()) + ".", "",
        "Candidate triples by rule (share that is a gold fact of the sentence; T-REx aligns only "
        "some true facts, so this is a lower bound on precision): " + ", ".join(
            f"`{rule}` {c['triples']} ({c['gold_share']})"
            for rule, c in report["candidates_by_rule"].items()) + ".", "",
        "Missed eligible facts after matching, by cause: " + ", ".join(
            f"{k} {v}" for k, v in report["missed_after_matching_by_cause"].items()), "",
        "## Why the schema step drops matched facts", "",
        "First cause that applies: `pid_in_no_theme` (no theme has a relation for the P-id: "
        "legitimate), `page_unrouted` (no theme for the page), `pid_not_in_routed_theme` / "
        "`pid_other_in_routed_theme` (the page's theme has no relation for it / lists it as "
        "\"other\": by design when the page's theme is right), `type_mismatch` (head/tail "
        "categories fit no reading), `classifier_theme_unconfirmed` (fits, but the page was "
        "routed by the text classifier and the KG types the head as another kind), `refinement` "
        "(fits, removed by the containment-chain, duplicate-label or span rules).", "",
        "| cause | dropped | " + " | ".join(f"routed by {r}" for r in ROUTES) + " |",
        "|---|---:|" + "---:|" * len(ROUTES)]
    for cause in SCHEMA_CAUSES:
        by_route = report["schema_drops_by_cause_and_route"].get(cause, {})
        lines.append(f"| {cause} | {drops[cause]} | " + " | ".join(
            str(by_route.get(r, 0)) for r in ROUTES) + " |")
    lines += ["", "## Per relation (eligible facts)", "",
              "Recall columns as above; then the matched facts the schema step dropped, by cause.",
              "", "| P-id | property | covered | gold | `linked` | `grounded` | `implicit` | "
              "after schema | " + " | ".join(SCHEMA_CAUSES) + " |",
              "|---|---|---|---:|---:|---:|---:|---:|" + "---:|" * len(SCHEMA_CAUSES)]
    for pid, r in e["per_relation"].items():
        lost = report["schema_drops_per_relation"].get(pid, {})
        lines.append(f"| {pid} | {labels.get(pid, '')} | {'yes' if pid in covered else 'no'} | "
                     f"{r['gold']} | {r['recall_matched_linked_only']} | "
                     f"{r['recall_matched']} | {r['recall_matched_implicit']} | "
                     f"{r['recall_schema']} | " + " | ".join(
                         str(lost.get(c, 0)) for c in SCHEMA_CAUSES) + " |")
    miss_causes = list(report["missed_after_matching_by_cause"])
    lines += ["", "## Missed after matching, per relation", "",
              "| P-id | property | missed | " + " | ".join(miss_causes) + " |",
              "|---|---|---:|" + "---:|" * len(miss_causes)]
    for pid, causes in report["missed_after_matching_per_relation"].items():
        lines.append(f"| {pid} | {labels.get(pid, '')} | {sum(causes.values())} | " + " | ".join(
            str(causes.get(c, 0)) for c in miss_causes) + " |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_chain_arguments(parser)
    parser.add_argument("--trex", dest="gold", type=Path, default=argparse.SUPPRESS,
                        help=f"T-REx gold sentences (JSONL.gz; default {DEFAULT_TREX.name})")
    parser.add_argument("--sample", type=int, default=DEFAULT_SAMPLE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/trex_recall")
    args = parser.parse_args(argv)

    with open_kg(args.kg_dump, args.cache_dir) as kg:
        report = trex_recall(args.gold, args.sample, args.seed, kg, themes_dir=args.themes_dir,
                             work_dir=args.cache_dir, batch_size=args.batch_size)
    report = {"kg_dump": args.kg_dump.name, **report}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out.with_suffix(".json"), json.dumps(report, indent=2) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), markdown(report))
    overall = report["eligible"]["overall"]
    print(f"recall after matching {overall['recall_matched']} (linked only "
          f"{overall['recall_matched_linked_only']}, "
          f"implicit {overall['recall_matched_implicit']}), after schema "
          f"{overall['recall_schema']} on {overall['gold']} eligible facts "
          f"({report['eligible_theme_covered']['overall']['recall_schema']} on "
          f"{report['eligible_theme_covered']['overall']['gold']} theme-covered); "
          f"extra/sentence {report['extra_triples_per_sentence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
