"""DPO hyper-parameters, read from a YAML file (`pipelines/train/dpo_*.yaml`).

Separate from `TrainConfig` because DPO continues an SFT adapter instead of creating one: the LoRA
shape (rank, target modules, layers) and the prompt template are the parent adapter's and are not
settable here, so a DPO config cannot drift from the adapter it refines. `quantization: auto` is
the SFT rule (QLoRA on CUDA, LoRA on the CPU).
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path

from pydantic import Field

from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.train.config import RunSettings


class DpoLoss(str, Enum):
    """The DPO losses offered (TRL's names); sigmoid is the paper's."""

    SIGMOID = "sigmoid"
    HINGE = "hinge"
    IPO = "ipo"
    ROBUST = "robust"


class DpoConfig(RunSettings):
    """Everything that changes what DPO learns; it goes verbatim into the adapter card."""

    beta: float = Field(0.1, gt=0.0, description="how far the policy may move from the SFT "
                                                 "reference (smaller: further)")
    loss_type: DpoLoss = DpoLoss.SIGMOID
    label_smoothing: float = Field(0.0, ge=0.0, lt=0.5, description="robust loss: assumed share "
                                                                    "of flipped preferences")
    learning_rate: float = Field(5e-6, gt=0.0)
    epochs: float = Field(1.0, gt=0.0)
    batch_size: int = Field(2, ge=1, description="pairs per step")
    max_length: int = Field(1024, ge=16, description="tokens of prompt + answer (TRL keeps the "
                                                     "start; a pair whose prompt alone fills it "
                                                     "is dropped)")


def load_dpo_config(path: str | Path) -> DpoConfig:
    """The config in `path`; errors name the file, line and key."""
    return validate(DpoConfig, load_yaml(path))
