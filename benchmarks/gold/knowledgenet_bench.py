"""The KnowledgeNet section: run the chain on the gold passages, score it and the peer baseline.

The chain is the pipeline's own stages (`stage_chain.StageChain`, configs from the pipeline file)
with the benchmark KG (`knowledgenet_kg`). Scored at three points: candidates after matching,
triples after the schema (what the verifier is given), and after the verifier (what is
published). Three runs: each document's passages as one paragraph with the derived page QID (as
a Wikipedia paragraph with its sitelink), the same without the page QID (the title only, as on a
KG without sitelinks), and every passage alone. Every triple is scored in the passage holding
its evidence sentence. The peer baseline reads the same passages with the annotator-linked
mentions standing in for hyperlinks (its rule is sentence-local: the unit does not matter).
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from benchmarks.gold.cached_ner import cached_specs
from benchmarks.gold.knowledgenet import (PROPERTY_OF_PID, Document, Layout, Passage, Unit,
                                          corpus_records, load_documents)
from benchmarks.gold.knowledgenet_kg import ensure_knowledgenet_kg
from benchmarks.gold.knowledgenet_scoring import (CORRECT, fact_key_of, gold_facts,
                                                  score_triples, verdicts)
from benchmarks.gold.peer_baseline import Hyperlink, peer_triples
from benchmarks.gold.stage_chain import ChainOutput, StageChain
from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.theme import available_themes, load_theme
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.nli.label_choice import label_key
from kg2instruction.schemas import PARAGRAPHS
from kg2instruction.stages.build_kg import STORE_FILE
from kg2instruction.sources.corpus_jsonl import read_corpus_jsonl
from kg2instruction.text.sentences import sentence_spans

UNTIL = ("nli_filter", "nli_rejected")


@dataclass(frozen=True)
class Variant:
    name: str
    unit: Unit
    page_qid: bool


VARIANTS = (Variant("document", "document", True),
            Variant("document_no_page_qid", "document", False),
            Variant("passage", "passage", True))


@dataclass(frozen=True)
class Inputs:
    gold: Path
    kg_dump: Path
    pipeline: Path
    themes_dir: Path
    cache_dir: Path
    limit: int | None = None


def knowledgenet_themes(themes_dir: Path) -> list[str]:
    """The themes with a relation fed by a KnowledgeNet P-id (the schema steps to run)."""
    found = []
    for name in available_themes(themes_dir):
        theme = load_theme(name, themes_dir)
        if any(theme.relations_for(pid, d) for pid in PROPERTY_OF_PID
               for d in ("forward", "reverse")):
            found.append(name)
    return found


def publishable_properties(themes: Mapping[str, Any]) -> list[str]:
    """KnowledgeNet properties some P-id of which a relation of the run's themes labels."""
    return sorted({prop for pid, (prop, _) in PROPERTY_OF_PID.items()
                   if any(t.relations_for(pid, d) for t in themes.values()
                          for d in ("forward", "reverse"))})


def paragraphs_table(records: list[dict], work_dir: Path, name: str) -> pa.Table:
    """PARAGRAPHS rows through the project's JSONL corpus reader (what a run would read)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / f"{name}.jsonl"
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return pa.Table.from_pylist(list(read_corpus_jsonl(path)), schema=PARAGRAPHS)


def gold_hyperlinks(passages: Sequence[Passage]) -> dict[str, list[Hyperlink]]:
    """The annotator-linked mentions of each passage: the peer's stand-in for hyperlinks."""
    links: dict[str, list[Hyperlink]] = {}
    for passage in passages:
        spans = {(e.start, e.end, e.qid) for f in passage.facts for e in (f.subject, f.object)
                 if e.qid}
        links[passage.passage_id] = [Hyperlink(start, end, qid)   # type: ignore[arg-type]
                                     for start, end, qid in sorted(spans)]
    return links


def _auc(labels: list[int], scores: list[float]) -> float | None:
    if len(set(labels)) < 2:
        return None
    from kg2instruction.nli.metrics import auc_and_accuracy

    return auc_and_accuracy(labels, scores, 0.5)["auc"]


def verifier_effect(scored: list[dict], kept_ids: set[str], passages: Mapping[str, Passage]
                    ) -> dict[str, Any]:
    """What the verifier removed (all triples and judged ones) and how its score ranks them.

    Counted per labelled fact (`label_key`): a fact read from several sentences or P-ids is
    scored once per reading, and one reading of it is published; a reading counts as kept when
    its fact is."""
    kept_facts = {label_key(t) for t in scored if t["triple_id"] in kept_ids}
    kept_readings = {t["triple_id"] for t in scored if label_key(t) in kept_facts}
    facts = {label_key(t) for t in scored}
    judged = verdicts(scored, passages)
    correct = [t for t in scored if judged.get(t["triple_id"]) == CORRECT]
    wrong = [t for t in scored if judged.get(t["triple_id"]) not in (None, CORRECT)]

    kept_by_pid = Counter(t["pid"] for t in correct if t["triple_id"] in kept_readings)

    def share(rows: list[dict], kept: bool) -> float | None:
        hits = sum((t["triple_id"] in kept_readings) == kept for t in rows)
        return round(hits / len(rows), 4) if rows else None
    return {
        "scored": len(facts), "kept": len(kept_facts),
        "removed_share": round(1 - len(kept_facts) / len(facts), 4) if facts else None,
        "judged_correct": len(correct), "judged_unstated": len(wrong),
        "correct_kept_share": share(correct, True), "unstated_removed_share": share(wrong, False),
        "auc_correct_vs_unstated": _auc([1] * len(correct) + [0] * len(wrong),
                                        [t["nli_score"] for t in correct + wrong]),
        "removed_by_rule": dict(Counter(t.get("rule") for t in scored
                                        if t["triple_id"] not in kept_readings).most_common()),
        "correct_kept_by_pid": {pid: {"correct": n, "kept": kept_by_pid[pid]}
                                for pid, n in Counter(t["pid"] for t in correct).most_common()},
    }


def precision_by(triples: list[dict], passages: Mapping[str, Passage], field: str
                 ) -> dict[str, dict[str, Any]]:
    """Judged triples and their precision per value of one TRIPLES column (rule, evidence)."""
    judged = verdicts(triples, passages)
    counts: dict[str, Counter[str]] = {}
    for t in triples:
        verdict = judged.get(t["triple_id"])
        if verdict is not None:
            c = counts.setdefault(str(t.get(field)), Counter())
            c["judged"] += 1
            c["correct"] += verdict == CORRECT
    return {k: {"judged": c["judged"], "correct": c["correct"],
                "precision": round(c["correct"] / c["judged"], 4)}
            for k, c in sorted(counts.items())}


def loss_causes(rows: Mapping[str, list[dict]], passages: Mapping[str, Passage],
                themes: Mapping[str, Any]) -> dict[str, int]:
    """Where each QID-linked gold fact missing from the published triples was lost."""
    linked: dict[str, set[str]] = {}
    for m in rows["type_entities"]:
        if m["qid"]:
            linked.setdefault(m["paragraph_id"], set()).add(m["qid"])
    routed = {r["paragraph_id"]: r for r in rows["route_themes"]}

    def keys(stage: str) -> set:
        return {fact_key_of(t, t["paragraph_id"]) for t in rows[stage]} - {None}
    matched, schema, published = keys("match_relations"), keys("apply_schema"), keys("nli_filter")
    causes: Counter[str] = Counter()
    for key in gold_facts(passages.values()) - published:
        passage_id, prop, subject, obj = key
        if key in schema:
            causes["rejected by the verifier"] += 1
        elif key in matched:
            theme = routed[passage_id]["theme"]
            if theme is None:
                causes["schema: page routed to no theme"] += 1
            elif theme not in themes:
                causes[f"schema: page routed to {theme}"] += 1
            else:
                pids = [pid for pid, (p, _) in PROPERTY_OF_PID.items() if p == prop]
                in_theme = any(themes[theme].relations_for(pid, d) for pid in pids
                               for d in ("forward", "reverse"))
                causes["schema: type constraint or refinement" if in_theme
                       else f"schema: P-id not a {theme} relation"] += 1
        else:
            page = routed[passage_id]["page_qid"]
            have = linked.get(passage_id, set()) | ({page} if page else set())
            missing = [name for name, qid in (("subject", subject), ("object", obj))
                       if qid not in have]
            causes[f"{' and '.join(missing)} not linked" if missing
                   else "both linked, no candidate (evidence rule)"] += 1
    return dict(sorted(causes.items(), key=lambda kv: (-kv[1], kv[0])))   # ties by name: stable


def sentence_count(passages: Sequence[Passage]) -> int:
    return sum(len(sentence_spans(p.text, "en")) for p in passages)


def _triple_anchor(row: Mapping[str, Any]) -> int | None:
    """Where a triple is read: its evidence, else its first placed end."""
    if row.get("evidence_start") is not None:
        return row["evidence_start"]
    starts = [row[f"{e}_start"] for e in ("head", "tail") if row.get(f"{e}_start") is not None]
    return min(starts) if starts else None


def _shifted(row: Mapping[str, Any], passage_id: str, offset: int) -> dict[str, Any]:
    moved = dict(row, paragraph_id=passage_id)
    for name, value in row.items():
        if value is not None and (name in ("start", "end") or name.endswith(("_start", "_end"))):
            moved[name] = value - offset
    return moved


def in_passage_coordinates(output: ChainOutput, layout: Layout) -> dict[str, list[dict]]:
    """The chain's rows re-keyed to the passage each was read in, offsets into that passage:
    triples by their evidence sentence, mentions by their start; routing per passage."""
    rows: dict[str, list[dict]] = {}
    for stage in ("match_relations", "apply_schema", "score_nli", "nli_filter"):
        rows[stage] = [_shifted(r, *layout.locate(r["paragraph_id"], _triple_anchor(r)))
                       for r in output.rows(stage)]
    rows["type_entities"] = [_shifted(m, *layout.locate(m["paragraph_id"], m["start"]))
                             for m in output.rows("type_entities")]
    rows["route_themes"] = [dict(r, paragraph_id=p) for r in output.rows("route_themes")
                            for p in layout.passages_of(r["paragraph_id"])]
    return rows


def run_variant(chain: StageChain, documents: list[Document], passages: dict[str, Passage],
                variant: Variant, titles: dict[str, str], work_dir: Path,
                sentences: int) -> dict[str, Any]:
    started = time.perf_counter()
    records, layout = corpus_records(documents, variant.unit, variant.page_qid, titles)
    output = chain.run(paragraphs_table(records, work_dir, f"knowledgenet-{variant.name}"))
    rows = in_passage_coordinates(output, layout)
    scored, kept = rows["score_nli"], rows["nli_filter"]
    return {
        "unit": variant.unit, "page_qid_given": variant.page_qid,
        "after_matching": score_triples(rows["match_relations"], passages, sentences).as_dict(),
        "before_verifier": score_triples(rows["apply_schema"], passages, sentences).as_dict(),
        "after_verifier": score_triples(kept, passages, sentences).as_dict(),
        "by_fold": {str(fold): {stage: score_triples(
            [t for t in rows[stage] if passages[t["paragraph_id"]].fold == fold],
            {k: p for k, p in passages.items() if p.fold == fold},
            sentence_count([p for p in passages.values() if p.fold == fold]))
            .as_dict()["overall"] for stage in ("apply_schema", "nli_filter")}
            for fold in sorted({p.fold for p in passages.values()})},
        "verifier": verifier_effect(scored, {t["triple_id"] for t in kept}, passages),
        "missed_facts_by_cause": loss_causes(rows, passages, chain.themes),
        "routed_passages": dict(Counter(r["theme"] or "none"
                                        for r in rows["route_themes"]).most_common()),
        "published_by_rule": dict(Counter(t.get("rule") for t in kept).most_common()),
        "precision_by_evidence_rule": {
            "before_verifier": precision_by(rows["apply_schema"], passages, "evidence_rule"),
            "after_verifier": precision_by(kept, passages, "evidence_rule")},
        "seconds": round(time.perf_counter() - started, 1),
    }


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the working directory when inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(Path.cwd())) if resolved.is_relative_to(Path.cwd()) \
        else str(path)


def evaluate_knowledgenet(inputs: Inputs) -> dict[str, Any]:
    started = time.perf_counter()
    documents = load_documents(inputs.gold)
    if inputs.limit:
        documents = documents[:inputs.limit]
    passages = {p.passage_id: p for d in documents for p in d.passages}
    sentences = sentence_count(list(passages.values()))
    kg_dir, added = ensure_knowledgenet_kg(documents, inputs.gold, inputs.kg_dump,
                                           inputs.cache_dir)
    with DuckDBKG(kg_dir / STORE_FILE) as kg:
        titles = kg.labels(sorted({d.page_qid for d in documents if d.page_qid}), "en")
        peer = peer_triples([{"paragraph_id": p.passage_id, "text": p.text, "lang": "en",
                              "page_qid": d.page_qid} for d in documents for p in d.passages],
                            gold_hyperlinks(list(passages.values())), kg)
    themes = knowledgenet_themes(inputs.themes_dir)
    chain = StageChain(inputs.pipeline, kg_dir, themes, until=UNTIL)
    mention_config: Any = chain.config("identify_mentions")
    configured_ner = {"en": mention_config.ner["en"]}
    chain.update_config("identify_mentions",
                        {"ner": cached_specs(configured_ner, inputs.cache_dir)})
    variants = {v.name: run_variant(chain, documents, passages, v, titles,
                                    inputs.cache_dir / "work", sentences) for v in VARIANTS}
    n_facts = sum(len(p.facts) for p in passages.values())
    return {
        "gold_file": _shown(inputs.gold), "pipeline": _shown(inputs.pipeline),
        "documents": len(documents), "passages": len(passages),
        "sentences": sentences, "annotated_pairs": sum(len(p.properties)
                                                       for p in passages.values()),
        "fact_rows": n_facts, "linked_gold_facts": len(gold_facts(passages.values())),
        "documents_with_page_qid": sum(1 for d in documents if d.page_qid),
        "kg": {"dump": inputs.kg_dump.name, **added},
        "themes": themes,
        "publishable_properties": publishable_properties(chain.themes),
        "ner": {k: v.model_dump(mode="json") for k, v in configured_ner.items()},
        "chain": variants,
        "peer": score_triples(peer, passages, sentences).as_dict()
        | {"by_rule": dict(Counter(t["rule"] for t in peer))},
        "seconds": round(time.perf_counter() - started, 1),
    }
