"""Recall of T-REx gold facts after relation matching and after the schema constraint.

Data: `tests/fixtures/wikidata/trex-gold-dev.jsonl.gz` (real Wikipedia abstract sentences with
the Wikidata facts each expresses, and the page QID), a fixed seeded sample of sentences, and the
bundled sample KG (built with the project's own ingest into the cache directory).

What counts:
- A gold fact is *eligible* when both its head and its tail surface (as the gold file gives them)
  occur in the sentence. Recall = eligible facts found / eligible facts.
- After matching: a candidate triple with the fact's (head QID, P-id, tail QID) in the KG's
  orientation. After the schema constraint: a kept triple for that claim under the sentence's
  routed theme (a reversed label still counts: it is the same claim read the other way).
- Page subject: the page QID is the sentence's subject, as sitelinks would give it; the mention
  stage links its label/aliases found in the sentence to it. Matching's `page_subject` setting
  decides what else stands for it: `linked` (nothing else), `grounded` (the pipeline default: an
  unlinked mention resembling the page title, rule `subject_grounded`), `implicit` (grounded, else
  the page entity without a span: null offsets, rule `implicit_subject`). Recall is reported for
  all three; facts whose subject the sentence does not write at all are not eligible and are
  scored separately with `implicit` (the schema stage drops span-less triples by default, since
  instruction data needs spans).
- Extra triples per sentence: candidates (and kept triples) whose claim is not among the
  sentence's gold facts; many are true facts T-REx did not align, so this is an upper bound on
  noise.

Usage: .venv/bin/python benchmarks/trex_recall.py [--sample 5000] [--seed 20240601]
Writes benchmarks/results/trex_recall.json and .md.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotation_chain import REPO, AnnotationChain, add_chain_arguments, open_kg  # noqa: E402

from kg2instruction.annotate.match import match_relations, paragraphs_with_anchors  # noqa: E402
from kg2instruction.atomic import atomic_write_text  # noqa: E402
from kg2instruction.ner.registry import NerSpec, create_ner  # noqa: E402
from kg2instruction.schemas import PARAGRAPHS  # noqa: E402
from kg2instruction.sources.corpus_jsonl import read_corpus_jsonl  # noqa: E402

Fact = tuple[str, str, str]


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


def _facts_by_paragraph(triples: list[dict[str, Any]]) -> dict[str, set[Fact]]:
    facts: dict[str, set[Fact]] = defaultdict(set)
    for t in triples:
        facts[t["paragraph_id"]].add((t["head_qid"], t["pid"], t["tail_qid"]))
    return facts


def kg_orientation(triple: dict[str, Any]) -> Fact:
    if triple["direction"] == "reverse":
        return triple["tail_qid"], triple["pid"], triple["head_qid"]
    return triple["head_qid"], triple["pid"], triple["tail_qid"]


class Tally:
    """Per-relation counts of eligible gold facts and hits at each step."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, relation: str, **hits: bool) -> None:
        self.counts[relation]["gold"] += 1
        for name, hit in hits.items():
            self.counts[relation][name] += int(hit)

    def summary(self, *steps: str) -> dict[str, Any]:
        total = Counter()
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
        return "both_linked_no_claim_in_kg"
    if not head_ok and not tail_ok:
        return "neither_linked"
    missing = "head" if not head_ok else "tail"
    found_as = surfaces_linked.get(fact[missing])
    if found_as is None:
        return f"{missing}_surface_not_a_linked_mention"
    return f"{missing}_linked_to_other_qid"


def schema_loss(pid: str, theme_name: str | None, chain: AnnotationChain) -> str:
    """Why a matched gold fact did not survive the schema step."""
    if theme_name is None:
        return "page_routed_to_no_theme"
    theme = chain.themes[theme_name]
    if theme.relations_for(pid, "forward") or theme.relations_for(pid, "reverse"):
        return "type_constraint_or_refinement"
    if theme.is_dropped(pid):
        return "other_pid_of_routed_theme"
    in_some_theme = any(t.relations_for(pid, "forward") or t.relations_for(pid, "reverse")
                        for t in chain.themes.values())
    return "pid_in_another_theme_only" if in_some_theme else "pid_in_no_theme"


def evaluate(records: list[dict[str, Any]], chain: AnnotationChain, paragraphs: pa.Table,
             batch_size: int) -> dict[str, Any]:
    by_id = {r["id"]: r for r in records}
    tally, implicit_tally = Tally(), Tally()
    misses: Counter[str] = Counter()
    schema_losses: Counter[str] = Counter()
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
            kept[t["paragraph_id"]].add(kg_orientation(t))
        mentions_by_paragraph: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for m in result.linked:
            mentions_by_paragraph[m["paragraph_id"]].append(m)
        for row in batch.select(["paragraph_id", "page_id", "text"]).to_pylist():
            record = by_id[row["paragraph_id"]]
            text = record["text"]
            gold = {(f["head_qid"], f["relation"], f["tail_qid"]) for f in record["facts"]}
            extra_matched += len(matched[row["paragraph_id"]] - gold)
            for t in candidates_of[row["paragraph_id"]]:
                by_rule[t["rule"]]["triples"] += 1
                by_rule[t["rule"]]["gold"] += (t["head_qid"], t["pid"], t["tail_qid"]) in gold
            extra_kept += len(kept[row["paragraph_id"]] - gold)
            mentions = mentions_by_paragraph[row["paragraph_id"]]
            linked_qids = {m["qid"] for m in mentions if m["qid"]}
            surfaces = {m["surface"]: m["qid"] for m in mentions}
            for fact in record["facts"]:
                key = (fact["head_qid"], fact["relation"], fact["tail_qid"])
                if fact["head"] in text and fact["tail"] in text:
                    hit = key in matched[row["paragraph_id"]]
                    tally.add(fact["relation"], matched=hit,
                              matched_linked_only=key in linked_only[row["paragraph_id"]],
                              matched_implicit=key in implicit[row["paragraph_id"]],
                              schema=key in kept[row["paragraph_id"]])
                    if not hit:
                        misses[diagnose(fact, linked_qids, surfaces)] += 1
                    elif key not in kept[row["paragraph_id"]]:
                        theme_name = result.routed[row["page_id"]].theme
                        schema_losses[schema_loss(fact["relation"], theme_name, chain)] += 1
                elif (fact["tail"] in text and fact["head_qid"] == record.get("page_qid")):
                    implicit_tally.add(fact["relation"],
                                       matched=key in implicit[row["paragraph_id"]])
    n = len(paragraphs)
    return {
        "eligible": tally.summary("matched_linked_only", "matched", "matched_implicit", "schema"),
        "implicit_subject": implicit_tally.summary("matched"),
        "extra_triples_per_sentence": {"after_matching": round(extra_matched / n, 3),
                                       "after_schema": round(extra_kept / n, 3)},
        "missed_after_matching_by_cause": dict(misses.most_common()),
        "matched_but_dropped_by_schema_by_cause": dict(schema_losses.most_common()),
        "candidates_by_rule": {rule: {**c, "gold_share": round(c["gold"] / c["triples"], 3)}
                               for rule, c in sorted(by_rule.items())},
        "funnel": dict(sorted(funnel.items())),
    }


def markdown(report: dict[str, Any]) -> str:
    e, extra = report["eligible"], report["extra_triples_per_sentence"]
    lines = [
        "# T-REx gold recall (distant supervision, sample KG)", "",
        f"Sample: {report['sentences']} sentences (seed {report['seed']}) of "
        f"`{report['gold_file']}`; KG: `{report['kg_dump']}`; {report['seconds']:.0f} s.", "",
        "Recall after matching by `page_subject` setting, and after the schema constraint "
        "(pipeline defaults: `grounded`, span-less triples dropped).", "",
        "| gold facts | n | matching, `linked` | **matching, `grounded` (default)** | "
        "matching, `implicit` | after schema |", "|---|---:|---:|---:|---:|---:|",
        f"| eligible (head and tail surface in the sentence) | {e['overall']['gold']} | "
        f"{e['overall']['recall_matched_linked_only']} | **{e['overall']['recall_matched']}** | "
        f"{e['overall']['recall_matched_implicit']} | {e['overall']['recall_schema']} |",
        f"| subject not written (tail in the sentence, head = page entity) | "
        f"{report['implicit_subject']['overall']['gold']} | - | - | "
        f"{report['implicit_subject']['overall']['recall_matched']} | - |", "",
        f"Extra (non-gold) triples per sentence: {extra['after_matching']} after matching, "
        f"{extra['after_schema']} after the schema constraint.", "",
        "Candidate triples by rule (share that is a gold fact of the sentence; T-REx aligns only "
        "some true facts, so this is a lower bound on precision): " + ", ".join(
            f"`{rule}` {c['triples']} ({c['gold_share']})"
            for rule, c in report["candidates_by_rule"].items()) + ".", "",
        "Missed eligible facts after matching, by cause: " + ", ".join(
            f"{k} {v}" for k, v in report["missed_after_matching_by_cause"].items()), "",
        "Matched eligible facts the schema step dropped, by cause: " + ", ".join(
            f"{k} {v}" for k, v in report["matched_but_dropped_by_schema_by_cause"].items()), "",
        "## Per relation (eligible facts)", "",
        "| P-id | gold | `linked` | `grounded` (default) | `implicit` | after schema |",
        "|---|---:|---:|---:|---:|---:|"]
    for pid, r in e["per_relation"].items():
        lines.append(f"| {pid} | {r['gold']} | {r['recall_matched_linked_only']} | "
                     f"{r['recall_matched']} | {r['recall_matched_implicit']} | "
                     f"{r['recall_schema']} |")
    lines += ["", "After-schema recall is low by design for relations no theme keeps (e.g. P530 "
              "diplomatic relation, P279 subclass of, P31 instance of are not theme labels) and "
              "where the sentence's page routes to a theme without that relation.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_chain_arguments(parser)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/trex_recall")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    records = sample_records(args.gold, args.sample, args.seed)
    paragraphs = paragraphs_of(records, args.cache_dir)
    with open_kg(args.kg_dump, args.cache_dir) as kg:
        chain = AnnotationChain(kg, {"en": create_ner(NerSpec(name="spacy"))}, args.themes_dir)
        report = evaluate(records, chain, paragraphs, args.batch_size)
    report = {"gold_file": str(args.gold.relative_to(REPO)) if args.gold.is_relative_to(REPO)
              else str(args.gold), "kg_dump": args.kg_dump.name, "sentences": len(records),
              "seed": args.seed, "seconds": round(time.perf_counter() - started, 1), **report}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out.with_suffix(".json"), json.dumps(report, indent=2) + "\n")
    atomic_write_text(args.out.with_suffix(".md"), markdown(report))
    overall = report["eligible"]["overall"]
    print(f"recall after matching {overall['recall_matched']} (linked only "
          f"{overall['recall_matched_linked_only']}, "
          f"implicit {overall['recall_matched_implicit']}), after schema "
          f"{overall['recall_schema']} on {overall['gold']} eligible facts; "
          f"extra/sentence {report['extra_triples_per_sentence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
