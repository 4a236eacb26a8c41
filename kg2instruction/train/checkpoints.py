"""Training checkpoints: adapter weights, optimizer, scheduler, RNG and progress, published whole.

A checkpoint is written to a hidden temporary folder and renamed into place, so an interrupted save
never leaves a half checkpoint that a resume would trust. Only the newest `keep` are kept.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from kg2instruction.errors import InputError

_NAME = re.compile(r"^checkpoint-(\d+)$")
STATE_FILE = "trainer_state.json"


@dataclass
class Progress:
    """Where training stands: optimizer steps done and micro-batches consumed, plus the loss log."""

    step: int = 0
    micro_batches: int = 0
    loss_log: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


def latest_checkpoint(root: Path) -> Path | None:
    """The complete checkpoint with the highest step under `root`, if any."""
    if not root.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in root.iterdir()
             if (m := _NAME.match(p.name)) and (p / STATE_FILE).is_file()]
    return max(found)[1] if found else None


def save_checkpoint(root: Path, model, optimizer, scheduler, progress: Progress, *,
                    keep: int) -> Path:
    final = root / f"checkpoint-{progress.step:06d}"
    tmp = root / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state()}, tmp / "optimizer.pt")
    (tmp / STATE_FILE).write_text(json.dumps(asdict(progress)), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    _prune(root, keep)
    return final


def load_checkpoint(path: Path, model, optimizer, scheduler) -> Progress:
    """Restore adapter weights, optimizer, scheduler and RNG from `path` into the given objects."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = path / "adapter_model.safetensors"
    try:
        set_peft_model_state_dict(model, load_file(str(weights)))
        saved: dict[str, Any] = torch.load(path / "optimizer.pt", weights_only=False)
        progress = Progress(**json.loads((path / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"checkpoint cannot be resumed from ({exc})") from None
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["torch_rng"])
    return progress


def _prune(root: Path, keep: int) -> None:
    done = sorted((int(m.group(1)), p) for p in root.iterdir() if (m := _NAME.match(p.name)))
    for _, path in done[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
