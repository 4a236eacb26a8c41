"""Stage `score_nli`: every theme triple with the P(entailment) of its one hypothesis.

The hypothesis is the triple's relation sense (`themes/relation_senses.yaml`, one statement per
Wikidata property, fingerprinted as a file field); triples without one read their label's first
template. Scoring is the expensive step (a transformer forward per hypothesis) and reads only
the theme's relations (their templates); the threshold split lives in `nli_filter` /
`nli_rejected`. Since the framework fingerprints a stage by the theme fields it declares,
changing the theme's `nli_threshold` reruns only the two cheap split stages and reuses every
stored score. (A per-relation `nli_threshold` lives inside `relations`, which also holds the
templates, so it does invalidate the scores.)
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from pydantic import Field

from kg2instruction.config.senses import SENSES_FILE, Senses, load_senses_file
from kg2instruction.config.theme import Theme
from kg2instruction.core import MapStage, StageConfig, StageContext, execution_knob, register_stage
from kg2instruction.nli.premise import PremiseMode
from kg2instruction.nli.scorer import EntailmentScorer, Precision
from kg2instruction.nli.triple_scoring import Paragraph, score_triples
from kg2instruction.nli.verifier.bundled import ENGLISH_VERIFIER, BUNDLED_PREFIX, resolve_model
from kg2instruction.schemas import NLI_TRIPLES

DEFAULT_SENSES_FILE = f"themes/{SENSES_FILE}"


class ScoreNliConfig(StageConfig):
    """Which NLI model judges the triples, and on what premise."""

    model: str = Field(BUNDLED_PREFIX + ENGLISH_VERIFIER,
                       description="hub name, local path, or bundled:<name>")
    model_by_lang: dict[str, str] = Field(default_factory=dict,
                                          description="per-language override of `model`")
    premise: PremiseMode = "evidence"
    senses_file: str = Field(DEFAULT_SENSES_FILE, description="one NLI hypothesis per Wikidata "
                             "property (YAML, inside the project)")
    max_length: int = Field(256, ge=16, description="tokens per pair (premise truncated first)")
    device: str = execution_knob("auto", "auto | cpu | cuda | cuda:N")
    precision: Precision = execution_knob("auto", "auto: bf16/fp16 on CUDA, fp32 on CPU")
    max_batch_size: int = execution_knob(64)
    max_batch_tokens: int = execution_knob(16384, "padded tokens per batch")
    cpu_threads: int | None = execution_knob(None)

    def model_for(self, lang: str) -> str:
        return self.model_by_lang.get(lang, self.model)


def paragraphs_by_id(table: pa.Table) -> dict[str, Paragraph]:
    rows = table.select(["paragraph_id", "text", "lang"]).to_pylist()
    return {row["paragraph_id"]: Paragraph(row["text"], row["lang"]) for row in rows}


def with_scores(triples: pa.Table, scores: list[float], hypotheses: list[str]) -> pa.Table:
    columns = {name: triples[name] for name in triples.column_names}
    columns["nli_score"] = pa.array(scores, pa.float64())
    columns["nli_hypothesis"] = pa.array(hypotheses, pa.string())
    return pa.table(columns).select(NLI_TRIPLES.names).cast(NLI_TRIPLES)


@register_stage
class ScoreNli(MapStage):
    """Theme TRIPLES + paragraphs -> each triple with its hypothesis's score (NLI_TRIPLES)."""

    name = "score_nli"
    version = "2"                     # 2: one relation-sense hypothesis per triple, not the max
    Config = ScoreNliConfig
    requires = ("apply_schema", "read_wikipedia")
    uses_model = True
    theme_fields = ("relations",)     # templates; thresholds are the split stages' business
    key = ("triple_id",)
    file_fields = ("senses_file",)    # editing a sense re-scores
    config: ScoreNliConfig

    @classmethod
    def external_inputs(cls, config: ScoreNliConfig) -> list[dict[str, Any]]:
        """Each model's identity: the weight files of a local or bundled model (name, size, head
        and tail digests), or the hub name (whose weights cannot be seen without downloading)."""
        from pathlib import Path

        from kg2instruction.kg.dump_identity import dump_identity

        identities = []
        for name in sorted({config.model, *config.model_by_lang.values()}):
            resolved = Path(resolve_model(name))
            files = sorted(p for p in resolved.iterdir() if p.is_file()) if resolved.is_dir() else []
            identities.append({"model": name,
                               "files": [dump_identity(p) for p in files
                                         if p.suffix in (".safetensors", ".bin", ".json")]})
        return identities

    def setup(self, ctx: StageContext) -> None:
        """Models load on first use per language: a shard without Chinese triples never pays
        for the Chinese model (Gemma takes half a minute to load on a CPU)."""
        from kg2instruction.nli.hf_scorer import HfScorerSettings  # torch: lazily

        self._settings = HfScorerSettings(
            device=self.config.device, precision=self.config.precision,
            max_length=self.config.max_length, max_batch_size=self.config.max_batch_size,
            max_batch_tokens=self.config.max_batch_tokens, cpu_threads=self.config.cpu_threads)
        self._languages = tuple(ctx.languages or ("en",))
        self._loaded: dict[str, EntailmentScorer] = {}   # one model serving several langs: once
        self._senses: Senses = load_senses_file(ctx.path(self.config.senses_file))
        uncovered = (sorted({pid for pid, _ in self._senses.uncovered(ctx.theme)})
                     if isinstance(ctx.theme, Theme) else [])
        if uncovered:
            ctx.log.warning("P-ids without a relation sense in %s, scored on their label's first "
                            "template: %s", self._senses.path, ", ".join(uncovered))

    def scorer_for(self, lang: str) -> EntailmentScorer:
        if lang not in self._languages:
            raise KeyError(f"no NLI scorer for language {lang!r} (run languages: "
                           f"{sorted(self._languages)})")
        name = resolve_model(self.config.model_for(lang))
        if name not in self._loaded:
            from kg2instruction.nli.hf_scorer import HfNliScorer

            self._loaded[name] = HfNliScorer(name, self._settings)
        return self._loaded[name]

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        triples = inputs["apply_schema"]
        if triples.num_rows == 0:
            return NLI_TRIPLES.empty_table()
        paragraphs = paragraphs_by_id(inputs["read_wikipedia"])
        rows = triples.to_pylist()
        results = score_triples(rows, paragraphs, ctx.theme, self.scorer_for,
                                self.config.premise, self._senses)
        ctx.count("scored", n=len(results))
        with_sense = sum(1 for row in rows if row.get("pid") in self._senses)
        ctx.count("hypothesis", n=with_sense, reason="relation_sense")
        ctx.count("hypothesis", n=len(rows) - with_sense, reason="label_template")
        return with_scores(triples, [r.score for r in results], [r.hypothesis for r in results])
