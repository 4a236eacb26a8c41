"""Draw the triples of one theme's finished run that a person will judge.

Two strata per theme: the triples the verifier kept (`nli_filter`, what is published) and the
ones it rejected (`nli_rejected`); judging both is what measures the verifier, not only the data.
Within a stratum the draw is systematic over the triples ordered by relation (then by a seeded
hash of the triple id): every triple has the same chance n/N, so a stratum's sample share is an
unbiased estimate of its precision, and each relation gets its proportional share of the sample
(within one), so a frequent relation cannot crowd a rare one out by luck. The draw depends on the
seed and the triple ids only, never on shard order or executor.

Rows are ordered by paragraph (seeded), so a judge reads each paragraph once for all its triples,
and kept and rejected triples interleave instead of arriving as two blocks.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kg2instruction.audit.evidence import triple_evidence
from kg2instruction.audit.tsv import LANGUAGE_SCOPE, VERDICTS
from kg2instruction.dataset.run_outputs import RunOutputs
from kg2instruction.errors import InputError

STRATA = {"kept": "nli_filter", "rejected": "nli_rejected"}
PARAGRAPHS_STAGE = "read_wikipedia"
KG_STAGE = "build_kg"
KG_FILE = Path("artifact") / "kg.duckdb"
PARAGRAPH_COLUMNS = ["paragraph_id", "lang", "title", "text"]


def _seeded_key(seed: int | str, value: str) -> str:
    return hashlib.blake2b(f"{seed}:{value}".encode(), digest_size=8).hexdigest()


def systematic_sample(relations: Sequence[str | None], triple_ids: Sequence[str], n: int,
                      seed: int | str) -> list[int]:
    """Indices of `n` of the triples (all when there are fewer), in input order: a systematic
    draw with a seeded random start over the triples ordered by (relation, seeded hash of id)."""
    total = len(triple_ids)
    if n >= total:
        return list(range(total))
    if n <= 0:
        return []
    order = sorted(range(total),
                   key=lambda i: (relations[i] or "", _seeded_key(seed, triple_ids[i])))
    step = total / n
    start = random.Random(f"{seed}:start").random() * step
    return sorted(order[min(int(start + k * step), total - 1)] for k in range(n))


@dataclass
class AuditSample:
    """The rows to write (column name -> value) and the provenance lines for the file header."""

    rows: list[dict[str, Any]]
    stratum_sizes: dict[str, int]
    comments: list[str] = field(default_factory=list)


def _paragraphs(run: RunOutputs, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """The sampled triples' paragraphs, read shard by shard so a dump-sized run stays small."""
    import orjson

    from kg2instruction.core.shard_store import ShardStore

    folder = run.output_dir(PARAGRAPHS_STAGE)
    complete = folder / "_complete.json"
    if not complete.is_file():
        raise InputError(folder, f"stage {PARAGRAPHS_STAGE!r} is not complete; run the "
                                 "pipeline first")
    keys = pa.array(sorted(wanted), pa.string())
    found: dict[str, dict[str, Any]] = {}
    for shard in orjson.loads(complete.read_bytes())["shards"]:
        table = ShardStore.read_parquet(folder, shard["id"], PARAGRAPH_COLUMNS)
        table = table.filter(pc.is_in(table["paragraph_id"], value_set=keys))
        found.update((row["paragraph_id"], row) for row in table.to_pylist())
    return found


def _in_language(run: RunOutputs, table: pa.Table, lang: str) -> pa.Table:
    """The rows of `table` whose paragraph is in `lang`."""
    ids = set(table["paragraph_id"].to_pylist())
    keep = sorted(pid for pid, row in _paragraphs(run, ids).items() if row.get("lang") == lang)
    return table.filter(pc.is_in(table["paragraph_id"], value_set=pa.array(keep, pa.string())))


def _entity_names(run: RunOutputs, qids_by_lang: Mapping[str, set[str]]
                  ) -> dict[tuple[str, str], str]:
    """(lang, qid) -> "label: description" from the run's KG store, when the run built one (a
    judge needs to know *which* entity a mention was linked to, not only its QID)."""
    if not run.has(KG_STAGE):
        return {}
    from kg2instruction.errors import ConfigError
    from kg2instruction.kg.duckdb_kg import DuckDBKG

    names: dict[tuple[str, str], str] = {}
    with DuckDBKG(run.output_dir(KG_STAGE) / KG_FILE) as kg:
        for lang, qids in qids_by_lang.items():
            lookup = lang if lang in kg.languages else "en"
            try:
                labels = kg.labels(sorted(qids), lookup)
                descriptions = kg.descriptions(sorted(qids), lookup)
            except ConfigError:       # a store without this language or English: QIDs only
                continue
            for qid in qids:
                parts = [p for p in (labels.get(qid), descriptions.get(qid)) if p]
                if parts:
                    names[(lang, qid)] = ": ".join(parts)
    return names


def _entity(qid: str | None, value: str | None, lang: str,
            names: Mapping[tuple[str, str], str]) -> str:
    if qid:
        name = names.get((lang, qid))
        return f"{qid} {name}" if name else qid
    return value or ""


def _format_score(score: float | None) -> str:
    return "" if score is None else f"{score:.4f}"


def _pid(row: Mapping[str, Any]) -> str:
    pid = row.get("pid") or ""
    return f"{pid} (reverse)" if row.get("direction") == "reverse" else pid


def draw(run: RunOutputs, n: int, seed: int, lang: str | None = None) -> AuditSample:
    """Up to `n` kept and `n` rejected triples of the run, with their evidence and paragraph;
    with `lang`, only triples of paragraphs in that language, and the strata are that language's
    triples (so the scores weight by what the run published in it)."""
    theme = run.manifest.theme
    picked: list[tuple[str, dict[str, Any]]] = []
    sizes: dict[str, int] = {}
    for status, stage in STRATA.items():
        table = run.table(stage)
        if lang is not None:
            table = _in_language(run, table, lang)
        sizes[status] = table.num_rows
        chosen = systematic_sample(table["relation"].to_pylist(),
                                   table["triple_id"].to_pylist(), n, f"{seed}:{theme}:{status}")
        picked.extend((status, row) for row in
                      table.take(pa.array(chosen, pa.int64())).to_pylist())
    paragraphs = _paragraphs(run, {row["paragraph_id"] for _, row in picked})
    qids_by_lang: dict[str, set[str]] = {}
    for _, row in picked:
        row_lang = paragraphs.get(row["paragraph_id"], {}).get("lang") or "en"
        qids_by_lang.setdefault(row_lang, set()).update(
            q for q in (row.get("head_qid"), row.get("tail_qid")) if q)
    names = _entity_names(run, qids_by_lang)
    picked.sort(key=lambda sr: (_seeded_key(seed, sr[1]["paragraph_id"]),
                                sr[1].get("head_start") or 0, sr[1]["triple_id"]))
    rows = [_audit_row(theme, status, row, paragraphs.get(row["paragraph_id"]), sizes[status],
                       names) for status, row in picked]
    comments = [
        f"kg2i audit of theme {theme!r}, run {run.manifest.pipeline!r} "
        f"({run.manifest.pipeline_file}), seed {seed}"
        + (", " + LANGUAGE_SCOPE.format(lang=lang) if lang else "") + ": "
        + ", ".join(f"{sum(1 for s, _ in picked if s == status)} of {sizes[status]} {status} "
                    f"({STRATA[status]} {run.fingerprint(STRATA[status])[:12]})"
                    for status in STRATA),
        "verdict: " + " | ".join(VERDICTS) + "; judging rules: benchmarks/audits/README.md",
        "[[head]] and {{tail}} mark the triple's ends; judge before looking at status and "
        "nli_score",
    ]
    return AuditSample(rows, sizes, comments)


def _audit_row(theme: str, status: str, row: Mapping[str, Any],
               paragraph: Mapping[str, Any] | None, stratum_size: int,
               names: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    lang = (paragraph or {}).get("lang") or "en"
    if paragraph is not None and paragraph.get("text") is not None:
        evidence = triple_evidence(row, paragraph["text"], lang)
        shown, source, text = evidence.text, evidence.source, evidence.paragraph
    else:                      # cannot happen in a consistent run; keep the row judgeable as such
        shown, source, text = "", "paragraph_missing", ""
    return {"theme": row.get("theme") or theme, "status": status, "triple_id": row["triple_id"],
            "lang": lang, "title": (paragraph or {}).get("title") or "",
            "relation": row.get("relation") or "", "pid": _pid(row), "rule": row.get("rule"),
            "head": row.get("head"), "head_entity": _entity(row.get("head_qid"), None, lang, names),
            "tail": row.get("tail"),
            "tail_entity": _entity(row.get("tail_qid"), row.get("tail_value"), lang, names),
            "nli_score": _format_score(row.get("nli_score")),
            "nli_hypothesis": row.get("nli_hypothesis"), "evidence_source": source,
            "evidence": shown, "paragraph": text, "stratum_size": stratum_size,
            "verdict": "", "note": ""}

