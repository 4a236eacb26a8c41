"""How `kg2i train` tunes: its own module so the CLI can offer the choice without importing
anything heavy."""
from __future__ import annotations

from enum import Enum


class TrainMethod(str, Enum):
    SFT = "sft"  # supervised: instructions and their answers -> a new LoRA adapter
    DPO = "dpo"  # preference pairs -> the SFT adapter refined (`train.dpo`)
