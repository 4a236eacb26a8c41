"""Stage `nli_filter`: the scored triples whose NLI score reaches their threshold.

A triple's threshold is its relation's own `nli_threshold` when the theme sets one; else the
threshold calibrated for its P-id on human-judged dev pairs, shipped beside the verifier that
scored it (`thresholds.json`, see nli/verifier/thresholds.py; the stage config names that
model); else the theme's `nli_threshold` (no model named, or one without calibration: hub
models, the Chinese verifier). Scores of one model do not mean
the same on every relation, which is why a calibrated model's per-relation cut-offs replace the
theme-wide one. The dropped triples are kept by the sibling stage `nli_rejected`, so a threshold
change needs no re-scoring.

Where several properties or sentences give one labelled fact of a paragraph, one reading is
published: the best-scored of those that reach their threshold (`nli/label_choice.py`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from pydantic import Field

from kg2instruction.core import MapStage, StageConfig, StageContext, register_stage
from kg2instruction.nli.label_choice import choose_readings
from kg2instruction.nli.triple_scoring import keep_mask
from kg2instruction.nli.verifier.bundled import BUNDLED_PREFIX, resolve_model
from kg2instruction.nli.verifier.thresholds import (THRESHOLDS_FILE, CalibratedThresholds,
                                                    read_thresholds)


class ThresholdConfig(StageConfig):
    """Which model's calibrated thresholds apply: the model(s) `score_nli` scored with, written
    the same way (`nli_filter` and `nli_rejected` must name the same ones). Unset, the theme's
    thresholds apply: naming no model can never apply one model's calibration to another's
    scores."""

    model: str | None = Field(None, description="the model score_nli used (hub name, path or "
                              f"{BUNDLED_PREFIX}<name>); its thresholds.json, when it has one, "
                              "gives per-relation thresholds")
    model_by_lang: dict[str, str] = Field(default_factory=dict,
                                          description="per-language override of `model`, as in "
                                                      "score_nli")

    def model_for(self, lang: str) -> str | None:
        return self.model_by_lang.get(lang, self.model)


def calibrated_for(model: str | None, lang: str | None) -> CalibratedThresholds | None:
    """The model's thresholds when they were calibrated for `lang` (a model serving several
    languages is calibrated on one)."""
    from pathlib import Path

    if model is None:
        return None
    resolved = Path(resolve_model(model))
    thresholds = read_thresholds(resolved) if resolved.is_dir() else None
    return thresholds if thresholds is not None and thresholds.lang == lang else None


@dataclass(frozen=True)
class Split:
    """A scored table split by threshold, one reading per labelled fact on each side."""

    kept: pa.Table
    dropped: pa.Table
    set_aside: int     # other readings of a fact whose chosen reading is on one side


def split_by_threshold(scored: pa.Table, theme, calibrated: CalibratedThresholds | None = None
                       ) -> Split:
    """Kept and dropped rows of a scored table (see the module docstring)."""
    keep = keep_mask(scored["relation"].to_pylist(), scored["nli_score"].to_pylist(),
                     theme, scored["pid"].to_pylist(), calibrated)
    columns = ("paragraph_id", "head", "head_qid", "relation", "tail", "tail_qid", "tail_value",
               "nli_score", "pid", "triple_id")
    rows = scored.select(list(columns)).to_pylist()
    published, rejected, set_aside = choose_readings(rows, keep)
    return Split(scored.take(pa.array(published, pa.int64())),
                 scored.take(pa.array(rejected, pa.int64())), set_aside)


@register_stage
class NliFilter(MapStage):
    """Scored triples -> the triples whose score reaches their threshold."""

    name = "nli_filter"
    version = "3"                 # 2: calibrated per-relation thresholds of the scoring model;
    #                               3: one reading per labelled fact, chosen by score
    Config = ThresholdConfig
    requires = ("score_nli",)
    theme_fields = ("nli_threshold", "relations")
    key = ("triple_id",)
    config: ThresholdConfig

    @classmethod
    def external_inputs(cls, config: ThresholdConfig) -> list[dict[str, Any]]:
        """The content of each named model's thresholds file: recalibrating re-splits."""
        import hashlib
        from pathlib import Path

        identities = []
        for name in sorted({config.model, *config.model_by_lang.values()} - {None}):
            path = Path(resolve_model(name)) / THRESHOLDS_FILE
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
            identities.append({"model": name, "thresholds_sha256": digest})
        return identities

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        calibrated = calibrated_for(self.config.model_for(ctx.lang or ""), ctx.lang)
        split = split_by_threshold(inputs["score_nli"], ctx.theme, calibrated)
        ctx.count("dropped", n=split.set_aside, reason="other_reading_of_label")
        return self.pick(split, ctx)

    def pick(self, split: Split, ctx: StageContext) -> pa.Table:
        """The half of the split this stage publishes (the other half is counted as dropped)."""
        ctx.count("dropped", n=split.dropped.num_rows, reason="nli_below_threshold")
        return split.kept
