"""Fine-tuning hyper-parameters, read from a YAML file (`pipelines/train/*.yaml`).

One config drives both hardware paths: `quantization: auto` picks 4-bit NF4 (QLoRA) when CUDA is
present and plain LoRA on the CPU otherwise, so a config written on a laptop runs unchanged on a GPU
box. Defaults follow the InstructIE/IEPile recipe (Alpaca template, 3 epochs, r=8, alpha=16).
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg2instruction.config.yaml_loader import load_yaml, validate


class Quantization(str, Enum):
    """How the frozen base weights are held during training."""

    AUTO = "auto"  # nf4 when CUDA is available, none otherwise
    NF4 = "nf4"    # bitsandbytes 4-bit NormalFloat (QLoRA)
    NONE = "none"  # full-precision base weights (LoRA)


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj",
                                 "gate_proj", "up_proj", "down_proj"],
        min_length=1)
    top_layers: int | None = Field(
        None, ge=1, description="adapt only the top N layers: backward stops below them, which "
                                "roughly halves a CPU step; None adapts every layer")


class RunSettings(BaseModel):
    """What SFT and DPO runs share: how the base weights are held, the optimiser, schedule,
    checkpoints and threads (`train.fit.loop_arguments` turns them into Trainer arguments).
    Each method sets its own learning rate, epochs and batch size defaults."""

    model_config = ConfigDict(extra="forbid")

    quantization: Quantization = Quantization.AUTO
    learning_rate: float = Field(2e-4, gt=0.0)
    weight_decay: float = Field(0.0, ge=0.0)
    warmup_steps: int = Field(0, ge=0)
    epochs: float = Field(3.0, gt=0.0)
    max_steps: int | None = Field(None, ge=1, description="optimizer steps; overrides epochs")
    batch_size: int = Field(4, ge=1)
    grad_accumulation: int = Field(1, ge=1)
    max_grad_norm: float = Field(1.0, gt=0.0)
    seed: int = 42
    logging_steps: int = Field(1, ge=1)
    save_steps: int = Field(10, ge=1, description="checkpoint every N optimizer steps")
    keep_checkpoints: int = Field(2, ge=1)
    threads: int | None = Field(None, ge=1, description="torch CPU threads (None: torch default)")


class TrainConfig(RunSettings):
    """Everything that changes what the adapter learns; it goes verbatim into the adapter card."""

    lora: LoraSettings = Field(default_factory=LoraSettings)
    template: str = Field("alpaca", description="prompt template name (see train.template)")
    cutoff_len: int = Field(1024, ge=16, description="tokens per example, prompt + output")
    skip_empty_answers: bool = Field(False, description="leave out instructions whose JSON answer "
                                     "extracts nothing (see train.selection)")

    @model_validator(mode="after")
    def _known_template(self) -> TrainConfig:
        from kg2instruction.train.template import TEMPLATES

        if self.template not in TEMPLATES:
            raise ValueError(f"unknown template {self.template!r}; expected one of "
                             f"{sorted(TEMPLATES)}")
        return self


def load_train_config(path: str | Path) -> TrainConfig:
    """The config in `path`; errors name the file, line and key."""
    return validate(TrainConfig, load_yaml(path))
